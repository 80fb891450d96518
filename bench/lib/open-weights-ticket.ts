// What `auto` does with the ticket-routing example on an open-weight base: the LoRA hyperparameters it resolves
// (hf/lora/hyperparameters.ts), the steps that makes, and the padded sequence length of its batches. No SmolLM2
// tokenizer ships here, so tokens are estimated: characters / 4 of each message plus the 4 tokens ChatML wraps it in
// (`<|im_start|>`, the role, a newline ... `<|im_end|>`, a newline), as SmolLM2-Instruct's chat template renders it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { resolveLoraHyperparameters } from "../../packages/engine/src/hf/lora/hyperparameters.ts";
import { Rng } from "../../packages/engine/src/trainer/train/rng.ts";

export const TICKET_TRAIN_FILE = fileURLToPath(new URL("../../examples/ticket-routing/train-v2.jsonl", import.meta.url));
const CHATML_TOKENS_PER_MESSAGE = 4;

export interface AutoPlan {
  file: string;
  examples: number;
  epochs: number;
  batch: number;
  steps: number;
  /** Estimated tokens per example (the chat-rendered sequence). */
  meanTokens: number;
  /** Estimated tokens of the final assistant reply per example (where the loss goes). */
  meanAssistantTokens: number;
  maxTokens: number;
  /** Mean over the run's steps of the batch's padded length (positions: tokens − 1 of its longest example). */
  meanPaddedT: number;
}

/** Estimated chat-rendered tokens of each example of a JSONL training file, and of its last assistant reply; errors name the file and line. */
export function estimateExampleTokens(file: string): { total: number; assistant: number }[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const tokens: { total: number; assistant: number }[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new Error(`${file}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    const messages = (parsed as { messages?: unknown }).messages;
    if (!Array.isArray(messages)) throw new Error(`${file}:${i + 1}: messages: an array was expected`);
    let n = 0;
    let assistant = 0;
    for (const m of messages as { role?: unknown; content?: unknown }[]) {
      const content = typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? "");
      const t = Math.ceil(content.length / 4) + CHATML_TOKENS_PER_MESSAGE;
      n += t;
      if (m.role === "assistant") assistant = Math.ceil(content.length / 4) + 1; // the reply and <|im_end|>
    }
    tokens.push({ total: n, assistant });
  });
  return tokens;
}

/** The `auto` plan for `file`: epochs and batch as the engine resolves them, batches in a seeded shuffled order per epoch. */
export function autoPlan(file = TICKET_TRAIN_FILE, seed = 1): AutoPlan {
  const estimates = estimateExampleTokens(file);
  const tokens = estimates.map((e) => e.total);
  const n = tokens.length;
  if (n === 0) throw new Error(`${file}: no examples`);
  const hp = resolveLoraHyperparameters(n);
  const epochs = hp.n_epochs;
  const batch = Math.min(hp.batch_size, n);
  const perEpoch = Math.ceil(n / batch);
  const rng = new Rng(seed);
  let padded = 0;
  for (let e = 0; e < epochs; e++) {
    const order = rng.permutation(n);
    for (let s = 0; s < perEpoch; s++) {
      let T = 1;
      for (const i of order.slice(s * batch, (s + 1) * batch)) T = Math.max(T, (tokens[i] as number) - 1);
      padded += T;
    }
  }
  return {
    file,
    examples: n,
    epochs,
    batch,
    steps: epochs * perEpoch,
    meanTokens: tokens.reduce((a, b) => a + b, 0) / n,
    meanAssistantTokens: estimates.reduce((a, e) => a + e.assistant, 0) / n,
    maxTokens: Math.max(...tokens),
    meanPaddedT: padded / (epochs * perEpoch),
  };
}
