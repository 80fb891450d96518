// A second project on the browser tests' server: the engine's tiny Qwen2 fixture checkpoint registered as an
// open-weight base, a LoRA experiment, a DPO experiment and a built-in-size experiment, trained and scored.
import { fileURLToPath } from "node:url";
import { registerBaseModel } from "@tunelab/engine";
import { type FixtureServer, waitFinished } from "./fixture-server.ts";

export const OPEN_PROJECT = "open-weights";
const QWEN2 = fileURLToPath(new URL("../../../packages/engine/fixtures/hf/qwen2", import.meta.url));
const TICKETS: Array<[string, string]> = [
  ["My invoice is wrong", "billing"],
  ["The app crashes on start", "bug"],
  ["How do I reset my password?", "account"],
  ["I was charged twice", "billing"],
  ["Error 500 when saving", "bug"],
  ["Change my email address", "account"],
  ["Refund my last order", "billing"],
  ["The page is blank", "bug"],
  ["Delete my account", "account"],
  ["Update my card", "billing"],
];
const system = { role: "system", content: "Route the ticket." };
const chat = ([user, label]: [string, string]) =>
  JSON.stringify({ messages: [system, { role: "user", content: user }, { role: "assistant", content: label }] });
const preference = ([user, label]: [string, string]) =>
  JSON.stringify({
    input: { messages: [system, { role: "user", content: user }] },
    preferred_output: [{ role: "assistant", content: label }],
    non_preferred_output: [{ role: "assistant", content: "I cannot help." }],
  });
const lines = (items: string[]) => `${items.join("\n")}\n`;

export interface OpenWeightSeed {
  lora: string;
  dpo: string;
  builtIn: string;
}

/** Seeds `open-weights` (~30 s on two busy cores): experiments named lora-qv, dpo-b02 and tiny-full. */
export async function seedOpenWeights(server: FixtureServer): Promise<OpenWeightSeed> {
  const engine = server.services.engine;
  if (!engine) throw new Error("the open-weight fixture needs the server's engine");
  await registerBaseModel(engine.store, { dir: QWEN2, name: "tiny-qwen2" });
  const { call } = server;
  await call("POST", "/api/projects", { name: OPEN_PROJECT });
  const test: Array<[string, string]> = [
    ["My bill is too high", "billing"],
    ["The button does nothing", "bug"],
    ["I forgot my login", "account"],
  ];
  await call("PUT", `/api/projects/${OPEN_PROJECT}/test-split`, lines(test.map(chat)));
  await call("POST", `/api/projects/${OPEN_PROJECT}/datasets/train/versions`, lines(TICKETS.map(chat)));
  await call("POST", `/api/projects/${OPEN_PROJECT}/datasets/prefs/versions`, lines(TICKETS.map(preference)));
  await call("PUT", `/api/projects/${OPEN_PROJECT}/graders`, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const create = async (body: Record<string, unknown>) =>
    (await call("POST", `/api/projects/${OPEN_PROJECT}/experiments`, body)).experiment.id as string;
  const fast = { n_epochs: 5, batch_size: 5, learning_rate_multiplier: 20, lora_rank: 4 };
  const seed = {
    lora: await create({
      dataset: "train@1",
      model: "tiny-qwen2",
      name: "lora-qv",
      hyperparameters: { ...fast, lora_target_modules: ["q_proj", "v_proj"] },
    }),
    dpo: await create({
      dataset: "prefs@1",
      model: "tiny-qwen2",
      method: "dpo",
      name: "dpo-b02",
      hyperparameters: { ...fast, n_epochs: 2, beta: 0.2 },
    }),
    builtIn: await create({ dataset: "train@1", model: "local-tiny", name: "tiny-full", hyperparameters: { n_epochs: 2, batch_size: 5 } }),
  };
  for (const id of Object.values(seed)) await waitFinished(server, id, 300_000);
  return seed;
}
