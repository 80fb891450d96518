export { createEngine, type Engine, type EngineOptions } from "./engine.ts";
export { type ChatFeatures, chatFeatures } from "./hf/chat-features.ts";
export { checkUnchanged } from "./hf/check-unchanged.ts";
export {
  EXPORT_DTYPES,
  EXPORT_FORMATS,
  type ExportDtype,
  type ExportFormat,
  exportDtypeProblem,
  exportTunedModel,
} from "./hf/export.ts";
export { type BaseExportOptions, exportBaseModel } from "./hf/export-base.ts";
export { exportBaseModelOffThread, exportTunedModelOffThread } from "./hf/export-off-thread.ts";
export { EXPORT_STAGES, type ExportProgress, type ExportStage } from "./hf/export-progress.ts";
export { type RegisterOptions, registerBaseModel } from "./hf/register.ts";
export { tunedModelBase } from "./hf/tuned-base.ts";
export {
  findPlanBase,
  type HyperparameterPlan,
  type PlanBase,
  type PlanInput,
  planHyperparameters,
  planJobHyperparameters,
} from "./jobs/hyperparameter-plan.ts";
export { asLocalEngine, builtInModels, openWeightModel } from "./local-engine.ts";
export {
  deleteRegisteredBase,
  findRegisteredBase,
  listRegisteredBases,
  type RegisteredBase,
} from "./models/base-model.repository.ts";
export { findModel } from "./models/model.repository.ts";
export { type TunedModelKind, tunedModelKind } from "./models/tuned-model-kind.ts";
