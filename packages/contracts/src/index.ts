export * from "./base-model.ts";
export * from "./early-stopping.ts";
export * from "./hyperparameters.ts";
export * from "./local-engine.ts";
export * from "./model-kind-rules.ts";
