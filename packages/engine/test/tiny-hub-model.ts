/**
 * The files of a tiny Hugging Face model repository, made on the fly for the fake Hub: the configs
 * and tokenizer files as JSON, safetensors weights (a real header, deterministic pseudo-random F32
 * data; big enough to arrive in several chunks), optionally sharded with an index, plus the files a
 * real repository carries that a download must skip (PyTorch, ONNX, GGUF, Flax, README).
 */
import { createHash } from "node:crypto";

export interface TinyModelOptions {
  /** Split the weights into two shards with `model.safetensors.index.json`. */
  sharded?: boolean;
  /** Seed of the weight bytes (different seeds, different blobs). */
  seed?: string;
  /** Floats per tensor (4 tensors); default 16384, i.e. 256 KiB of weights. */
  floatsPerTensor?: number;
}

/** Deterministic bytes: sha256 in counter mode. */
export function pseudoRandomBytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let offset = 0, counter = 0; offset < length; counter++) {
    offset += createHash("sha256").update(`${seed}:${counter}`).digest().copy(out, offset);
  }
  return out;
}

function safetensors(tensors: Record<string, { shape: number[]; data: Buffer }>): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    header[name] = { dtype: "F32", shape: tensor.shape, data_offsets: [offset, offset + tensor.data.length] };
    offset += tensor.data.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json), ...Object.values(tensors).map((tensor) => tensor.data)]);
}

export function tinyModelFiles(options: TinyModelOptions = {}): Record<string, string | Buffer> {
  const seed = options.seed ?? "tiny";
  const floats = options.floatsPerTensor ?? 16_384;
  const names = [
    "model.embed_tokens.weight",
    "model.layers.0.mlp.up_proj.weight",
    "model.layers.0.mlp.down_proj.weight",
    "model.norm.weight",
  ];
  const tensors = Object.fromEntries(
    names.map((name) => [name, { shape: [floats / 64, 64], data: pseudoRandomBytes(`${seed}:${name}`, floats * 4) }]),
  );
  const config = {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    hidden_size: 64,
    intermediate_size: 128,
    num_hidden_layers: 1,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    vocab_size: floats / 64,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: true,
    torch_dtype: "float32",
  };
  const files: Record<string, string | Buffer> = {
    ".gitattributes": "*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
    "README.md": `---\nlicense: apache-2.0\n---\n# tiny ${seed}\n`,
    "config.json": JSON.stringify(config, null, 2),
    "generation_config.json": JSON.stringify({ bos_token_id: 1, eos_token_id: 2, max_new_tokens: 32 }),
    "tokenizer.json": JSON.stringify({
      version: "1.0",
      added_tokens: [{ id: 0, content: "<|im_start|>", special: true }],
      model: { type: "BPE", vocab: { a: 1, b: 2, ab: 3 }, merges: ["a b"] },
    }),
    "tokenizer_config.json": JSON.stringify({
      eos_token: "<|im_end|>",
      chat_template: "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}",
    }),
    "special_tokens_map.json": JSON.stringify({ eos_token: "<|im_end|>" }),
    "pytorch_model.bin": pseudoRandomBytes(`${seed}:bin`, 4096),
    "model.gguf": pseudoRandomBytes(`${seed}:gguf`, 4096),
    "flax_model.msgpack": pseudoRandomBytes(`${seed}:flax`, 2048),
    "onnx/model.onnx": pseudoRandomBytes(`${seed}:onnx`, 4096),
    "onnx/config.json": "{}",
  };
  if (!options.sharded) {
    files["model.safetensors"] = safetensors(tensors);
    return files;
  }
  const shardNames = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
  const split = [names.slice(0, 2), names.slice(2)];
  const weightMap: Record<string, string> = {};
  split.forEach((group, i) => {
    const shard = shardNames[i] as string;
    files[shard] = safetensors(Object.fromEntries(group.map((name) => [name, tensors[name] as { shape: number[]; data: Buffer }])));
    for (const name of group) weightMap[name] = shard;
  });
  files["model.safetensors.index.json"] = JSON.stringify(
    { metadata: { total_size: names.length * floats * 4 }, weight_map: weightMap },
    null,
    2,
  );
  files["pytorch_model-00001-of-00002.bin"] = pseudoRandomBytes(`${seed}:bin1`, 2048);
  return files;
}
