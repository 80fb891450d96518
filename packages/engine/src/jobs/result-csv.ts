/** OpenAI's result file: one row per step, `step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy`. */
export function resultCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  const cell = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? String(value) : "");
  const lines = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"];
  for (const row of rows) {
    lines.push(
      [row.step, row.train_loss, row.train_mean_token_accuracy, row.valid_loss, row.valid_mean_token_accuracy].map(cell).join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}
