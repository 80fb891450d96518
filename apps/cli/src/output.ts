import Table from "cli-table3";
import pc from "picocolors";

export interface GlobalOptions {
  json?: boolean;
}

/** Prints a command's result: JSON when --json, otherwise the human rendering. */
export function emit(options: GlobalOptions, data: unknown, human: () => string): void {
  if (options.json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else {
    const text = human();
    if (text !== "") process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}

export function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [], compact: true } });
  for (const row of rows) t.push(row.map(String));
  return t.toString();
}

export const color = pc;

export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A count and its noun, the noun singular for 1: `1 image`, `2 images`, `1,000 examples` (`plural` when not noun + s). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${formatNumber(n)} ${n === 1 ? noun : plural}`;
}

/** A p-value as the web app prints it: three decimals, and `<0.001` below that (never a misleading `0.0000`). */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined) return "-";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}
