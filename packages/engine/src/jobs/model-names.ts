/** OpenAI-style tuned model ids: `ft:local-small:tunelab:SUFFIX:JOBID` and `…:ckpt-step-N` for checkpoints. */
export function tunedModelName(baseModel: string, suffix: string | null, jobId: string): string {
  return `ft:${baseModel}:tunelab:${suffix ?? ""}:${jobId.slice("ftjob-".length, "ftjob-".length + 8)}`;
}

export function checkpointModelName(tunedName: string, step: number): string {
  return `${tunedName}:ckpt-step-${step}`;
}

/** The step of a checkpoint's model id (`…:ckpt-step-N`), or 0 when the id names none. */
export function checkpointStep(id: string): number {
  const match = /:ckpt-step-(\d+)$/.exec(id);
  return match ? Number(match[1]) : 0;
}
