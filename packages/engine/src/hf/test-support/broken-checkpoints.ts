/**
 * Copies of the committed fixture checkpoints, broken the ways real downloads and hand-made folders
 * are broken (quantized, MoE, another architecture, missing or truncated files, wrong shapes or
 * dtypes in the safetensors header, PyTorch pickles only). Each case says which file and which
 * field (or tensor) the refusal must name.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES_DIR = fileURLToPath(new URL("../../../fixtures/hf/", import.meta.url));

/** A fresh copy of a fixture case (`qwen2`, `llama`, `qwen2-sharded`, …) in a temp directory. */
export function copyFixture(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), `tunelab-ckpt-${name}-`)), name);
  cpSync(join(FIXTURES_DIR, name), dir, { recursive: true });
  return dir;
}

export function removeCopy(dir: string): void {
  rmSync(join(dir, ".."), { recursive: true, force: true });
}

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;

/** Reads a safetensors file's JSON header. */
export function readHeader(file: string): { header: Header; dataStart: number; bytes: Buffer } {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + length).toString("utf8")) as Header, dataStart: 8 + length, bytes };
}

/** Rewrites a safetensors file's header (the tensor data stays as it is), padded as the format's writer pads. */
export function rewriteHeader(file: string, edit: (header: Header) => void): void {
  const { header, dataStart, bytes } = readHeader(file);
  edit(header);
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(file, Buffer.concat([length, Buffer.from(json, "utf8"), bytes.subarray(dataStart)]));
}

const editJson = (file: string, edit: (json: Record<string, unknown>) => void) => {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  edit(json);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
};

export interface Breakage {
  /** What the user did wrong, as the test's title. */
  title: string;
  fixture: string;
  /** Breaks the copy in `dir`. */
  apply: (dir: string) => void;
  /** What else the message must contain (a tensor name, a shard, the file found instead). */
  mentions?: string | RegExp;
  /** The file the refusal names. */
  file: string;
  /** The field or tensor the refusal names. */
  field: string;
}

export const BREAKAGES: Breakage[] = [
  {
    title: "quantized weights (quantization_config in config.json)",
    fixture: "qwen2",
    apply: (dir) =>
      editJson(join(dir, "config.json"), (c) => {
        c.quantization_config = { quant_method: "awq", bits: 4, group_size: 128 };
      }),
    file: "config.json",
    field: "quantization_config",
  },
  {
    title: "a mixture-of-experts config (num_experts)",
    fixture: "qwen2",
    apply: (dir) =>
      editJson(join(dir, "config.json"), (c) => {
        c.num_experts = 8;
        c.num_experts_per_tok = 2;
      }),
    file: "config.json",
    field: "num_experts",
  },
  {
    title: "an unknown model_type with the fields of a supported one",
    fixture: "llama",
    apply: (dir) =>
      editJson(join(dir, "config.json"), (c) => {
        c.model_type = "gpt2";
      }),
    file: "config.json",
    field: "model_type",
  },
  {
    title: "a real GPT-2 config.json (n_embd, n_layer, … instead of hidden_size)",
    fixture: "llama",
    apply: (dir) =>
      writeFileSync(
        join(dir, "config.json"),
        JSON.stringify({
          architectures: ["GPT2LMHeadModel"],
          model_type: "gpt2",
          activation_function: "gelu_new",
          n_ctx: 256,
          n_embd: 64,
          n_head: 4,
          n_layer: 2,
          n_positions: 256,
          layer_norm_epsilon: 1e-5,
          vocab_size: 461,
        }),
      ),
    file: "config.json",
    field: "model_type",
  },
  {
    title: "tokenizer.json missing",
    fixture: "smollm",
    apply: (dir) => unlinkSync(join(dir, "tokenizer.json")),
    file: "tokenizer.json",
    field: "(file)",
  },
  {
    title: "no chat_template (a base, not an -Instruct, checkpoint)",
    fixture: "smollm",
    apply: (dir) =>
      editJson(join(dir, "tokenizer_config.json"), (c) => {
        delete c.chat_template;
      }),
    file: "tokenizer_config.json",
    field: "chat_template",
  },
  {
    title: "model.safetensors truncated (an interrupted copy)",
    fixture: "qwen3",
    apply: (dir) => {
      const file = join(dir, "model.safetensors");
      truncateSync(file, readFileSync(file).length - 1000);
    },
    mentions: /model\.[\w.]+\.weight: data ends at byte \d+ but the file has \d+ bytes/,
    file: "model.safetensors",
    field: "truncated",
  },
  {
    title: "model.safetensors cut inside its header",
    fixture: "qwen3",
    apply: (dir) => truncateSync(join(dir, "model.safetensors"), 100),
    file: "model.safetensors",
    field: "header",
  },
  {
    title: "a tensor whose shape does not match config.json (same byte count)",
    fixture: "mistral",
    apply: (dir) =>
      rewriteHeader(join(dir, "model.safetensors"), (h) => {
        const entry = h["model.layers.1.mlp.up_proj.weight"] as { shape: number[] };
        entry.shape = [64, 160]; // config.json implies [intermediate 160, hidden 64]
      }),
    file: "model.safetensors",
    field: "model.layers.1.mlp.up_proj.weight",
  },
  {
    title: "a tensor the architecture needs is missing (untied lm_head)",
    fixture: "llama",
    apply: (dir) =>
      rewriteHeader(join(dir, "model.safetensors"), (h) => {
        delete h["lm_head.weight"];
      }),
    file: "model.safetensors",
    field: "lm_head.weight",
  },
  {
    title: "a shard the index lists is missing",
    fixture: "qwen2-sharded",
    apply: (dir) => unlinkSync(join(dir, "model-00002-of-00002.safetensors")),
    mentions: "model-00002-of-00002.safetensors",
    file: "model.safetensors.index.json",
    field: "weight_map",
  },
  {
    title: "an F8_E4M3 tensor",
    fixture: "qwen2",
    apply: (dir) =>
      rewriteHeader(join(dir, "model.safetensors"), (h) => {
        (h["model.layers.0.self_attn.q_proj.weight"] as { dtype: string }).dtype = "F8_E4M3";
      }),
    file: "model.safetensors",
    field: "model.layers.0.self_attn.q_proj.weight.dtype",
  },
  {
    title: "an I8 tensor",
    fixture: "qwen2",
    apply: (dir) =>
      rewriteHeader(join(dir, "model.safetensors"), (h) => {
        (h["model.layers.1.mlp.down_proj.weight"] as { dtype: string }).dtype = "I8";
      }),
    file: "model.safetensors",
    field: "model.layers.1.mlp.down_proj.weight.dtype",
  },
  {
    // (a special token past the table is allowed: text only produces it by spelling it, and then it is refused, vocab-fit.ts)
    title: "a tokenizer with more ids than config.json vocab_size (an ordinary added token past the embedding table)",
    fixture: "qwen2",
    apply: (dir) =>
      editJson(join(dir, "tokenizer.json"), (t) => {
        (t.added_tokens as unknown[]).push({
          id: 461,
          content: "<|extra|>",
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: false,
        });
      }),
    mentions: "462 tokens, more than the model's 461 embedding rows",
    file: "tokenizer.json",
    field: "model.vocab",
  },
  {
    title: "a tokenizer whose ids have a gap (an added token left out)",
    fixture: "qwen2",
    apply: (dir) =>
      editJson(join(dir, "tokenizer.json"), (t) => {
        t.added_tokens = (t.added_tokens as Array<{ id: number }>).filter((token) => token.id !== 459);
      }),
    mentions: "no token has id 459",
    file: "tokenizer.json",
    field: "added_tokens",
  },
  {
    title: "a safetensors __metadata__ value that is not a string",
    fixture: "qwen2",
    apply: (dir) =>
      rewriteHeader(join(dir, "model.safetensors"), (h) => {
        h.__metadata__ = { format: "pt", total: 5 } as unknown as Record<string, string>;
      }),
    mentions: "__metadata__.total: expected a string",
    file: "model.safetensors",
    field: "__metadata__.total",
  },
  {
    title: "pytorch_model.bin only (no safetensors)",
    fixture: "llama",
    apply: (dir) => {
      writeFileSync(join(dir, "pytorch_model.bin"), readFileSync(join(dir, "model.safetensors")));
      unlinkSync(join(dir, "model.safetensors"));
    },
    mentions: "pytorch_model.bin",
    file: "model.safetensors",
    field: "(file)",
  },
];

/** A copy of `breakage.fixture`, broken. */
export function brokenCopy(breakage: Breakage): string {
  const dir = copyFixture(breakage.fixture);
  breakage.apply(dir);
  return dir;
}
