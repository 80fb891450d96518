/** Formatting for scores, counts, durations and money; `—` for missing values. */
const DASH = "—";

export function score(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || Number.isNaN(value) ? DASH : value.toFixed(digits);
}

export function percent(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined ? DASH : `${(value * 100).toFixed(digits)}%`;
}

export function signed(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return DASH;
  return `${value > 0 ? "+" : value < 0 ? "−" : "±"}${Math.abs(value).toFixed(digits)}`;
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return DASH;
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 1)}M`;
  if (Math.abs(value) >= 1e4) return `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)}k`;
  return Math.round(value).toLocaleString("en-US");
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return DASH;
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 90) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return DASH;
  if (value === 0) return "$0";
  return value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

export function pValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return DASH;
  return value < 0.001 ? "<0.001" : value.toFixed(3);
}

export function when(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** Hyperparameters compactly: `3 ep · bs 8 · lr ×2`. */
export function hyper(h: Record<string, unknown>): string {
  const parts: string[] = [];
  if (h.n_epochs !== undefined) parts.push(`${String(h.n_epochs)} ep`);
  if (h.batch_size !== undefined) parts.push(`bs ${String(h.batch_size)}`);
  if (h.learning_rate_multiplier !== undefined) parts.push(`lr ×${String(h.learning_rate_multiplier)}`);
  for (const [key, value] of Object.entries(h))
    if (!["n_epochs", "batch_size", "learning_rate_multiplier"].includes(key)) parts.push(`${key} ${String(value)}`);
  return parts.join(" · ") || DASH;
}

export function value(v: unknown): string {
  if (v === null || v === undefined) return DASH;
  return typeof v === "string" ? v : JSON.stringify(v);
}
