/**
 * The Hugging Face fixtures (packages/engine/fixtures/hf, written by scripts/hf_reference.py) are
 * consistent from the TypeScript side, without the engine's model code: safetensors headers read
 * with plain Buffer reads match config.json, @huggingface/tokenizers encodes the rendered prompts to
 * the Python reference's ids and decodes them back, @huggingface/jinja renders the same prompts as
 * Python's jinja2, and reference.json's log-probabilities are well-formed distributions.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import { describe, expect, it } from "vitest";

const FIXTURES = fileURLToPath(new URL("../../fixtures/hf/", import.meta.url));

interface Config {
  model_type: string;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  intermediate_size: number;
  vocab_size: number;
  max_position_embeddings: number;
  head_dim?: number;
  tie_word_embeddings: boolean;
  attention_bias?: boolean;
  rope_scaling: Record<string, unknown> | null;
}

interface TopLogprob {
  id: number;
  token: string;
  logprob: number;
}

interface Result {
  conversation: string;
  last_logprobs: number[];
  top_logprobs: TopLogprob[];
  entropy: number;
  prompt_logprobs?: (number | null)[];
  greedy: { token_ids: number[]; logprobs: number[]; text: string; finish_reason: "stop" | "length"; min_top2_margin: number };
}

interface Conversation {
  name: string;
  messages: Record<string, unknown>[];
  tools?: Record<string, unknown>[];
  text: string;
  token_ids: number[];
}

interface Reference {
  generator: { command: string; torch: string };
  tokenizer: { vocab_size: number };
  tokenizer_cases: { text: string; token_ids: number[] }[];
  teacher_forcing_conversation: string;
  conversations: Conversation[];
  models: Record<string, { dir: string; eos_token_ids: number[]; results: Result[] }>;
}

interface TensorHeader {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;
const reference = readJson<Reference>(join(FIXTURES, "reference.json"));
const caseNames = Object.keys(reference.models);

/** Parses one safetensors file with plain Buffer reads (independent of the engine's reader). */
function parseSafetensors(path: string): { tensors: Map<string, TensorHeader & { data: Buffer }>; metadata: unknown } {
  const file = readFileSync(path);
  const n = Number(file.readBigUInt64LE(0));
  expect(n % 8, `${path}: header padded to 8 bytes`).toBe(0);
  const headerText = file.subarray(8, 8 + n).toString("utf8");
  expect(headerText.replace(/ +$/, "").endsWith("}"), `${path}: the header is JSON padded with spaces`).toBe(true);
  const header = JSON.parse(headerText) as Record<string, TensorHeader | Record<string, string>>;
  const body = file.subarray(8 + n);
  const tensors = new Map<string, TensorHeader & { data: Buffer }>();
  let end = 0;
  const spans: [number, number][] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const t = info as TensorHeader;
    expect(t.dtype, `${path}: ${name} dtype`).toBe("BF16");
    const [begin, stop] = t.data_offsets;
    expect(stop - begin, `${path}: ${name} byte length`).toBe(2 * t.shape.reduce((a, b) => a * b, 1));
    spans.push([begin, stop]);
    end = Math.max(end, stop);
    tensors.set(name, { ...t, data: body.subarray(begin, stop) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  let pos = 0;
  for (const [begin, stop] of spans) {
    expect(begin, `${path}: tensors are contiguous`).toBe(pos);
    pos = stop;
  }
  expect(end, `${path}: data section is exactly the tensors`).toBe(body.length);
  return { tensors, metadata: header.__metadata__ };
}

/** Tensor names and shapes a Hugging Face checkpoint of this config holds (as modeling_*.py names them). */
function expectedTensors(c: Config): Map<string, number[]> {
  const hd = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  const h = c.hidden_size;
  const q = c.num_attention_heads * hd;
  const kv = c.num_key_value_heads * hd;
  const out = new Map<string, number[]>([
    ["model.embed_tokens.weight", [c.vocab_size, h]],
    ["model.norm.weight", [h]],
  ]);
  // Gemma2Config ties by default (gemma-2-2b-it's config.json has no tie_word_embeddings)
  if (!(c.tie_word_embeddings ?? c.model_type === "gemma2")) out.set("lm_head.weight", [c.vocab_size, h]);
  for (let n = 0; n < c.num_hidden_layers; n++) {
    const p = `model.layers.${n}.`;
    out.set(`${p}input_layernorm.weight`, [h]);
    out.set(`${p}post_attention_layernorm.weight`, [h]);
    // Phi-3 (modeling_phi3.py) stores q, k and v as one qkv_proj, gate and up as one gate_up_proj
    const phi3 = c.model_type === "phi3";
    if (phi3) out.set(`${p}self_attn.qkv_proj.weight`, [q + 2 * kv, h]);
    else {
      out.set(`${p}self_attn.q_proj.weight`, [q, h]);
      out.set(`${p}self_attn.k_proj.weight`, [kv, h]);
      out.set(`${p}self_attn.v_proj.weight`, [kv, h]);
    }
    out.set(`${p}self_attn.o_proj.weight`, [h, q]);
    if (c.model_type === "qwen2") {
      out.set(`${p}self_attn.q_proj.bias`, [q]);
      out.set(`${p}self_attn.k_proj.bias`, [kv]);
      out.set(`${p}self_attn.v_proj.bias`, [kv]);
    }
    if (c.model_type === "qwen3" || c.model_type === "gemma3_text") {
      out.set(`${p}self_attn.q_norm.weight`, [hd]);
      out.set(`${p}self_attn.k_norm.weight`, [hd]);
    }
    if (c.model_type === "gemma3_text" || c.model_type === "gemma2") {
      out.set(`${p}pre_feedforward_layernorm.weight`, [h]);
      out.set(`${p}post_feedforward_layernorm.weight`, [h]);
    }
    if (phi3) out.set(`${p}mlp.gate_up_proj.weight`, [2 * c.intermediate_size, h]);
    else {
      out.set(`${p}mlp.gate_proj.weight`, [c.intermediate_size, h]);
      out.set(`${p}mlp.up_proj.weight`, [c.intermediate_size, h]);
    }
    out.set(`${p}mlp.down_proj.weight`, [h, c.intermediate_size]);
  }
  return out;
}

function loadTensors(dir: string): Map<string, TensorHeader & { data: Buffer }> {
  const indexPath = join(dir, "model.safetensors.index.json");
  const files = readdirSync(dir).filter((f) => f.endsWith(".safetensors"));
  if (files.includes("model.safetensors")) {
    const { tensors, metadata } = parseSafetensors(join(dir, "model.safetensors"));
    expect(metadata).toEqual({ format: "pt" });
    return tensors;
  }
  const index = readJson<{ metadata: { total_size: number }; weight_map: Record<string, string> }>(indexPath);
  const all = new Map<string, TensorHeader & { data: Buffer }>();
  let total = 0;
  for (const shard of [...new Set(Object.values(index.weight_map))].sort()) {
    expect(shard).toMatch(/^model-0000\d-of-0000\d\.safetensors$/);
    const { tensors } = parseSafetensors(join(dir, shard));
    for (const [name, t] of tensors) {
      expect(index.weight_map[name], `${shard}: ${name} is mapped to its shard`).toBe(shard);
      all.set(name, t);
      total += t.data.length;
    }
  }
  expect([...all.keys()].sort()).toEqual(Object.keys(index.weight_map).sort());
  expect(index.metadata.total_size).toBe(total);
  return all;
}

const bf16 = (data: Buffer): Float32Array => {
  const out = new Float32Array(data.length / 2);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) bits[i] = data.readUInt16LE(2 * i) << 16;
  return out;
};

const tokenizerFor = (dir: string) =>
  new Tokenizer(readJson<object>(join(FIXTURES, dir, "tokenizer.json")), readJson<object>(join(FIXTURES, dir, "tokenizer_config.json")));

describe("HF fixtures: checkpoints", () => {
  it("lists every case directory and nothing else", () => {
    const dirs = readdirSync(FIXTURES).filter((f) => f !== "export" && statSync(join(FIXTURES, f)).isDirectory()); // export/: export.test.ts's
    expect(dirs.sort()).toEqual(caseNames.map((n) => reference.models[n]?.dir).sort());
    expect(caseNames.sort()).toEqual([
      "gemma2",
      "gemma3",
      "granite",
      "llama",
      "mistral",
      "phi3",
      "qwen2",
      "qwen2-sharded",
      "qwen3",
      "smollm",
      "smollm3",
    ]);
  });

  it.each(caseNames)("%s: safetensors names, shapes and dtypes match config.json; weights are finite", (name) => {
    const dir = join(FIXTURES, name);
    const config = readJson<Config>(join(dir, "config.json"));
    const tensors = loadTensors(dir);
    const expected = expectedTensors(config);
    expect([...tensors.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [tensorName, shape] of expected) expect(tensors.get(tensorName)?.shape, tensorName).toEqual(shape);
    for (const [tensorName, t] of tensors) {
      const values = bf16(t.data);
      expect(
        values.every((v) => Number.isFinite(v)),
        tensorName,
      ).toBe(true);
    }
    const bytes = [...tensors.values()].reduce((a, t) => a + t.data.length, 0);
    expect(bytes).toBeLessThan(400 * 1024);
  });

  it("qwen2-sharded holds exactly the qwen2 weights", () => {
    const one = loadTensors(join(FIXTURES, "qwen2"));
    const two = loadTensors(join(FIXTURES, "qwen2-sharded"));
    expect([...two.keys()].sort()).toEqual([...one.keys()].sort());
    for (const [name, t] of one) expect(two.get(name)?.data.equals(t.data), name).toBe(true);
  });

  it("covers what the architectures differ in", () => {
    const cfg = (n: string) => readJson<Config & Record<string, unknown>>(join(FIXTURES, n, "config.json"));
    expect(cfg("llama").rope_scaling).toMatchObject({ rope_type: "llama3", factor: 8, original_max_position_embeddings: 64 });
    expect(cfg("llama").tie_word_embeddings).toBe(false);
    expect(cfg("smollm").tie_word_embeddings).toBe(true);
    expect(cfg("smollm").head_dim).toBeUndefined();
    expect(cfg("qwen2").tie_word_embeddings).toBe(true);
    const qwen3 = cfg("qwen3");
    expect(qwen3.head_dim).toBe(32);
    expect(qwen3.hidden_size / qwen3.num_attention_heads).toBe(16);
    expect(cfg("mistral").sliding_window).toBeNull();
    const longest = Math.max(...reference.conversations.map((c) => c.token_ids.length)) + 8;
    for (const n of caseNames) expect(cfg(n).max_position_embeddings, n).toBeGreaterThanOrEqual(longest);
    // phi3: a partial rotary, longrope whose short factors every scored sequence uses (within the pretrained context,
    // below max_position_embeddings, so the attention factor is not 1), and a window shorter than the prompts
    const phi3 = cfg("phi3");
    expect(phi3).toMatchObject({ partial_rotary_factor: 0.5, rope_scaling: { type: "longrope" }, tie_word_embeddings: true });
    expect(phi3.original_max_position_embeddings as number).toBeGreaterThanOrEqual(longest);
    expect(phi3.original_max_position_embeddings as number).toBeLessThan(phi3.max_position_embeddings);
    const shortest = Math.min(...reference.conversations.map((c) => c.token_ids.length));
    expect(phi3.sliding_window as number).toBeLessThan(shortest);
  });
});

describe("HF fixtures: tokenizer and chat template", () => {
  const byName = new Map(reference.conversations.map((c) => [c.name, c]));

  it.each(caseNames)("%s: vocab_size, eos ids and tokenizer files agree with reference.json", (name) => {
    const dir = join(FIXTURES, name);
    const config = readJson<Config>(join(dir, "config.json"));
    const tok = tokenizerFor(name);
    expect(config.vocab_size).toBe(reference.tokenizer.vocab_size);
    expect(tok.get_vocab(true).size).toBe(config.vocab_size);
    const gen = readJson<{ eos_token_id: number | number[] }>(join(dir, "generation_config.json"));
    const eos = Array.isArray(gen.eos_token_id) ? gen.eos_token_id : [gen.eos_token_id];
    expect(eos).toEqual(reference.models[name]?.eos_token_ids);
    expect(eos).toContain(tok.token_to_id("<|im_end|>"));
    expect(readFileSync(join(dir, "tokenizer.json"))).toEqual(readFileSync(join(FIXTURES, "llama", "tokenizer.json")));
  });

  it.each(reference.conversations.map((c) => c.name))(
    "%s: @huggingface/tokenizers encodes the prompt to the reference ids and decodes it back",
    (name) => {
      const conv = byName.get(name);
      if (!conv) throw new Error(name);
      const tok = tokenizerFor("qwen2");
      expect(tok.encode(conv.text, { add_special_tokens: false }).ids).toEqual(conv.token_ids);
      expect(tok.encode(conv.text).ids).toEqual(conv.token_ids); // the ByteLevel post-processor adds nothing
      expect(tok.decode(conv.token_ids, { skip_special_tokens: false })).toBe(conv.text);
    },
  );

  it.each(reference.conversations.map((c) => c.name))("%s: @huggingface/jinja renders the chat template as Python's jinja2 did", (name) => {
    const conv = byName.get(name);
    if (!conv) throw new Error(name);
    const config = readJson<{ chat_template: string; eos_token: string; bos_token: null }>(
      join(FIXTURES, "qwen2", "tokenizer_config.json"),
    );
    const rendered = new Template(config.chat_template).render({
      messages: conv.messages,
      ...(conv.tools ? { tools: conv.tools } : {}),
      add_generation_prompt: true,
      bos_token: config.bos_token,
      eos_token: config.eos_token,
    });
    expect(rendered).toBe(conv.text);
  });

  it.each(reference.tokenizer_cases.map((c) => [JSON.stringify(c.text), c] as const))(
    "tokenizer case %s: the Python tokenizer agrees with @huggingface/tokenizers",
    (_, c) => {
      const tok = tokenizerFor("qwen2");
      expect(tok.encode(c.text, { add_special_tokens: false }).ids).toEqual(c.token_ids);
      expect(tok.decode(c.token_ids, { skip_special_tokens: false })).toBe(c.text.normalize("NFC"));
    },
  );

  it("the prompts exercise special tokens, a non-special added token, multi-byte text and a default system message", () => {
    const tok = tokenizerFor("qwen2");
    const all = reference.conversations.flatMap((c) => c.token_ids);
    for (const t of ["<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"]) expect(all).toContain(tok.token_to_id(t));
    expect(byName.get("non_ascii")?.text).toContain("café – naïve 日本 🙂");
    expect(byName.get("user_only")?.text.startsWith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n")).toBe(true);
    for (const c of reference.conversations) expect(c.text.endsWith("<|im_start|>assistant\n")).toBe(true);
  });
});

describe("HF fixtures: reference log-probabilities", () => {
  const V = reference.tokenizer.vocab_size;
  it("records the reference's torch version and command", () => {
    expect(reference.generator.torch).toMatch(/^\d+\.\d+/);
    expect(reference.generator.command).toContain("hf_reference.py");
  });

  it.each(caseNames)("%s: full distributions, top-5, greedy and teacher forcing are consistent", (name) => {
    const model = reference.models[name];
    if (!model) throw new Error(name);
    expect(model.results.map((r) => r.conversation)).toEqual(reference.conversations.map((c) => c.name));
    let entropySum = 0;
    for (const r of model.results) {
      const lp = r.last_logprobs;
      expect(lp).toHaveLength(V);
      const total = lp.reduce((a, v) => a + Math.exp(v), 0);
      expect(Math.abs(total - 1)).toBeLessThan(1e-4);
      const entropy = -lp.reduce((a, v) => a + Math.exp(v) * v, 0);
      expect(Math.abs(entropy - r.entropy)).toBeLessThan(1e-3);
      entropySum += entropy;
      const sorted = lp.map((v, id) => ({ id, v })).sort((a, b) => b.v - a.v);
      expect(r.top_logprobs.map((t) => t.id)).toEqual(sorted.slice(0, 5).map((s) => s.id));
      for (const t of r.top_logprobs) expect(t.logprob).toBe(lp[t.id]);
      const g = r.greedy;
      expect(g.token_ids[0]).toBe(sorted[0]?.id);
      expect(g.logprobs[0]).toBe(lp[g.token_ids[0] ?? -1]);
      expect(g.token_ids.length).toBe(g.logprobs.length);
      expect(g.min_top2_margin).toBeGreaterThan(2e-3);
      const last = g.token_ids.at(-1) ?? -1;
      expect(g.finish_reason).toBe(model.eos_token_ids.includes(last) ? "stop" : "length");
      if (g.finish_reason === "length") expect(g.token_ids).toHaveLength(8);
      for (const id of g.token_ids) expect(id).toBeLessThan(V);
      const tok = tokenizerFor(name);
      expect(
        tok.decode(
          g.token_ids.filter((id) => !model.eos_token_ids.includes(id)),
          { skip_special_tokens: false },
        ),
      ).toBe(g.text);
    }
    // far from uniform, so a wrong implementation cannot pass a 1e-3 tolerance by accident
    expect(entropySum / model.results.length).toBeLessThan(0.6 * Math.log(V));
    const tf = model.results.find((r) => r.conversation === reference.teacher_forcing_conversation);
    const conv = reference.conversations.find((c) => c.name === reference.teacher_forcing_conversation);
    expect(tf?.prompt_logprobs).toHaveLength(conv?.token_ids.length ?? -1);
    expect(tf?.prompt_logprobs?.[0]).toBeNull();
    for (const v of tf?.prompt_logprobs?.slice(1) ?? []) expect(v).toBeLessThanOrEqual(0);
  });

  it("the sharded checkpoint has the same reference as the single-file one", () => {
    expect(reference.models["qwen2-sharded"]?.results).toEqual(reference.models.qwen2?.results);
  });
});
