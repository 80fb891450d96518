/**
 * The stages of an export, in order (each may be skipped): `checking` the base's files against those the model was
 * tuned on (hashing gigabytes), `loading` the weights, `writing` the files (a LoRA adapter is folded into each
 * projection as it is written).
 */
export const EXPORT_STAGES = ["checking", "loading", "writing"] as const;
export type ExportStage = (typeof EXPORT_STAGES)[number];

/**
 * Where an export is: a stage as it starts (`done` and `total` 0), then, while writing tensors, how many are written
 * of how many (a copied file is written in one go and reports no count).
 */
export interface ExportProgress {
  stage: ExportStage;
  done: number;
  total: number;
}

/** An export's two ways of reporting: a stage as it starts, and each tensor written (the `writing` stage's counts). */
export interface ExportReporter {
  stage(name: ExportStage): void;
  onTensor(done: number, total: number): void;
}

export function exportReporter(onProgress: ((progress: ExportProgress) => void) | undefined): ExportReporter {
  return {
    stage: (name) => onProgress?.({ stage: name, done: 0, total: 0 }),
    onTensor: (done, total) => onProgress?.({ stage: "writing", done, total }),
  };
}
