#!/usr/bin/python3
"""Independent PyTorch reference for tunelab's Hugging Face model support.

Plain torch (no `transformers`, no `safetensors`, no `tokenizers` package): the
Llama / Qwen2 / Qwen3 / Mistral / SmolLM3 / Gemma 2 / Gemma 3 (text) / Phi-3 (Phi-3-mini,
Phi-3.5-mini, Phi-4-mini) / Granite 3 (granite-3.1/3.2/3.3) forward passes, a byte-level BPE
tokenizer, a safetensors reader/writer and PEFT LoRA application are written here from the
Hugging Face semantics, so that agreement with the TypeScript engine (which uses
@huggingface/tokenizers, @huggingface/jinja and native kernels) is a real check.

Run with Debian's interpreter (python3-torch, python3-jinja2, python3-regex,
python3-numpy):

  /usr/bin/python3 packages/engine/scripts/hf_reference.py generate
      writes packages/engine/fixtures/hf/ (tiny checkpoints, tokenizer, reference.json)
  /usr/bin/python3 packages/engine/scripts/hf_reference.py score --model DIR \
      [--adapter PEFT_DIR] --conversations FILE.json [--max-new-tokens 8] [--top 5]
      prints log-probabilities of any such Hugging Face directory as JSON
  /usr/bin/python3 packages/engine/scripts/hf_reference.py embed --model DIR --inputs IDS.json
      prints mean-pooled, unit-length final hidden states (the engine's /v1/embeddings) as JSON
  /usr/bin/python3 packages/engine/scripts/hf_reference.py selftest
      checks the writer/reader round trip, sharding, f16/f32 and the PEFT merge

All model arithmetic is done in float64 on the exact (bf16/f16/f32) stored
weights, so the reference carries no rounding error of its own worth speaking
of; generate also measures how far a float32 evaluation is from it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def pin_openblas_kernels() -> None:
    """Float32 matmuls go through OpenBLAS, which picks its kernels by CPU: on an AVX-512 machine (SkylakeX
    kernels) they sum in another order than on an AVX2 one, and `f32_vs_f64_max_abs_diff` in reference.json
    changed in its 2nd-3rd digit. The committed fixtures were made with the AVX2 (Haswell) kernels, so use those
    whenever the CPU has AVX2 and FMA. OpenBLAS reads this when it is loaded, i.e. before numpy/torch import."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return
    try:
        flags = next((l.split(":", 1)[1].split() for l in open("/proc/cpuinfo", encoding="utf-8") if l.startswith("flags")), [])
    except OSError:
        return
    if "avx2" in flags and "fma" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"


pin_openblas_kernels()

try:
    import numpy as np
    import regex
    import torch
    import jinja2
    from jinja2.exceptions import TemplateError
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(
        f"hf_reference.py: missing module ({e}). Run it with Debian's /usr/bin/python3 after "
        "`apt-get install -y python3-torch python3-jinja2 python3-regex python3-numpy`."
    )

SCRIPT = Path(__file__).resolve()
ENGINE_DIR = SCRIPT.parent.parent
FIXTURES = ENGINE_DIR / "fixtures" / "hf"


class RefError(Exception):
    """A user-facing error: names the file (and field/tensor) that is wrong."""


# ----------------------------------------------------------------------------
# safetensors (https://github.com/huggingface/safetensors#format)
# ----------------------------------------------------------------------------

DTYPE_SIZE = {"BF16": 2, "F16": 2, "F32": 4, "F64": 8}


def f32_to_bf16_bits(a: np.ndarray) -> np.ndarray:
    """Round float32 values to bfloat16 (round to nearest, ties to even); returns uint16 bits."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounding = ((u >> 16) & 1) + 0x7FFF
    return ((u + rounding) >> 16).astype(np.uint16)


def bf16_bits_to_f32(b: np.ndarray) -> np.ndarray:
    return (b.astype(np.uint32) << 16).view(np.float32)


def encode_tensor(t: torch.Tensor, dtype: str) -> bytes:
    a = t.detach().to(torch.float64).numpy()
    if dtype == "BF16":
        return f32_to_bf16_bits(a.astype(np.float32)).astype("<u2").tobytes()
    if dtype == "F16":
        return a.astype("<f2").tobytes()
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F64":
        return a.astype("<f8").tobytes()
    raise ValueError(dtype)


def write_safetensors(path: Path, tensors: dict[str, torch.Tensor], dtype: str = "BF16") -> None:
    """Writes `tensors` (any float dtype, converted to `dtype`) in the safetensors layout."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    blobs: list[bytes] = []
    offset = 0
    for name in sorted(tensors):
        blob = encode_tensor(tensors[name], dtype)
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)  # the data starts 8-byte aligned; padding is spaces
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """Reads a safetensors file into float64 tensors; refuses anything malformed, naming the file and tensor."""
    data = path.read_bytes()
    if len(data) < 8:
        raise RefError(f"{path}: truncated (no 8-byte header length)")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise RefError(f"{path}: header length {n} runs past the end of the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RefError(f"{path}: header is not JSON: {e}") from None
    if not isinstance(header, dict):
        raise RefError(f"{path}: header is not a JSON object")
    body = data[8 + n :]
    out: dict[str, torch.Tensor] = {}
    spans: list[tuple[int, int, str]] = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
            raise RefError(f"{path}: tensor {name!r}: needs dtype, shape and data_offsets")
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in DTYPE_SIZE:
            raise RefError(f"{path}: tensor {name!r}: dtype {dtype} is not supported (BF16, F16, F32, F64)")
        count = math.prod(shape)
        if end - begin != count * DTYPE_SIZE[dtype] or begin < 0 or end > len(body):
            raise RefError(
                f"{path}: tensor {name!r}: data_offsets [{begin}, {end}] do not hold {shape} {dtype} "
                f"within the {len(body)}-byte data section (truncated file?)"
            )
        raw = body[begin:end]
        if dtype == "BF16":
            a = bf16_bits_to_f32(np.frombuffer(raw, dtype="<u2"))
        else:
            a = np.frombuffer(raw, dtype={"F16": "<f2", "F32": "<f4", "F64": "<f8"}[dtype])
        out[name] = torch.from_numpy(a.astype(np.float64)).reshape(shape)
        spans.append((begin, end, name))
    spans.sort()
    pos = 0
    for begin, end, name in spans:
        if begin != pos:
            raise RefError(f"{path}: tensor {name!r} starts at {begin}, expected {pos} (hole or overlap)")
        pos = end
    if pos != len(body):
        raise RefError(f"{path}: {len(body) - pos} trailing bytes after the last tensor")
    return out


def read_checkpoint(model_dir: Path) -> dict[str, torch.Tensor]:
    single = model_dir / "model.safetensors"
    index = model_dir / "model.safetensors.index.json"
    if single.exists():
        return read_safetensors(single)
    if not index.exists():
        raise RefError(f"{model_dir}: neither model.safetensors nor model.safetensors.index.json")
    idx = read_json(index)
    weight_map = idx.get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise RefError(f"{index}: field weight_map is missing or empty")
    tensors: dict[str, torch.Tensor] = {}
    for shard in sorted(set(weight_map.values())):
        shard_path = model_dir / shard
        if not shard_path.exists():
            raise RefError(f"{index}: weight_map names {shard}, which does not exist")
        part = read_safetensors(shard_path)
        for name, t in part.items():
            if weight_map.get(name) != shard:
                raise RefError(f"{shard_path}: tensor {name!r} is not mapped to this shard in {index.name}")
            tensors[name] = t
    missing = sorted(set(weight_map) - set(tensors))
    if missing:
        raise RefError(f"{index}: weight_map lists {missing[0]!r} but its shard does not contain it")
    return tensors


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RefError(f"{path}: file not found") from None
    except json.JSONDecodeError as e:
        raise RefError(f"{path}: line {e.lineno}: invalid JSON: {e.msg}") from None


def write_json(path: Path, value: Any, compact: bool = False) -> None:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if compact else pretty_json(value)
    path.write_text(text + "\n", encoding="utf-8")


def pretty_json(value: Any, indent: str = "") -> str:
    """Indented JSON whose lists of numbers/strings stay on one line (reference.json stays readable and small)."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {pretty_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + pretty_json(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


# ----------------------------------------------------------------------------
# Byte-level BPE tokenizer (the subset of tokenizer.json that GPT-2/Llama 3/Qwen use)
# ----------------------------------------------------------------------------

# Qwen2's pre-tokenizer pattern (one digit per piece); GPT-2's is used for ByteLevel(use_regex=true).
QWEN2_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable unicode character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {c: b for b, c in BYTE_ENCODER.items()}


def split_isolated(pattern: regex.Pattern, text: str) -> list[str]:
    """tokenizers' Split(behavior=Isolated, invert=false): matches and the gaps between them are pieces."""
    pieces: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            pieces.append(text[pos : m.start()])
        if m.end() > m.start():
            pieces.append(m.group(0))
        pos = m.end()
    if pos < len(text):
        pieces.append(text[pos:])
    return pieces


@dataclass
class AddedToken:
    id: int
    content: str
    special: bool
    normalized: bool = False
    lstrip: bool = False
    rstrip: bool = False
    single_word: bool = False


@dataclass
class BpeTokenizer:
    vocab: dict[str, int]
    merges: list[tuple[str, str]]
    added: list[AddedToken]
    normalizer: str | None  # None or "NFC"
    steps: list[tuple[str, Any]]  # pre-tokenizer steps: ("split", pattern) or ("bytelevel", (add_prefix_space, use_regex))
    ignore_merges: bool = False
    ranks: dict[tuple[str, str], int] = field(init=False)
    id_to_token: dict[int, str] = field(init=False)
    cache: dict[str, list[int]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.ranks = {}
        for i, pair in enumerate(self.merges):
            self.ranks.setdefault(pair, i)
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        for a in self.added:
            self.id_to_token[a.id] = a.content

    @property
    def size(self) -> int:
        return max(self.id_to_token) + 1

    # -- encoding ---------------------------------------------------------------
    def split_added(self, text: str) -> list[tuple[str, AddedToken | None]]:
        """Leftmost-longest match of the added tokens, before any normalization (all ours are normalized=false)."""
        out: list[tuple[str, AddedToken | None]] = []
        if not self.added:
            return [(text, None)]
        by_len = sorted(self.added, key=lambda a: -len(a.content))
        i = start = 0
        while i < len(text):
            hit = next((a for a in by_len if text.startswith(a.content, i)), None)
            if hit is None:
                i += 1
                continue
            if i > start:
                out.append((text[start:i], None))
            out.append((hit.content, hit))
            i += len(hit.content)
            start = i
        if start < len(text):
            out.append((text[start:], None))
        return out

    def pre_tokenize(self, text: str) -> list[str]:
        pieces = [text]
        for kind, arg in self.steps:
            if kind == "split":
                pieces = [p for piece in pieces for p in split_isolated(arg, piece)]
            else:
                add_prefix_space, use_regex = arg
                nxt: list[str] = []
                for piece in pieces:
                    if add_prefix_space and not piece.startswith(" "):
                        piece = " " + piece
                    subs = split_isolated(regex.compile(GPT2_PATTERN), piece) if use_regex else [piece]
                    nxt.extend("".join(BYTE_ENCODER[b] for b in s.encode("utf-8")) for s in subs)
                pieces = nxt
        return pieces

    def bpe(self, word: str) -> list[int]:
        if word in self.cache:
            return self.cache[word]
        if self.ignore_merges and word in self.vocab:
            return [self.vocab[word]]
        parts = list(word)
        while len(parts) > 1:
            best = min(range(len(parts) - 1), key=lambda k: self.ranks.get((parts[k], parts[k + 1]), math.inf))
            pair = (parts[best], parts[best + 1])
            if pair not in self.ranks:
                break
            merged: list[str] = []
            k = 0
            while k < len(parts):  # merge every occurrence of the best pair, left to right
                if k < len(parts) - 1 and (parts[k], parts[k + 1]) == pair:
                    merged.append(pair[0] + pair[1])
                    k += 2
                else:
                    merged.append(parts[k])
                    k += 1
            parts = merged
        ids = []
        for p in parts:
            if p not in self.vocab:
                raise RefError(f"tokenizer: piece {p!r} is not in the vocabulary (byte_fallback/unk not supported)")
            ids.append(self.vocab[p])
        self.cache[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        for piece, added in self.split_added(text):
            if added is not None:
                ids.append(added.id)
                continue
            if self.normalizer == "NFC":
                piece = unicodedata.normalize("NFC", piece)
            for word in self.pre_tokenize(piece):
                ids.extend(self.bpe(word))
        return ids

    def token_bytes(self, i: int) -> list[int]:
        """The UTF-8 bytes a token stands for (OpenAI's logprobs `bytes`): byte-level decoded, added tokens as text."""
        tok = self.id_to_token[i]
        if all(c in BYTE_DECODER for c in tok):
            return [BYTE_DECODER[c] for c in tok]
        return list(tok.encode("utf-8"))

    def decode(self, ids: list[int]) -> str:
        out = bytearray()
        for i in ids:
            out.extend(self.token_bytes(i))
        return out.decode("utf-8", errors="replace")

    # -- tokenizer.json ----------------------------------------------------------
    @staticmethod
    def from_json(path: Path) -> "BpeTokenizer":
        tj = read_json(path)
        model = tj.get("model") or {}
        if model.get("type") != "BPE":
            raise RefError(f"{path}: field model.type is {model.get('type')!r}; only byte-level BPE is supported")
        if model.get("byte_fallback"):
            raise RefError(f"{path}: field model.byte_fallback is true; only byte-level BPE is supported")
        merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model.get("merges", [])]
        norm = tj.get("normalizer")
        normalizer = None
        if norm is not None:
            kinds = [n.get("type") for n in norm.get("normalizers", [])] if norm.get("type") == "Sequence" else [norm.get("type")]
            if kinds not in ([], ["NFC"]):
                raise RefError(f"{path}: field normalizer {kinds} is not supported (null or NFC)")
            normalizer = "NFC" if kinds else None
        pre = tj.get("pre_tokenizer") or {}
        pres = pre.get("pretokenizers", []) if pre.get("type") == "Sequence" else [pre]
        steps: list[tuple[str, Any]] = []
        for p in pres:
            if p.get("type") == "Split":
                pat = p.get("pattern", {})
                if "Regex" not in pat or p.get("behavior") != "Isolated" or p.get("invert"):
                    raise RefError(f"{path}: field pre_tokenizer Split must be Regex/Isolated/invert=false")
                steps.append(("split", regex.compile(pat["Regex"])))
            elif p.get("type") == "ByteLevel":
                steps.append(("bytelevel", (bool(p.get("add_prefix_space")), p.get("use_regex", True))))
            else:
                raise RefError(f"{path}: field pre_tokenizer type {p.get('type')!r} is not supported")
        if not steps or steps[-1][0] != "bytelevel":
            raise RefError(f"{path}: field pre_tokenizer must end with ByteLevel")
        if (tj.get("decoder") or {}).get("type") != "ByteLevel":
            raise RefError(f"{path}: field decoder.type must be ByteLevel")
        added = [
            AddedToken(a["id"], a["content"], bool(a.get("special")), bool(a.get("normalized")), bool(a.get("lstrip")), bool(a.get("rstrip")), bool(a.get("single_word")))
            for a in tj.get("added_tokens", [])
        ]
        for a in added:
            if a.normalized or a.lstrip or a.rstrip or a.single_word:
                raise RefError(f"{path}: added token {a.content!r}: normalized/lstrip/rstrip/single_word are not supported")
        return BpeTokenizer(model["vocab"], merges, added, normalizer, steps, bool(model.get("ignore_merges")))


def train_bpe(corpus: list[str], pattern: str, num_merges: int, min_frequency: int = 2) -> list[tuple[str, str]]:
    """Classic BPE training on byte-level pre-tokenized words; ties broken by the smaller pair, so it is deterministic."""
    pat = regex.compile(pattern)
    words: Counter[tuple[str, ...]] = Counter()
    for line in corpus:
        for piece in split_isolated(pat, line):
            words[tuple(BYTE_ENCODER[b] for b in piece.encode("utf-8"))] += 1
    merges: list[tuple[str, str]] = []
    for _ in range(num_merges):
        pairs: Counter[tuple[str, str]] = Counter()
        for w, c in words.items():
            for k in range(len(w) - 1):
                pairs[(w[k], w[k + 1])] += c
        if not pairs:
            break
        best, count = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        if count < min_frequency:
            break
        merges.append(best)
        new_words: Counter[tuple[str, ...]] = Counter()
        for w, c in words.items():
            out: list[str] = []
            k = 0
            while k < len(w):
                if k < len(w) - 1 and (w[k], w[k + 1]) == best:
                    out.append(w[k] + w[k + 1])
                    k += 2
                else:
                    out.append(w[k])
                    k += 1
            new_words[tuple(out)] += c
        words = new_words
    return merges


# ----------------------------------------------------------------------------
# Chat template: rendered the way transformers' apply_chat_template does
# ----------------------------------------------------------------------------


def render_chat(template: str, messages: list[dict], tools: list[dict] | None, add_generation_prompt: bool, special: dict[str, Any]) -> str:
    def raise_exception(message: str) -> None:
        raise TemplateError(message)

    def tojson(x: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None, sort_keys: bool = False) -> str:
        # transformers replaces jinja's HTML-escaping tojson with plain json.dumps
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=messages, tools=tools, add_generation_prompt=add_generation_prompt, **special)


# ----------------------------------------------------------------------------
# Model: Llama / Qwen2 / Qwen3 / Mistral / SmolLM3 / Gemma 2 / Gemma 3 / Phi-3 / Granite decoder, following modeling_*.py (eager attention)
# ----------------------------------------------------------------------------

ARCHITECTURES = {
    "llama": "LlamaForCausalLM",
    "qwen2": "Qwen2ForCausalLM",
    "qwen3": "Qwen3ForCausalLM",
    "mistral": "MistralForCausalLM",
    "smollm3": "SmolLM3ForCausalLM",
    "gemma2": "Gemma2ForCausalLM",
    "gemma3_text": "Gemma3ForCausalLM",
    "phi3": "Phi3ForCausalLM",
    "granite": "GraniteForCausalLM",
}


@dataclass
class ModelConfig:
    model_type: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    eps: float
    rope_theta: float
    rope_scaling: dict | None
    tied: bool
    attention_bias: bool  # q/k/v (and o for llama) biases
    o_bias: bool
    mlp_bias: bool
    qk_norm: bool
    rope_layers: list[bool] = field(default_factory=list)  # per layer: applies RoPE (SmolLM3's NoPE layers: False)
    # Gemma 2 (model_type gemma2) and Gemma 3 (gemma3_text); Mistral and Phi-3 use sliding_layers / sliding_window too:
    sliding_layers: list[bool] = field(default_factory=list)  # per layer: sliding-window ("local") attention
    sliding_window: int | None = None  # a sliding layer's query i sees keys j with i - sliding_window < j <= i
    rope_local_theta: float = 10000.0  # rope_local_base_freq: the sliding layers' RoPE base (never rope_scaling);
    # Gemma 2 has one RoPE for every layer, so its rope_local_theta is rope_theta
    query_pre_attn_scalar: float | None = None  # scores scaled by query_pre_attn_scalar ** -0.5, not head_dim ** -0.5
    # Gemma 2 only (None: no capping): cap * tanh(x / cap) of the scaled attention scores, before the mask and the
    # softmax (attn_logit_softcapping), and of the output logits (final_logit_softcapping)
    attn_softcap: float | None = None
    final_softcap: float | None = None
    # Phi-3 (model_type phi3) only: RoPE on the first rotary_dim = int(head_dim * partial_rotary_factor) dims of each
    # head (None: all of them); its sliding_window (if any) applies to every layer (sliding_layers all True).
    rotary_dim: int | None = None
    # Granite (model_type granite) only, GraniteConfig's four scalars (the defaults are GraniteConfig's, 1.0 each):
    # token embeddings * embedding_multiplier; scores * attention_multiplier (instead of head_dim ** -0.5); each
    # branch (o_proj's and down_proj's output) * residual_multiplier before it is added to the residual stream;
    # the output logits DIVIDED by logits_scaling
    embedding_multiplier: float = 1.0
    attention_multiplier: float = 1.0
    residual_multiplier: float = 1.0
    logits_scaling: float = 1.0

    @property
    def gemma(self) -> bool:
        """Gemma 2 and Gemma 3: scaled embeddings, (1 + w) RMSNorms, sandwich norms, gelu_tanh MLP, scores scaled by
        query_pre_attn_scalar, local/global layers. Gemma 3 adds q/k norms and a local RoPE base; Gemma 2 has soft-caps."""
        return self.model_type in ("gemma2", "gemma3_text")

    @property
    def phi3(self) -> bool:
        """Phi-3: fused qkv_proj / gate_up_proj, partial rotary, longrope scaling, sliding window in every layer."""
        return self.model_type == "phi3"

    @property
    def granite(self) -> bool:
        """Granite 3: Llama's layer with the four GraniteConfig scalars (embedding, attention, residual, logits)."""
        return self.model_type == "granite"

    @staticmethod
    def from_dict(cfg: dict, where: str) -> "ModelConfig":
        def need(key: str, kind: type) -> Any:
            if key not in cfg:
                raise RefError(f"{where}: field {key} is missing")
            v = cfg[key]
            if kind is float and isinstance(v, int) and not isinstance(v, bool):
                v = float(v)
            if not isinstance(v, kind) or isinstance(v, bool) and kind is not bool:
                raise RefError(f"{where}: field {key} must be {kind.__name__}, got {v!r}")
            return v

        mt = need("model_type", str)
        if mt not in ARCHITECTURES:
            raise RefError(f"{where}: field model_type {mt!r} is not supported ({', '.join(ARCHITECTURES)})")
        archs = cfg.get("architectures")
        if archs is not None and archs != [ARCHITECTURES[mt]]:
            raise RefError(f"{where}: field architectures {archs} does not match model_type {mt}")
        gemma2 = mt == "gemma2"
        gemma = gemma2 or mt == "gemma3_text"
        phi3 = mt == "phi3"
        granite = mt == "granite"
        hidden, heads = need("hidden_size", int), need("num_attention_heads", int)
        kv = cfg.get("num_key_value_heads") or heads
        # Gemma2Config's and Gemma3TextConfig's head_dim defaults to 256, whatever hidden_size / num_attention_heads is
        head_dim = cfg.get("head_dim") or (256 if gemma else hidden // heads)
        if heads % kv:
            raise RefError(f"{where}: field num_key_value_heads {kv} does not divide num_attention_heads {heads}")
        if gemma:  # Gemma2Config / Gemma3TextConfig read hidden_activation (gemma-2's config.json also has hidden_act, unused)
            if cfg.get("hidden_activation", "gelu_pytorch_tanh") != "gelu_pytorch_tanh":
                raise RefError(f"{where}: field hidden_activation {cfg.get('hidden_activation')!r} is not supported (gelu_pytorch_tanh)")
        elif cfg.get("hidden_act", "silu") != "silu":
            raise RefError(f"{where}: field hidden_act {cfg.get('hidden_act')!r} is not supported (silu)")
        if cfg.get("quantization_config") is not None:
            raise RefError(f"{where}: field quantization_config: quantized checkpoints are not supported")
        rs = cfg.get("rope_scaling")
        if gemma2:
            # modeling_gemma2.py: one RotaryEmbedding with rope_theta for every layer. transformers 4.42 ignores
            # rope_scaling there, later ones apply it; the released checkpoints have none, so only null/default
            if rs is not None and (not isinstance(rs, dict) or rs.get("rope_type", rs.get("type")) != "default"):
                raise RefError(f"{where}: field rope_scaling {rs!r} is not supported for gemma2 (null: one RoPE, rope_theta)")
            if cfg.get("rope_parameters") is not None:
                raise RefError(f"{where}: field rope_parameters (transformers 5 layout) is not supported for gemma2; use rope_theta")
            rs = None
        multipliers: dict[str, float] = {}
        if granite:
            multipliers = granite_config(cfg, where, hidden, heads, head_dim)
            rs = None
        if rs is not None and not phi3:  # phi3: see phi3_config below
            if not isinstance(rs, dict):
                raise RefError(f"{where}: field rope_scaling must be an object or null, got {rs!r}")
            kind = rs.get("rope_type", rs.get("type"))
            supported = ("linear", "default") if gemma else ("llama3", "default")
            if kind not in supported:
                raise RefError(f"{where}: field rope_scaling.rope_type {kind!r} is not supported ({supported[0]})")
            if kind == "linear":
                factor = rs.get("factor")
                if not isinstance(factor, (int, float)) or isinstance(factor, bool) or factor < 1:
                    raise RefError(f"{where}: field rope_scaling.factor must be a number >= 1, got {factor!r}")
                rs = {"rope_type": "linear", "factor": float(factor)}
            if kind == "default":
                rs = None
        if mt in ("qwen2", "smollm3") and cfg.get("use_sliding_window"):
            raise RefError(f"{where}: field use_sliding_window true is not supported")
        layers = need("num_hidden_layers", int)
        rope_layers = [True] * layers
        if mt == "smollm3":
            # configuration_smollm3.py: no_rope_layers[i] == 1 means layer i USES RoPE, 0 means NoPE (the name is
            # the opposite of its values); absent, every no_rope_layer_interval-th layer (default 4) is NoPE.
            nrl = cfg.get("no_rope_layers")
            if nrl is None:
                interval = cfg.get("no_rope_layer_interval", 4)
                if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
                    raise RefError(f"{where}: field no_rope_layer_interval must be a positive int, got {interval!r}")
                nrl = [int((n + 1) % interval != 0) for n in range(layers)]
            if not isinstance(nrl, list) or len(nrl) < layers or any(v not in (0, 1) or isinstance(v, float) for v in nrl):
                raise RefError(f"{where}: field no_rope_layers must list 0 or 1 for each of the {layers} layers, got {nrl!r}")
            rope_layers = [bool(v) for v in nrl[:layers]]
        attention_bias = bool(cfg.get("attention_bias", False))
        sliding_layers = [False] * layers
        sliding_window = None
        query_pre_attn_scalar = None
        rope_theta = float(cfg.get("rope_theta", 2000000.0 if mt == "smollm3" else 1000000.0 if mt == "gemma3_text" else 10000.0))
        rope_local_theta = 10000.0
        softcaps: dict[str, float | None] = {}
        if gemma2:
            # Gemma2Config: attn_logit_softcapping 50.0 and final_logit_softcapping 30.0 unless given; null: no capping
            for key, default in (("attn_logit_softcapping", 50.0), ("final_logit_softcapping", 30.0)):
                v = cfg.get(key, default)
                if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0):
                    raise RefError(f"{where}: field {key} must be a positive number or null, got {v!r}")
                softcaps[key] = None if v is None else float(v)
        if gemma:
            if not gemma2:
                # modeling_gemma3.py: tanh softcapping of scores/logits when these are set (Gemma 2); Gemma 3 has null
                for key in ("attn_logit_softcapping", "final_logit_softcapping"):
                    if cfg.get(key) is not None:
                        raise RefError(f"{where}: field {key} {cfg[key]!r} is not supported (null, as in Gemma 3)")
            if attention_bias:
                raise RefError(f"{where}: field attention_bias true is not supported for {mt}")
            if cfg.get("use_bidirectional_attention"):
                raise RefError(f"{where}: field use_bidirectional_attention true (EmbeddingGemma) is not supported")
            lt = cfg.get("layer_types")
            if lt is None and gemma2:
                # configuration_gemma2.py: layer i slides when (i + 1) % 2 != 0, i.e. layers 0, 2, 4, ...; transformers
                # < 4.53 has no layer_types and hard-codes the same (`is_sliding = not bool(layer_idx % 2)`)
                lt = ["sliding_attention" if (n + 1) % 2 else "full_attention" for n in range(layers)]
            if lt is None:
                # configuration_gemma3.py: layer i is full attention when (i + 1) % sliding_window_pattern == 0
                pattern = cfg.get("sliding_window_pattern", cfg.get("_sliding_window_pattern", 6))
                if not isinstance(pattern, int) or isinstance(pattern, bool) or pattern < 1:
                    raise RefError(f"{where}: field sliding_window_pattern must be a positive int, got {pattern!r}")
                lt = ["sliding_attention" if (n + 1) % pattern else "full_attention" for n in range(layers)]
            if not isinstance(lt, list) or len(lt) != layers or any(t not in ("sliding_attention", "full_attention") for t in lt):
                raise RefError(f"{where}: field layer_types must list sliding_attention or full_attention for each of the {layers} layers, got {lt!r}")
            sliding_layers = [t == "sliding_attention" for t in lt]
            sliding_window = cfg.get("sliding_window", 4096)
            if any(sliding_layers) and (not isinstance(sliding_window, int) or isinstance(sliding_window, bool) or sliding_window < 1):
                raise RefError(f"{where}: field sliding_window must be a positive int when layer_types has sliding_attention, got {sliding_window!r}")
            query_pre_attn_scalar = cfg.get("query_pre_attn_scalar", 256)
            if not isinstance(query_pre_attn_scalar, (int, float)) or isinstance(query_pre_attn_scalar, bool) or query_pre_attn_scalar <= 0:
                raise RefError(f"{where}: field query_pre_attn_scalar must be a positive number, got {query_pre_attn_scalar!r}")
            rope_local_theta = rope_theta if gemma2 else cfg.get("rope_local_base_freq", 10000.0)
            if not isinstance(rope_local_theta, (int, float)) or isinstance(rope_local_theta, bool) or rope_local_theta <= 0:
                raise RefError(f"{where}: field rope_local_base_freq must be a positive number, got {rope_local_theta!r}")
        if mt == "mistral" and cfg.get("sliding_window") is not None:
            # modeling_mistral.py: a sliding_window applies to every layer (query i sees keys i - sliding_window < j <= i)
            sw = cfg["sliding_window"]
            if not isinstance(sw, int) or isinstance(sw, bool) or sw < 1:
                raise RefError(f"{where}: field sliding_window must be a positive int or null, got {sw!r}")
            sliding_layers = [True] * layers
            sliding_window = sw
        rotary_dim = None
        if phi3:
            rotary_dim, rs, sliding_window = phi3_config(cfg, where, hidden, heads, head_dim)
            sliding_layers = [sliding_window is not None] * layers
        return ModelConfig(
            model_type=mt,
            hidden=hidden,
            layers=layers,
            heads=heads,
            kv_heads=kv,
            head_dim=head_dim,
            intermediate=need("intermediate_size", int),
            vocab=need("vocab_size", int),
            eps=need("rms_norm_eps", float),
            rope_theta=rope_theta,
            rope_scaling=rs,
            # SmolLM3Config, Gemma2Config and Gemma3TextConfig default to tied
            tied=bool(cfg.get("tie_word_embeddings", mt in ("smollm3", "gemma2", "gemma3_text"))),
            attention_bias=True if mt == "qwen2" else attention_bias if mt in ("llama", "qwen3", "smollm3") else False,
            o_bias=attention_bias if mt in ("llama", "qwen3", "smollm3") else False,
            mlp_bias=bool(cfg.get("mlp_bias", False)) if mt in ("llama", "smollm3") else False,
            qk_norm=mt in ("qwen3", "gemma3_text"),
            rope_layers=rope_layers,
            sliding_layers=sliding_layers,
            sliding_window=sliding_window if any(sliding_layers) else None,
            rope_local_theta=float(rope_local_theta),
            query_pre_attn_scalar=float(query_pre_attn_scalar) if query_pre_attn_scalar is not None else None,
            rotary_dim=rotary_dim,
            attn_softcap=softcaps.get("attn_logit_softcapping"),
            final_softcap=softcaps.get("final_logit_softcapping"),
            **multipliers,
        )

    def expected_shapes(self) -> dict[str, list[int]]:
        h, hd, i = self.hidden, self.head_dim, self.intermediate
        s: dict[str, list[int]] = {"model.embed_tokens.weight": [self.vocab, h], "model.norm.weight": [h]}
        if not self.tied:
            s["lm_head.weight"] = [self.vocab, h]
        for n in range(self.layers):
            p = f"model.layers.{n}."
            s[p + "input_layernorm.weight"] = [h]
            s[p + "post_attention_layernorm.weight"] = [h]
            if self.gemma:  # Gemma's "sandwich" norms around the MLP
                s[p + "pre_feedforward_layernorm.weight"] = [h]
                s[p + "post_feedforward_layernorm.weight"] = [h]
            if self.phi3:  # Phi3Attention / Phi3MLP: fused projections, no biases
                s[p + "self_attn.qkv_proj.weight"] = [(self.heads + 2 * self.kv_heads) * hd, h]  # rows q, k, v
                s[p + "self_attn.o_proj.weight"] = [h, self.heads * hd]
                s[p + "mlp.gate_up_proj.weight"] = [2 * i, h]  # rows gate, then up
                s[p + "mlp.down_proj.weight"] = [h, i]
                continue
            s[p + "self_attn.q_proj.weight"] = [self.heads * hd, h]
            s[p + "self_attn.k_proj.weight"] = [self.kv_heads * hd, h]
            s[p + "self_attn.v_proj.weight"] = [self.kv_heads * hd, h]
            s[p + "self_attn.o_proj.weight"] = [h, self.heads * hd]
            if self.attention_bias:
                s[p + "self_attn.q_proj.bias"] = [self.heads * hd]
                s[p + "self_attn.k_proj.bias"] = [self.kv_heads * hd]
                s[p + "self_attn.v_proj.bias"] = [self.kv_heads * hd]
            if self.o_bias:
                s[p + "self_attn.o_proj.bias"] = [h]
            if self.qk_norm:
                s[p + "self_attn.q_norm.weight"] = [hd]
                s[p + "self_attn.k_norm.weight"] = [hd]
            s[p + "mlp.gate_proj.weight"] = [i, h]
            s[p + "mlp.up_proj.weight"] = [i, h]
            s[p + "mlp.down_proj.weight"] = [h, i]
            if self.mlp_bias:
                for m in ("gate_proj", "up_proj"):
                    s[p + f"mlp.{m}.bias"] = [i]
                s[p + "mlp.down_proj.bias"] = [h]
        return s


def phi3_config(cfg: dict, where: str, hidden: int, heads: int, head_dim: int) -> tuple[int, dict | None, int | None]:
    """Phi3Config (configuration_phi3.py) as modeling_phi3.py and modeling_rope_utils.py use it; returns
    (rotary_dim, the normalised rope_scaling or None, sliding_window or None). Refuses what it does not implement."""

    def number(key: str, v: Any, lo: float, hi: float = math.inf, lo_open: bool = True) -> float:
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not (lo < v if lo_open else lo <= v) or not v <= hi:
            raise RefError(f"{where}: field {key} must be a number in {'(' if lo_open else '['}{lo}, {hi}], got {v!r}")
        return float(v)

    def positive_int(key: str, v: Any) -> int:
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise RefError(f"{where}: field {key} must be a positive int, got {v!r}")
        return v

    # Phi3Attention, Phi3MLP and lm_head have no biases. Phi-4-mini's config.json spells attention_bias, mlp_bias and
    # lm_head_bias (false), full_attn_mod and interpolate_factor (1): fields of Microsoft's remote code, which
    # transformers does not read, so anything else would describe a model transformers does not run.
    for key in ("attention_bias", "mlp_bias", "lm_head_bias"):
        if cfg.get(key):
            raise RefError(f"{where}: field {key} true is not supported for phi3 (Phi3ForCausalLM has no biases)")
    for key in ("full_attn_mod", "interpolate_factor"):
        if cfg.get(key, 1) != 1:
            raise RefError(f"{where}: field {key} {cfg[key]!r} is not supported for phi3 (1, as Phi-4-mini; transformers ignores it)")
    if cfg.get("rope_parameters") is not None:
        raise RefError(f"{where}: field rope_parameters (transformers 5 layout) is not supported for phi3; use rope_scaling")
    # Phi3Config checks the factor lists against hidden_size // num_attention_heads, the attention reads head_dim
    if head_dim != hidden // heads:
        raise RefError(f"{where}: field head_dim {head_dim} is not supported for phi3 (must be hidden_size / num_attention_heads = {hidden // heads})")
    prf = number("partial_rotary_factor", cfg.get("partial_rotary_factor", 1.0), 0.0, 1.0)
    rotary_dim = int(head_dim * prf)  # modeling_rope_utils: dim = int(head_dim * partial_rotary_factor)
    if rotary_dim < 2 or rotary_dim % 2:
        # cos/sin have 2 * len(arange(0, dim, 2)) columns and apply_rotary_pos_emb rotates that many dims
        raise RefError(f"{where}: field partial_rotary_factor {prf} gives rotary_dim {rotary_dim}; it must be even and >= 2")
    max_pos = positive_int("max_position_embeddings", cfg.get("max_position_embeddings", 4096))
    original = positive_int("original_max_position_embeddings", cfg.get("original_max_position_embeddings", 4096))
    sw = cfg.get("sliding_window")
    if sw is not None:
        positive_int("sliding_window", sw)
    rs = cfg.get("rope_scaling")
    if rs is None:
        return rotary_dim, None, sw
    if not isinstance(rs, dict):
        raise RefError(f"{where}: field rope_scaling must be an object or null, got {rs!r}")
    kind = rs.get("rope_type", rs.get("type"))
    if kind in ("su", "yarn"):  # configuration_phi3.py renames both (older Phi-3 configs) to longrope
        kind = "longrope"
    if kind == "default":
        return rotary_dim, None, sw
    if kind != "longrope":
        raise RefError(f"{where}: field rope_scaling.rope_type {kind!r} is not supported for phi3 (longrope)")
    lists = {}
    for key in ("short_factor", "long_factor"):
        v = rs.get(key)
        if not isinstance(v, list) or len(v) != rotary_dim // 2:
            raise RefError(f"{where}: field rope_scaling.{key} must list rotary_dim / 2 = {rotary_dim // 2} numbers, got {v!r}")
        lists[key] = [number(f"rope_scaling.{key}[{n}]", x, 0.0) for n, x in enumerate(v)]
    # _compute_longrope_parameters: factor = max_position_embeddings / original_max_position_embeddings (transformers
    # 4.x always; 5.x only when rope_scaling has no factor), attention_factor = sqrt(1 + ln(factor) / ln(original)),
    # 1 when factor <= 1, unless rope_scaling gives attention_factor
    scale = max_pos / original
    if rs.get("factor") is not None and rs["factor"] != scale:
        raise RefError(
            f"{where}: field rope_scaling.factor {rs['factor']!r} differs from max_position_embeddings / "
            f"original_max_position_embeddings = {scale}: transformers 4.x uses the ratio, 5.x the factor; not supported"
        )
    af = rs.get("attention_factor")
    if af is not None:
        af = number("rope_scaling.attention_factor", af, 0.0)
    else:
        af = 1.0 if scale <= 1.0 else math.sqrt(1 + math.log(scale) / math.log(original))
    return rotary_dim, {"rope_type": "longrope", **lists, "original_max_position_embeddings": original, "attention_factor": af}, sw


GRANITE_MULTIPLIERS = ("embedding_multiplier", "attention_multiplier", "residual_multiplier", "logits_scaling")


def granite_config(cfg: dict, where: str, hidden: int, heads: int, head_dim: int) -> dict[str, float]:
    """GraniteConfig (configuration_granite.py) as modeling_granite.py uses it; returns the four scalars (absent:
    1.0, GraniteConfig's defaults; note that attention_multiplier 1.0 means unscaled scores, not head_dim ** -0.5).
    Refuses what this reference does not implement."""
    out = {}
    for key in GRANITE_MULTIPLIERS:
        v = cfg.get(key, 1.0)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or not v > 0:
            raise RefError(f"{where}: field {key} must be a positive number, got {v!r}")
        out[key] = float(v)
    # GraniteAttention: q/k/v/o_proj biases when attention_bias; GraniteMLP: gate/up/down biases when mlp_bias. The
    # released Granite 3.x checkpoints have neither, and this reference does not implement them for granite
    for key in ("attention_bias", "mlp_bias"):
        if cfg.get(key):
            raise RefError(f"{where}: field {key} true is not supported for granite (Granite 3.x has no biases)")
    # 4.45's modeling_granite.py uses hidden_size // num_attention_heads, later versions read a head_dim field if present
    if head_dim != hidden // heads:
        raise RefError(f"{where}: field head_dim {head_dim} is not supported for granite (must be hidden_size / num_attention_heads = {hidden // heads})")
    rs = cfg.get("rope_scaling")
    if rs is not None and (not isinstance(rs, dict) or rs.get("rope_type", rs.get("type")) != "default"):
        raise RefError(f"{where}: field rope_scaling {rs!r} is not supported for granite (null, as Granite 3.x)")
    if cfg.get("rope_parameters") is not None:
        raise RefError(f"{where}: field rope_parameters (transformers 5 layout) is not supported for granite; use rope_theta")
    return out


def longrope_inv_freq(cfg: ModelConfig, seq_len: int, factors: str | None = None) -> torch.Tensor:
    """_compute_longrope_parameters: inv_freq = 1 / (ext_factors * base^(arange(0, rd, 2) / rd)) in float32, where
    ext_factors is long_factor when the sequence (max position id + 1) is longer than original_max_position_embeddings
    and short_factor otherwise (dynamic_rope_update's longrope_frequency_update); `factors` forces one list."""
    rs, rd = cfg.rope_scaling, cfg.rotary_dim
    assert rs is not None and rs["rope_type"] == "longrope" and rd is not None
    if factors is None:
        factors = "long_factor" if seq_len > rs["original_max_position_embeddings"] else "short_factor"
    ext = torch.tensor(rs[factors], dtype=torch.float32)
    shape = torch.arange(0, rd, 2, dtype=torch.int64).to(torch.float32) / rd
    return 1.0 / (ext * cfg.rope_theta**shape)


def rope_inv_freq(cfg: ModelConfig) -> torch.Tensor:
    """inv_freq = 1/theta^(2i/d) (float32 as in transformers), with rope_type llama3 smoothing or linear scaling
    (inv_freq / factor, i.e. positions divided by factor, as _compute_linear_scaling_rope_parameters) when configured."""
    d = cfg.rotary_dim or cfg.head_dim  # Phi-3: only rotary_dim = int(head_dim * partial_rotary_factor) dims rotate
    inv = 1.0 / (cfg.rope_theta ** (torch.arange(0, d, 2, dtype=torch.int64).to(torch.float32) / d))
    rs = cfg.rope_scaling
    if rs is None:
        return inv
    if rs.get("rope_type") == "linear":
        return inv / rs["factor"]
    factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv
    scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rms_norm(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def gemma_rms_norm(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    """Gemma3RMSNorm: the stored weight w is an offset, the scale is (1 + w) (transformers: in float32, cast back)."""
    return (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)) * (1.0 + w)


class Model:
    """A decoder-only model over float tensors; `mutation` deliberately breaks one detail (sensitivity checks)."""

    def __init__(self, cfg: ModelConfig, weights: dict[str, torch.Tensor], dtype: torch.dtype = torch.float64, mutation: str | None = None):
        self.cfg = cfg
        self.w = {k: v.to(dtype) for k, v in weights.items()}
        self.dtype = dtype
        self.mutation = mutation
        if mutation == "rope_no_scaling":
            cfg = ModelConfig(**{**cfg.__dict__, "rope_scaling": None})
        if mutation == "rope_theta_10000":
            cfg = ModelConfig(**{**cfg.__dict__, "rope_theta": 10000.0})
        if mutation == "tied_head":  # the output head read from embed_tokens although lm_head.weight exists
            self.cfg = ModelConfig(**{**cfg.__dict__, "tied": True})
        if mutation == "norm_no_weight":  # the final RMSNorm without its weight (Gemma: w = 0, i.e. a scale of 1)
            self.w["model.norm.weight"] = (torch.zeros_like if cfg.gemma else torch.ones_like)(self.w["model.norm.weight"])
        if mutation == "nope_ignored":  # no_rope_layers ignored: RoPE in every layer
            self.cfg = cfg = ModelConfig(**{**cfg.__dict__, "rope_layers": [True] * cfg.layers})
        if mutation == "nope_inverted":  # no_rope_layers read by its name: 1 taken as "no RoPE"
            self.cfg = cfg = ModelConfig(**{**cfg.__dict__, "rope_layers": [not r for r in cfg.rope_layers]})
        if mutation == "sliding_layers_swapped":  # the window on the other parity (Gemma 2: layers 1, 3, ... slide)
            self.cfg = cfg = ModelConfig(**{**cfg.__dict__, "sliding_layers": [not s for s in cfg.sliding_layers]})
        self.scores_seen: list[tuple[int, torch.Tensor, torch.Tensor]] | None = None  # set to [] to record (layer, scores, mask)
        self.rope_cfg = cfg  # what the rotary embedding reads (the mutations above may change it)
        longrope = cfg.rope_scaling is not None and cfg.rope_scaling.get("rope_type") == "longrope"
        self.inv_freq = None if longrope else rope_inv_freq(cfg)  # longrope: per sequence length, in phi3_rope
        # Gemma 3's sliding layers: RoPE base rope_local_base_freq and never rope_scaling (rotary_emb_local)
        local = ModelConfig(**{**cfg.__dict__, "rope_theta": cfg.rope_local_theta, "rope_scaling": None})
        self.inv_freq_local = self.inv_freq if mutation == "local_rope_global_theta" else rope_inv_freq(local)

    def norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        c = self.cfg
        if c.gemma and self.mutation != "norm_no_plus_one":
            return gemma_rms_norm(x, self.w[name], c.eps)
        return rms_norm(x, self.w[name], c.eps)

    def phi3_rope(self, pos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
        """Phi3RotaryEmbedding for positions `pos` (0 .. T-1): (freqs [T, rd/2], cos, sin [T, rd], attention factor),
        angles in float32 and cos/sin multiplied by the attention factor in float32, as transformers does."""
        c, m = self.rope_cfg, self.mutation
        rs = c.rope_scaling
        if m == "rotary_full_head":  # partial_rotary_factor ignored: head_dim/2 plain frequencies, the whole head rotates
            d = c.head_dim
            inv = 1.0 / (c.rope_theta ** (torch.arange(0, d, 2, dtype=torch.int64).to(torch.float32) / d))
        elif rs is not None:
            inv = longrope_inv_freq(c, len(pos), "long_factor" if m == "rope_long_factor" else None)
        else:
            inv = rope_inv_freq(c)
        af = 1.0 if rs is None or m == "no_attention_factor" else rs["attention_factor"]
        freqs = pos[:, None] * inv[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return freqs, (emb.cos() * af).to(self.dtype), (emb.sin() * af).to(self.dtype), af

    def phi3_apply_rope(self, x: torch.Tensor, freqs: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, af: float) -> torch.Tensor:
        """apply_rotary_pos_emb of modeling_phi3.py: rotate_half within the first rotary_dim dims (i pairs with
        i + rotary_dim/2), the other head_dim - rotary_dim dims pass through unchanged."""
        rd, m = cos.shape[-1], self.mutation
        if m == "rotary_pair_head_half":  # wrong: i paired with i + head_dim/2 (rotate_half over the whole head)
            hd, r = x.shape[-1], rd // 2
            cos_full = torch.ones(cos.shape[0], hd, dtype=cos.dtype)
            sin_full = torch.zeros(cos.shape[0], hd, dtype=cos.dtype)
            cos_full[:, :r], cos_full[:, hd // 2 : hd // 2 + r] = cos[:, :r], cos[:, r:]
            sin_full[:, :r], sin_full[:, hd // 2 : hd // 2 + r] = sin[:, :r], sin[:, r:]
            return x * cos_full + rotate_half(x) * sin_full
        x_rot, x_pass = x[..., :rd], x[..., rd:]
        if m == "rope_interleaved":  # GPT-J pairs (2i, 2i+1) within the rotary dims
            c, s = (freqs.cos() * af).to(x.dtype), (freqs.sin() * af).to(x.dtype)
            a, b = x_rot[..., 0::2], x_rot[..., 1::2]
            x_rot = torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)
        else:
            x_rot = x_rot * cos + rotate_half(x_rot) * sin
        return torch.cat((x_rot, x_pass), dim=-1)

    def linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        y = x @ self.w[name + ".weight"].T
        b = self.w.get(name + ".bias")
        if b is not None and not (self.mutation == "no_bias"):
            y = y + b
        return y

    def logits(self, ids: list[int]) -> torch.Tensor:
        """Logits [T, V] for every position of `ids` (full causal recomputation, no cache)."""
        c, w = self.cfg, self.w
        head = w["model.embed_tokens.weight"] if c.tied else w["lm_head.weight"]
        logits = self.hidden(ids) @ head.T
        if c.final_softcap is not None and self.mutation != "no_final_softcap":  # Gemma2ForCausalLM.forward
            logits = softcap(logits, c.final_softcap)
        if c.granite:  # GraniteForCausalLM.forward: logits / logits_scaling
            if self.mutation == "logits_scaling_multiplied":  # wrong: multiplied instead of divided
                logits = logits * c.logits_scaling
            elif self.mutation != "no_logits_scaling":
                logits = logits / c.logits_scaling
        return logits

    def hidden(self, ids: list[int]) -> torch.Tensor:
        """Final hidden states [T, hidden] of every position of `ids`, after the last RMSNorm."""
        c, w, m = self.cfg, self.w, self.mutation
        T = len(ids)
        x = w["model.embed_tokens.weight"][torch.tensor(ids, dtype=torch.long)]
        if c.gemma and m != "no_embed_scale":
            # Gemma3TextScaledWordEmbedding (Gemma2Model: `normalizer`): embeddings * sqrt(hidden_size); transformers
            # casts that scale to the weights' dtype (bf16: sqrt(640) = 25.298 becomes 25.25); here, the compute dtype's
            x = x * (c.hidden**0.5)
        if c.granite and m != "no_embedding_multiplier":  # GraniteModel.forward: inputs_embeds * embedding_multiplier
            x = x * c.embedding_multiplier
        pos = torch.arange(T, dtype=torch.float32)
        af = 1.0
        if c.phi3:  # rotary_dim columns, longrope factors by sequence length, cos/sin times the attention factor
            freqs, cos, sin, af = self.phi3_rope(pos)
        else:
            freqs = pos[:, None] * self.inv_freq[None, :]  # float32, as transformers computes the angles
            emb = torch.cat((freqs, freqs), dim=-1)
            cos, sin = emb.cos().to(self.dtype), emb.sin().to(self.dtype)
        mask = torch.full((T, T), -math.inf, dtype=self.dtype).triu(1)
        if any(c.sliding_layers):
            if c.model_type == "gemma3_text":  # Gemma 3's sliding layers have their own RoPE; Gemma 2 and Phi-3 have one
                freqs_local = pos[:, None] * self.inv_freq_local[None, :]
                emb_local = torch.cat((freqs_local, freqs_local), dim=-1)
                cos_local, sin_local = emb_local.cos().to(self.dtype), emb_local.sin().to(self.dtype)
            else:
                freqs_local, cos_local, sin_local = freqs, cos, sin
            i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
            # query i attends to keys i - sliding_window < j <= i: itself and the sliding_window - 1 before it
            mask_local = mask if m == "no_sliding_window" else mask.masked_fill(j <= i - c.sliding_window, -math.inf)
        n_rep = c.heads // c.kv_heads
        if c.gemma and m != "scale_head_dim":
            scale = c.query_pre_attn_scalar**-0.5
        elif c.granite and m == "no_attention_multiplier":  # wrong: the scores left unscaled
            scale = 1.0
        elif c.granite and m != "scale_head_dim":  # GraniteAttention: self.scaling = attention_multiplier
            scale = c.attention_multiplier
        else:
            scale = c.head_dim**-0.5
        for n in range(c.layers):
            p = f"model.layers.{n}."
            sliding = bool(c.sliding_layers) and c.sliding_layers[n]
            layer_freqs, layer_cos, layer_sin, layer_mask = (freqs_local, cos_local, sin_local, mask_local) if sliding else (freqs, cos, sin, mask)
            h = self.norm(x, p + "input_layernorm.weight")
            if c.phi3:  # Phi3Attention: qkv_proj rows are q (heads * head_dim), then k, then v (kv_heads * head_dim each)
                nq, nkv = c.heads * c.head_dim, c.kv_heads * c.head_dim
                qkv = self.linear(h, p + "self_attn.qkv_proj")
                if m == "qkv_order_kqv":  # wrong: k rows taken before q
                    k, q, v = qkv.split([nkv, nq, nkv], dim=-1)
                else:
                    q, k, v = qkv.split([nq, nkv, nkv], dim=-1)
                q, k, v = q.reshape(T, c.heads, c.head_dim), k.reshape(T, c.kv_heads, c.head_dim), v.reshape(T, c.kv_heads, c.head_dim)
            else:
                q = self.linear(h, p + "self_attn.q_proj").view(T, c.heads, c.head_dim)
                k = self.linear(h, p + "self_attn.k_proj").view(T, c.kv_heads, c.head_dim)
                v = self.linear(h, p + "self_attn.v_proj").view(T, c.kv_heads, c.head_dim)
            if c.qk_norm and m != "no_qk_norm":  # Qwen3, Gemma 3: RMSNorm over head_dim of each head, before RoPE
                q = self.norm(q, p + "self_attn.q_norm.weight")
                k = self.norm(k, p + "self_attn.k_norm.weight")
            q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)  # [heads, T, hd]
            if not c.rope_layers[n]:  # SmolLM3 NoPE layer: q and k get no rotary embedding at all
                pass
            elif c.phi3:  # partial rotary: only the first rotary_dim dims of each head
                q = self.phi3_apply_rope(q, layer_freqs, layer_cos, layer_sin, af)
                k = self.phi3_apply_rope(k, layer_freqs, layer_cos, layer_sin, af)
            elif m == "rope_interleaved":  # GPT-J style pairs (2i, 2i+1) instead of rotate_half
                q, k = rope_interleaved(q, layer_freqs), rope_interleaved(k, layer_freqs)
            else:
                q = q * layer_cos + rotate_half(q) * layer_sin
                k = k * layer_cos + rotate_half(k) * layer_sin
            if m == "gqa_interleaved":  # query head h reads kv head h % kv (wrong; transformers uses h // n_rep)
                k, v = k.repeat(n_rep, 1, 1), v.repeat(n_rep, 1, 1)
            else:  # repeat_kv
                k, v = k.repeat_interleave(n_rep, dim=0), v.repeat_interleave(n_rep, dim=0)
            scores = (q @ k.transpose(1, 2)) * scale
            if self.scores_seen is not None:
                self.scores_seen.append((n, scores, layer_mask))
            if c.attn_softcap is None or m == "no_attn_softcap":
                scores = scores + layer_mask
            elif m == "attn_softcap_after_mask":  # wrong: masked keys end at -cap instead of -inf, so they leak
                scores = softcap(scores + layer_mask, c.attn_softcap)
            else:  # eager_attention_forward of modeling_gemma2.py: scale, cap, then add the mask
                scores = softcap(scores, c.attn_softcap) + layer_mask
            attn = torch.softmax(scores, dim=-1) @ v  # [heads, T, hd]
            attn = attn.transpose(0, 1).reshape(T, c.heads * c.head_dim)
            a = self.linear(attn, p + "self_attn.o_proj")
            if not c.gemma or m == "llama_layer_order":  # Llama: post_attention_layernorm is the MLP's input norm
                x = self.residual(x, a)
                h = self.norm(x, p + "post_attention_layernorm.weight")
                x = self.residual(x, self.mlp(h, p))
                continue
            # Gemma2DecoderLayer / Gemma3DecoderLayer: post_attention_layernorm normalises the attention OUTPUT, then sandwich norms
            # around the MLP: x + post_feedforward_layernorm(mlp(pre_feedforward_layernorm(x)))
            if m != "no_post_norms":
                a = self.norm(a, p + "post_attention_layernorm.weight")
            x = x + a
            f = self.mlp(self.norm(x, p + "pre_feedforward_layernorm.weight"), p)
            if m != "no_post_norms":
                f = self.norm(f, p + "post_feedforward_layernorm.weight")
            x = x + f
        return self.norm(x, "model.norm.weight")

    def residual(self, x: torch.Tensor, branch: torch.Tensor) -> torch.Tensor:
        """x + branch; Granite (GraniteDecoderLayer): x + branch * residual_multiplier, for the attention branch
        (o_proj's output) and the MLP branch (down_proj's output) alike."""
        c, m = self.cfg, self.mutation
        if not c.granite or m == "no_residual_multiplier":
            return x + branch
        if m == "residual_multiplier_on_stream":  # wrong: the residual stream scaled instead of the branch
            return x * c.residual_multiplier + branch
        return x + branch * c.residual_multiplier

    def mlp(self, h: torch.Tensor, p: str) -> torch.Tensor:
        """down_proj(act(gate_proj(h)) * up_proj(h)): silu, or Gemma's gelu_pytorch_tanh; Phi-3's gate_up_proj holds
        gate_proj's rows, then up_proj's (Phi3MLP: gate, up = gate_up_proj(h).chunk(2, dim=-1))."""
        if self.cfg.phi3:
            gate, up = self.linear(h, p + "mlp.gate_up_proj").chunk(2, dim=-1)
            if self.mutation == "gate_up_swapped":  # wrong: up first
                gate, up = up, gate
            return self.linear(torch.nn.functional.silu(gate) * up, p + "mlp.down_proj")
        gate = self.linear(h, p + "mlp.gate_proj")
        up = self.linear(h, p + "mlp.up_proj")
        act = torch.nn.functional.gelu(gate, approximate="tanh") if self.cfg.gemma else torch.nn.functional.silu(gate)
        return self.linear(act * up, p + "mlp.down_proj")


def softcap(x: torch.Tensor, cap: float) -> torch.Tensor:
    """Gemma 2's soft-capping: cap * tanh(x / cap), about x for |x| << cap and never beyond +-cap."""
    return cap * torch.tanh(x / cap)


def rope_interleaved(x: torch.Tensor, freqs: torch.Tensor) -> torch.Tensor:
    cos, sin = freqs.cos().to(x.dtype), freqs.sin().to(x.dtype)
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)


def load_model(model_dir: Path, dtype: torch.dtype = torch.float64) -> tuple[ModelConfig, dict[str, torch.Tensor]]:
    cfg_path = model_dir / "config.json"
    cfg = ModelConfig.from_dict(read_json(cfg_path), str(cfg_path))
    weights = read_checkpoint(model_dir)
    expected = cfg.expected_shapes()
    for name, shape in expected.items():
        if name not in weights:
            if name == "lm_head.weight":
                raise RefError(f"{model_dir}: tensor lm_head.weight is missing and config.json has tie_word_embeddings false")
            raise RefError(f"{model_dir}: tensor {name} is missing")
        if list(weights[name].shape) != shape:
            raise RefError(f"{model_dir}: tensor {name} has shape {list(weights[name].shape)}, config.json implies {shape}")
    extra = sorted(set(weights) - set(expected) - {"lm_head.weight"})
    if extra:
        raise RefError(f"{model_dir}: unexpected tensor {extra[0]} for model_type {cfg.model_type}")
    return cfg, weights


# ----------------------------------------------------------------------------
# PEFT LoRA adapters
# ----------------------------------------------------------------------------

LORA_KEY = re.compile(r"^base_model\.model\.(?P<module>.+)\.lora_(?P<ab>[AB])(?:\.default)?\.weight$")


def apply_lora(weights: dict[str, torch.Tensor], adapter_dir: Path) -> tuple[dict[str, torch.Tensor], dict]:
    """Returns weights with W + scale·B·A merged (in float64) for every LoRA pair of the adapter."""
    cfg_path = adapter_dir / "adapter_config.json"
    acfg = read_json(cfg_path)
    for key in ("r", "lora_alpha", "target_modules"):
        if key not in acfg:
            raise RefError(f"{cfg_path}: field {key} is missing")
    if acfg.get("peft_type", "LORA") != "LORA":
        raise RefError(f"{cfg_path}: field peft_type {acfg.get('peft_type')!r} is not supported (LORA)")
    if acfg.get("fan_in_fan_out"):
        raise RefError(f"{cfg_path}: field fan_in_fan_out true is not supported")
    if acfg.get("modules_to_save"):
        raise RefError(f"{cfg_path}: field modules_to_save is not supported")
    if acfg.get("alpha_pattern") or acfg.get("rank_pattern"):
        raise RefError(f"{cfg_path}: fields rank_pattern/alpha_pattern are not supported")
    r, alpha = acfg["r"], acfg["lora_alpha"]
    scale = alpha / math.sqrt(r) if acfg.get("use_rslora") else alpha / r
    st = adapter_dir / "adapter_model.safetensors"
    tensors = read_safetensors(st)
    pairs: dict[str, dict[str, torch.Tensor]] = {}
    for name, t in tensors.items():
        m = LORA_KEY.match(name)
        if m is None:
            raise RefError(f"{st}: tensor {name!r} is not a LoRA A/B weight (base_model.model.….lora_A.weight)")
        pairs.setdefault(m["module"], {})[m["ab"]] = t
    targets = acfg["target_modules"]
    out = dict(weights)
    for module, ab in sorted(pairs.items()):
        if set(ab) != {"A", "B"}:
            raise RefError(f"{st}: module {module} has lora_{'A' if 'A' in ab else 'B'} without its partner")
        short = module.rsplit(".", 1)[-1]
        targeted = re.fullmatch(targets, module) is not None if isinstance(targets, str) else short in targets
        if not targeted:
            raise RefError(f"{st}: module {module} is not in target_modules {targets}")
        wname = module + ".weight"
        if wname not in weights:
            raise RefError(f"{st}: module {module} has no base weight {wname}")
        A, B, W = ab["A"], ab["B"], weights[wname]
        if A.shape != (r, W.shape[1]) or B.shape != (W.shape[0], r):
            raise RefError(f"{st}: {module}: lora_A {list(A.shape)} / lora_B {list(B.shape)} do not fit r={r} and weight {list(W.shape)}")
        out[wname] = W + scale * (B @ A)
    return out, {"r": r, "lora_alpha": alpha, "scale": scale, "modules": len(pairs)}


# ----------------------------------------------------------------------------
# Scoring
# ----------------------------------------------------------------------------


def log_softmax(logits: torch.Tensor) -> torch.Tensor:
    return torch.log_softmax(logits.to(torch.float64), dim=-1)


def r6(x: float) -> float:
    return round(float(x), 6)


def score_ids(model: Model, tok: BpeTokenizer, ids: list[int], eos: list[int], max_new: int, top: int, prompt_logprobs: bool) -> dict:
    logits = model.logits(ids)
    lp = log_softmax(logits)
    last = lp[-1]
    vals, idx = last.topk(top)
    result: dict[str, Any] = {
        "last_logprobs": [r6(v) for v in last.tolist()],
        "top_logprobs": [
            {"id": int(i), "token": tok.id_to_token[int(i)], "bytes": tok.token_bytes(int(i)), "logprob": r6(v)} for v, i in zip(vals.tolist(), idx.tolist())
        ],
        "entropy": r6(-(last.exp() * last).sum()),
    }
    if prompt_logprobs:
        result["prompt_logprobs"] = [None] + [r6(lp[t - 1, ids[t]]) for t in range(1, len(ids))]
    seq = list(ids)
    gen_ids: list[int] = []
    gen_lps: list[float] = []
    margins: list[float] = []
    finish = "length"
    cur = last
    for step in range(max_new):
        if step > 0:
            cur = log_softmax(model.logits(seq))[-1]
        two = cur.topk(2)
        nxt = int(two.indices[0])
        margins.append(float(two.values[0] - two.values[1]))
        gen_ids.append(nxt)
        gen_lps.append(r6(cur[nxt]))
        if nxt in eos:
            finish = "stop"
            break
        seq.append(nxt)
    content = [i for i in gen_ids if i not in eos]
    result["greedy"] = {
        "token_ids": gen_ids,
        "token_bytes": [tok.token_bytes(i) for i in gen_ids],
        "logprobs": gen_lps,
        "text": tok.decode(content),
        "finish_reason": finish,
        "min_top2_margin": r6(min(margins)),
    }
    return result


def conversation_ids(conv: dict, tok: BpeTokenizer, template: str | None, special: dict, where: str) -> tuple[str | None, list[int]]:
    if "messages" in conv:
        if template is None:
            raise RefError(f"{where}: the model has no chat_template in tokenizer_config.json")
        text = render_chat(template, conv["messages"], conv.get("tools"), conv.get("add_generation_prompt", True), special)
        return text, tok.encode(text)
    if "token_ids" in conv:
        return None, [int(i) for i in conv["token_ids"]]
    if "text" in conv:
        return conv["text"], tok.encode(conv["text"])
    raise RefError(f"{where}: a conversation needs messages, token_ids or text")


def eos_ids(model_dir: Path) -> list[int]:
    gc = model_dir / "generation_config.json"
    src = read_json(gc) if gc.exists() else read_json(model_dir / "config.json")
    e = src.get("eos_token_id")
    return [] if e is None else [e] if isinstance(e, int) else list(e)


def special_tokens(tcfg: dict) -> dict:
    def content(v: Any) -> Any:
        return v.get("content") if isinstance(v, dict) else v

    return {"bos_token": content(tcfg.get("bos_token")), "eos_token": content(tcfg.get("eos_token"))}


def cmd_score(args: argparse.Namespace) -> None:
    model_dir = Path(args.model)
    cfg, weights = load_model(model_dir)
    adapter_info = None
    if args.adapter:
        weights, adapter_info = apply_lora(weights, Path(args.adapter))
    model = Model(cfg, weights)
    tok = BpeTokenizer.from_json(model_dir / "tokenizer.json")
    tcfg_path = model_dir / "tokenizer_config.json"
    tcfg = read_json(tcfg_path) if tcfg_path.exists() else {}
    convs_path = Path(args.conversations)
    convs = read_json(convs_path)
    if isinstance(convs, dict):
        convs = convs.get("conversations")
    if not isinstance(convs, list):
        raise RefError(f"{convs_path}: expected a list of conversations or an object with field conversations")
    eos = eos_ids(model_dir)
    results = []
    for n, conv in enumerate(convs):
        where = f"{convs_path}: conversations[{n}]"
        text, ids = conversation_ids(conv, tok, tcfg.get("chat_template"), special_tokens(tcfg), where)
        if not ids:
            raise RefError(f"{where}: renders to no tokens")
        if max(ids) >= cfg.vocab:
            raise RefError(f"{where}: token id {max(ids)} is outside the vocabulary ({cfg.vocab})")
        r = score_ids(model, tok, ids, eos, args.max_new_tokens, args.top, prompt_logprobs=True)
        results.append({"conversation": conv.get("name", n), "text": text, "token_ids": ids, **r})
    out = {
        "model": str(model_dir),
        "adapter": str(args.adapter) if args.adapter else None,
        "adapter_info": adapter_info,
        "model_type": cfg.model_type,
        "eos_token_ids": eos,
        "compute_dtype": "float64",
        "results": results,
    }
    json.dump(out, sys.stdout, ensure_ascii=False, separators=(",", ":") if args.compact else None, indent=None if args.compact else 1)
    sys.stdout.write("\n")


# ----------------------------------------------------------------------------
# generate: the committed fixtures
# ----------------------------------------------------------------------------

CORPUS = """\
You are a helpful assistant.
Hello! How can I help you today?
What is the capital of France? The capital of France is Paris.
Please summarize the following text in one sentence.
Sure, here is a short summary of the text.
Can you write a haiku about the sea? Waves fold into foam, the tide keeps its quiet time, salt on the cold wind.
Thank you for your help. You're welcome! Let me know if there is anything else.
The user wants to know the weather in Berlin. I will call the weather tool.
It's sunny and warm today, with a light breeze in the afternoon.
Classify the ticket as billing, technical or account. This ticket is about billing.
I can't find my invoice. Where do I download the invoice for last month?
Your invoice is in the billing section of your account settings.
My password reset email never arrived. Please check the spam folder and try again.
Answer the question with a single word. Yes. No. Maybe.
Translate the sentence into French: the cat is on the table. Le chat est sur la table.
What is 12 plus 30? The answer is 42.
Explain how a transformer model predicts the next token of a sentence.
The model reads the tokens of the prompt and predicts the next token with a probability for each word.
Write a short story about a robot who learns to paint.
Once upon a time, a small robot found a box of paint in the garden.
Could you help me plan a trip to Japan in the spring? Tokyo and Kyoto are lovely in April.
Here are three ideas for dinner: pasta with tomato sauce, a green salad, and soup.
The meeting is moved to Thursday at ten in the morning.
Please return the answer as JSON with the fields name and city.
{"name": "Ada", "city": "London"}
The function get_weather takes a city and returns the temperature.
{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}
{"name": "get_weather", "arguments": {"city": "Berlin"}}
<tools> </tools> <tool_response> </tool_response> {"temp": 21} To call a tool: # Tools
I don't know the answer to that question, but I can look it up.
Good morning! What would you like to talk about today?
""".splitlines()

CHAT_TEMPLATE = """\
{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\nTo call a tool: <tool_call>\\n{\\"name\\": <name>, \\"arguments\\": <object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""

WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}

CONVERSATIONS: list[dict] = [
    {
        "name": "system_user",
        "messages": [
            {"role": "system", "content": "You are a concise assistant. Answer in one sentence."},
            {"role": "user", "content": "What is the capital of France?"},
        ],
    },
    {"name": "user_only", "messages": [{"role": "user", "content": "Write a haiku about the sea."}]},
    {
        "name": "multi_turn",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What is 12 plus 30?"},
            {"role": "assistant", "content": "The answer is 42."},
            {"role": "user", "content": "DON'T explain,  just double it:\n\n  then say it's done."},
        ],
    },
    {"name": "non_ascii", "messages": [{"role": "user", "content": "Translate: café – naïve 日本 🙂"}]},
    {
        "name": "tools",
        "tools": [WEATHER_TOOL],
        "messages": [
            {"role": "user", "content": "Weather in Berlin?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Berlin"}}}],
            },
            {"role": "tool", "content": '{"temp": 21}'},
        ],
    },
]
TEACHER_FORCING = "multi_turn"

# Strings that probe the tokenizer semantics (regex split, NFC, added tokens, multi-byte text); not model inputs.
TOKENIZER_CASES = [
    "Hello world! How are you today?",
    "  leading spaces and trailing   ",
    "a\n\n\nb\r\nc \n d",
    "tabs\tand\t\tmore\t",
    "I'M HERE, you'RE there, it'S fine, we'Ve gone, they'LL see, he'd go",
    "12345 + 678 = 7023",
    "x<|im_end|>y<|im_start|><|im_start|>z",
    "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>",
    "<|im_end <|endoftext|",
    "emoji 👍🏽 and zwj 👨\u200d👩\u200d👧!",
    "decomposed e\u0301 and composed \u00e9, Å vs A\u030a",
    "ligature ﬁ stays (NFC, not NFKC)",
    "日本語のテキスト、句読点。",
    "Ünïcödé   spaces\n  \n",
    "!!!??? ... --- ***",
    "the the the the",
]

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
NON_SPECIAL = ["<tool_call>", "</tool_call>"]
NUM_MERGES = 200

BASE_DIMS = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 160}


@dataclass
class Case:
    name: str
    model_type: str
    seed: int
    config: dict
    generation_eos: Any  # int or list, as generation_config.json writes it
    generation_extra: dict = field(default_factory=dict)
    shards: bool = False
    covers: str = ""


def build_tokenizer() -> tuple[BpeTokenizer, dict]:
    merges = train_bpe(CORPUS, QWEN2_PATTERN, NUM_MERGES)
    vocab: dict[str, int] = {}
    for b, c in BYTE_ENCODER.items():  # ids 0..255 in bytes_to_unicode order, like GPT-2 and Qwen2
        vocab[c] = len(vocab)
    for a, b in merges:
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
    added = [AddedToken(len(vocab) + k, t, True) for k, t in enumerate(SPECIAL)]
    added += [AddedToken(len(vocab) + len(SPECIAL) + k, t, False) for k, t in enumerate(NON_SPECIAL)]
    tok = BpeTokenizer(vocab, merges, added, "NFC", [("split", regex.compile(QWEN2_PATTERN)), ("bytelevel", (False, False))])
    bl = {"add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    tj = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": a.id, "content": a.content, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": a.special}
            for a in added
        ],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_PATTERN}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", **bl},
            ],
        },
        "post_processor": {"type": "ByteLevel", **bl},
        "decoder": {"type": "ByteLevel", **bl},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }
    return tok, tj


def tokenizer_config(tok: BpeTokenizer) -> dict:
    return {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": {
            str(a.id): {"content": a.content, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "special": a.special}
            for a in tok.added
        },
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": None,
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": 256,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }


def special_tokens_map() -> dict:
    def t(c: str) -> dict:
        return {"content": c, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False}

    return {"additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "eos_token": t("<|im_end|>"), "pad_token": t("<|endoftext|>")}


# The granite fixture's scalars: each far from 1 (and attention_multiplier from head_dim**-0.5 = 0.25), so that leaving
# one out or misapplying it moves the log-probabilities a lot. As in the released models, attention_multiplier is
# 1 / head_dim (granite-3.x-2b: 1/64 = 0.015625, -8b: 1/128), embedding_multiplier 12 and residual_multiplier 0.22;
# logits_scaling is 8 as in the 2b models (the 8b ones have 16)
GRANITE_FIXTURE = {"embedding_multiplier": 12.0, "attention_multiplier": 0.0625, "residual_multiplier": 0.22, "logits_scaling": 8.0}
GRANITE_EMBED_STD = 0.02  # see init_weights
GRANITE_FINAL_NORM = 200.0


def cases(tok: BpeTokenizer) -> list[Case]:
    ids = {a.content: a.id for a in tok.added}
    eot, im_end = ids["<|endoftext|>"], ids["<|im_end|>"]
    V = tok.size
    common = {"attention_dropout": 0.0, "hidden_act": "silu", "initializer_range": 0.02, "torch_dtype": "bfloat16", "transformers_version": "4.46.0", "use_cache": True, "vocab_size": V}
    llama = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", **BASE_DIMS, "head_dim": 16,
        "attention_bias": False, "mlp_bias": False, "bos_token_id": eot, "eos_token_id": [eot, im_end],
        "max_position_embeddings": 256, "pretraining_tp": 1, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
        "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
        "tie_word_embeddings": False, **common,
    }  # fmt: skip
    smollm = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", **BASE_DIMS,
        "attention_bias": False, "mlp_bias": False, "bos_token_id": eot, "eos_token_id": im_end, "pad_token_id": im_end,
        "is_llama_config": True, "max_position_embeddings": 256, "pretraining_tp": 1, "rms_norm_eps": 1e-5,
        "rope_interleaved": False, "rope_scaling": None, "rope_theta": 100000.0, "tie_word_embeddings": True, **common,
    }  # fmt: skip
    qwen2 = {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", **BASE_DIMS,
        "bos_token_id": eot, "eos_token_id": im_end, "max_position_embeddings": 256, "max_window_layers": 2,
        "rms_norm_eps": 1e-6, "rope_scaling": None, "rope_theta": 1000000.0, "sliding_window": 256,
        "tie_word_embeddings": True, "use_sliding_window": False, **common,
    }  # fmt: skip
    qwen3 = {
        "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", **BASE_DIMS, "head_dim": 32,
        "attention_bias": False, "bos_token_id": eot, "eos_token_id": im_end, "max_position_embeddings": 256,
        "max_window_layers": 2, "rms_norm_eps": 1e-6, "rope_scaling": None, "rope_theta": 1000000.0,
        "sliding_window": None, "tie_word_embeddings": False, "use_sliding_window": False, **common,
    }  # fmt: skip
    mistral = {
        "architectures": ["MistralForCausalLM"], "model_type": "mistral", **BASE_DIMS, "head_dim": 16,
        "bos_token_id": eot, "eos_token_id": im_end, "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
        "rope_theta": 1000000.0, "sliding_window": None, "tie_word_embeddings": False, **common,
    }  # fmt: skip
    smollm3 = {
        "architectures": ["SmolLM3ForCausalLM"], "model_type": "smollm3", **BASE_DIMS, "num_hidden_layers": 4,
        "attention_bias": False, "mlp_bias": False, "bos_token_id": eot, "eos_token_id": im_end, "pad_token_id": eot,
        "layer_types": ["full_attention"] * 4, "max_position_embeddings": 256,
        "no_rope_layer_interval": 4, "no_rope_layers": [1, 1, 1, 0],  # 1 = this layer USES RoPE, 0 = NoPE
        "rms_norm_eps": 1e-6, "rope_scaling": None, "rope_theta": 5000000.0, "sliding_window": None,
        "tie_word_embeddings": True, "use_sliding_window": False, **common, "transformers_version": "4.53.0",
    }  # fmt: skip
    gemma3 = {  # as google/gemma-3-1b / gemma-3-270m (Gemma3TextConfig has hidden_activation, no hidden_act)
        "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", **BASE_DIMS, "head_dim": 32,
        "attention_bias": False, "attention_dropout": 0.0, "attn_logit_softcapping": None,
        "bos_token_id": eot, "eos_token_id": [eot, im_end], "final_logit_softcapping": None,
        "hidden_activation": "gelu_pytorch_tanh", "initializer_range": 0.02,
        "layer_types": ["sliding_attention", "full_attention"], "max_position_embeddings": 256, "pad_token_id": eot,
        "query_pre_attn_scalar": 24, "rms_norm_eps": 1e-6, "rope_local_base_freq": 10000.0, "rope_scaling": None,
        "rope_theta": 1000000.0, "sliding_window": 8, "sliding_window_pattern": 2, "tie_word_embeddings": True,
        "torch_dtype": "bfloat16", "transformers_version": "4.53.0", "use_cache": True, "vocab_size": V,
    }  # fmt: skip
    gemma2 = {  # laid out as google/gemma-2-2b-it's config.json (hidden_act and hidden_activation, cache_implementation, no layer_types)
        "architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", **BASE_DIMS, "head_dim": 32,
        "attention_bias": False, "attention_dropout": 0.0, "attn_logit_softcapping": 7.0, "bos_token_id": eot,
        "cache_implementation": "hybrid", "eos_token_id": [eot, im_end], "final_logit_softcapping": 15.0,
        "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh", "initializer_range": 0.02,
        "max_position_embeddings": 256, "pad_token_id": eot, "query_pre_attn_scalar": 24, "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0, "sliding_window": 8, "torch_dtype": "bfloat16", "transformers_version": "4.42.4",
        "use_cache": True, "vocab_size": V,
    }  # fmt: skip
    phi3 = {  # laid out as microsoft/Phi-4-mini-instruct's config.json (tied, partial rotary, longrope, the remote-code fields)
        "architectures": ["Phi3ForCausalLM"], "model_type": "phi3", **BASE_DIMS,
        "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": eot, "embd_pdrop": 0.0, "eos_token_id": im_end,
        "full_attn_mod": 1, "hidden_act": "silu", "initializer_range": 0.02, "interpolate_factor": 1, "lm_head_bias": False,
        "max_position_embeddings": 1024, "mlp_bias": False, "original_max_position_embeddings": 256, "pad_token_id": eot,
        "partial_rotary_factor": 0.5, "resid_pdrop": 0.0, "rms_norm_eps": 1e-5,
        # rotary_dim = int(16 * 0.5) = 8, so 4 factors each; every evaluated sequence (<= 212 + 7 tokens) is within
        # original_max_position_embeddings 256, so short_factor applies; long_factor only past 256 tokens
        "rope_scaling": {"long_factor": [2.0, 4.5, 9.0, 20.0], "short_factor": [1.125, 1.5, 2.25, 3.5], "type": "longrope"},
        "rope_theta": 10000.0, "sliding_window": 12, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "transformers_version": "4.49.0", "use_cache": True, "vocab_size": V,
    }  # fmt: skip
    granite = {  # laid out as ibm-granite/granite-3.3-2b-instruct's config.json (tied, no biases, rope_scaling null)
        "architectures": ["GraniteForCausalLM"], "model_type": "granite", **BASE_DIMS,
        "attention_bias": False, "attention_dropout": 0.0, "attention_multiplier": GRANITE_FIXTURE["attention_multiplier"],
        "bos_token_id": eot, "embedding_multiplier": GRANITE_FIXTURE["embedding_multiplier"], "eos_token_id": im_end,
        "hidden_act": "silu", "initializer_range": 0.02, "logits_scaling": GRANITE_FIXTURE["logits_scaling"],
        "max_position_embeddings": 256, "mlp_bias": False, "pad_token_id": eot,
        "residual_multiplier": GRANITE_FIXTURE["residual_multiplier"], "rms_norm_eps": 1e-5, "rope_scaling": None,
        "rope_theta": 10000000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "transformers_version": "4.49.0",
        "use_cache": True, "vocab_size": V,
    }  # fmt: skip
    qwen_gen = {"do_sample": True, "temperature": 0.7, "top_p": 0.8, "top_k": 20, "pad_token_id": eot}
    return [
        Case("llama", "llama", 101, llama, [eot, im_end],
             covers="LlamaForCausalLM as Llama 3.x: rope_scaling llama3 (factor 8, original 64 positions, so the low "
                    "frequencies are divided and the middle ones smoothed), rope_theta 500000, untied lm_head, eos list"),
        Case("smollm", "llama", 202, smollm, im_end,
             covers="LlamaForCausalLM as SmolLM2: tied embeddings (no lm_head.weight), rope_theta 100000, no rope_scaling, no head_dim field"),
        Case("qwen2", "qwen2", 303, qwen2, [im_end, eot], qwen_gen,
             covers="Qwen2ForCausalLM as Qwen2.5: q/k/v biases (o_proj none), tied embeddings, rms_norm_eps 1e-6, sampling defaults in generation_config"),
        Case("qwen3", "qwen3", 404, qwen3, [im_end, eot],
             covers="Qwen3ForCausalLM: q_norm/k_norm RMSNorm per head before RoPE, head_dim 32 while hidden/heads = 16, untied"),
        Case("mistral", "mistral", 505, mistral, im_end,
             covers="MistralForCausalLM: sliding_window null, untied, rope_theta 1e6"),
        Case("qwen2-sharded", "qwen2", 303, qwen2, [im_end, eot], qwen_gen, shards=True,
             covers="the qwen2 weights split over model-00001-of-00002 / model-00002-of-00002.safetensors with model.safetensors.index.json"),
        Case("smollm3", "smollm3", 606, smollm3, im_end,
             covers="SmolLM3ForCausalLM: 4 layers, no_rope_layers [1, 1, 1, 0] (1 = uses RoPE), so layer 3 is NoPE "
                    "(no rotary embedding on q and k), tied embeddings, rope_theta 5e6, rms_norm_eps 1e-6"),
        Case("gemma3", "gemma3_text", 707, gemma3, [eot, im_end],
             covers="Gemma3ForCausalLM (gemma3_text): embeddings * sqrt(hidden), RMSNorm scale (1 + w), post-attention and "
                    "pre/post-feedforward norms, q_norm/k_norm, scores * query_pre_attn_scalar**-0.5 (24, head_dim 32), "
                    "gelu_pytorch_tanh, tied; layer 0 sliding_attention (window 8, rope_local_base_freq 1e4), layer 1 "
                    "full_attention (rope_theta 1e6)"),
        Case("phi3", "phi3", 808, phi3, [im_end, eot], {"pad_token_id": eot},
             covers="Phi3ForCausalLM as Phi-4-mini: fused qkv_proj (rows q, k, v) and gate_up_proj (rows gate, up), "
                    "partial_rotary_factor 0.5 (rotary_dim 8 of head_dim 16; rotate_half pairs i with i + 4, dims 8-15 "
                    "pass), rope_scaling longrope with short_factor applied (prompts within original_max_position_embeddings "
                    "256) and cos/sin x attention_factor sqrt(1 + ln 4 / ln 256) (max_position_embeddings 1024), "
                    "sliding_window 12 in every layer, tied embeddings, no biases"),
        Case("gemma2", "gemma2", 909, gemma2, [eot, im_end],
             covers="Gemma2ForCausalLM (gemma-2-2b/9b): embeddings * sqrt(hidden), RMSNorm scale (1 + w), post-attention and "
                    "pre/post-feedforward norms, no q/k norms, scores * query_pre_attn_scalar**-0.5 (24, head_dim 32), "
                    "attention soft-cap 7 * tanh(s / 7) after scaling and before the mask, final logits "
                    "15 * tanh(z / 15), gelu_pytorch_tanh, tied; no layer_types: layer 0 slides (window 8), "
                    "layer 1 full, one RoPE (rope_theta 1e4)"),
        Case("granite", "granite", 1010, granite, im_end, {"pad_token_id": eot},
             covers="GraniteForCausalLM (granite-3.1/3.2/3.3): Llama's layer with GraniteConfig's four scalars: "
                    f"embeddings * embedding_multiplier ({GRANITE_FIXTURE['embedding_multiplier']}), scores * "
                    f"attention_multiplier ({GRANITE_FIXTURE['attention_multiplier']}, not head_dim**-0.5 = 0.25), "
                    f"x + residual_multiplier ({GRANITE_FIXTURE['residual_multiplier']}) * branch for the attention and "
                    f"MLP outputs, logits / logits_scaling ({GRANITE_FIXTURE['logits_scaling']}); tied, no biases, "
                    "rope_theta 1e7, rms_norm_eps 1e-5"),
    ]  # fmt: skip


def init_weights(cfg: ModelConfig, seed: int) -> dict[str, torch.Tensor]:
    """Random weights, large enough that next-token distributions are far from uniform; rounded to bf16.

    Gemma (2 and 3) stores a norm's w with 1 + w the scale, so its norms are w ~ N(0, 0.15) (scale near 1), except the
    final norm. Its post-norms fix each layer's contribution to the residual stream at rms ~1, so the embedding rows, which
    are multiplied by sqrt(hidden) = 8, must be small: with N(0, 0.5) like the other tied cases, the token's own
    embedding dominates the stream and the tied head predicts the input token again with p ~ 1 (entropy 0.00).
    With N(0, 0.05) (rms 0.4 in the stream) it does so at 8% of the prompt positions, but a final scale near 1 then
    gives near-flat logits (entropy 5.8 of 6.13); so the final norm, which sets the temperature of the tied head, has
    the scale 12 * (1 + N(0, 0.15)), i.e. w = 11 + N(0, 1.8).

    Granite (tied) has the same problem for another reason: its branches reach the residual stream multiplied by
    residual_multiplier (0.22), so with N(0, 0.5) embeddings times embedding_multiplier (12) the token's own embedding
    dominates the stream and the tied head predicts the input token again. Its embeddings are N(0, 0.02) (rms 0.24 once
    multiplied by 12, as in the real models, whose embeddings are small too), and since the logits are then divided by
    logits_scaling (8), the final norm, which sets the temperature of the tied head, has the scale 200 * (1 + N(0, 0.15)).
    The input token is then the argmax at 47 of the 496 prompt positions (gemma2: 49, the other cases <= 8)."""
    g = torch.Generator().manual_seed(seed)
    out: dict[str, torch.Tensor] = {}
    for name, shape in cfg.expected_shapes().items():
        if cfg.gemma and name == "model.norm.weight":
            t = 12.0 * (1.0 + 0.15 * torch.randn(shape, generator=g)) - 1.0
        elif cfg.granite and name == "model.norm.weight":
            t = GRANITE_FINAL_NORM * (1.0 + 0.15 * torch.randn(shape, generator=g))
        elif cfg.granite and name == "model.embed_tokens.weight":
            t = GRANITE_EMBED_STD * torch.randn(shape, generator=g)
        elif cfg.gemma and (name.endswith("norm.weight") or "layernorm" in name):
            t = 0.15 * torch.randn(shape, generator=g)  # Gemma stores w, the scale is 1 + w
        elif name.endswith("norm.weight") or "layernorm" in name:
            t = 1.0 + 0.15 * torch.randn(shape, generator=g)
        elif name == "model.embed_tokens.weight":
            t = (0.05 if cfg.gemma else 0.5 if cfg.tied else 1.0) * torch.randn(shape, generator=g)
        elif name == "lm_head.weight":
            t = 0.5 * torch.randn(shape, generator=g)
        elif name.endswith(".bias"):
            t = 0.3 * torch.randn(shape, generator=g)
        else:
            t = 0.2 * torch.randn(shape, generator=g)
        out[name] = torch.from_numpy(bf16_bits_to_f32(f32_to_bf16_bits(t.numpy())).astype(np.float64))
    return out


def write_case(case: Case, out_dir: Path, tj: dict, tcfg: dict, weights: dict[str, torch.Tensor]) -> None:
    out_dir.mkdir(parents=True)
    write_json(out_dir / "config.json", case.config)
    gen = {"bos_token_id": case.config["bos_token_id"], "eos_token_id": case.generation_eos, **case.generation_extra, "transformers_version": case.config["transformers_version"]}
    write_json(out_dir / "generation_config.json", gen)
    write_json(out_dir / "tokenizer.json", tj, compact=True)
    write_json(out_dir / "tokenizer_config.json", tcfg)
    write_json(out_dir / "special_tokens_map.json", special_tokens_map())
    if not case.shards:
        write_safetensors(out_dir / "model.safetensors", weights)
        return
    first = {k: v for k, v in weights.items() if k.startswith("model.embed_tokens.") or k.startswith("model.layers.0.")}
    second = {k: v for k, v in weights.items() if k not in first}
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    write_safetensors(out_dir / names[0], first)
    write_safetensors(out_dir / names[1], second)
    total = sum(v.numel() * 2 for v in weights.values())
    weight_map = {k: names[0] if k in first else names[1] for k in sorted(weights)}
    write_json(out_dir / "model.safetensors.index.json", {"metadata": {"total_size": total}, "weight_map": weight_map})


def debian_version(package: str) -> str | None:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=True).stdout or None
    except (OSError, subprocess.CalledProcessError):
        return None


def command_line() -> str:
    rel = os.path.relpath(SCRIPT, Path.cwd()) if Path.cwd() in SCRIPT.parents else str(SCRIPT)
    return " ".join(shlex.quote(a) for a in ["/usr/bin/python3", rel, *sys.argv[1:]])


SEED_TRIES = 20
MIN_GREEDY_MARGIN = 0.005  # > 2 x the 1e-3 tolerance: an engine within tolerance must pick the same greedy tokens
MAX_F32_DIFF = 2e-4  # float32 evaluation vs this float64 reference
MIN_MUTATION_DIFF = 0.05  # each deliberately wrong variant must move some log-prob by 50 x the tolerance


class Rejected(Exception):
    """A seed whose fixture would make a weak or ambiguous test."""


def evaluate_case(case: Case, case_dir: Path, weights: dict[str, torch.Tensor], convs: list[dict], tok: BpeTokenizer) -> dict:
    """Scores a written case, reading it back from disk exactly as `score` does, and checks it makes a sharp test."""
    V = tok.size
    cfg, loaded = load_model(case_dir)
    for k, v in weights.items():
        if not torch.equal(v, loaded[k]):
            raise RefError(f"{case.name}: tensor {k} changed in the safetensors round trip")
    model = Model(cfg, loaded)
    model32 = Model(cfg, loaded, torch.float32)
    eos = eos_ids(case_dir)
    results = []
    f32_diff = 0.0
    for conv in convs:
        r = score_ids(model, tok, conv["token_ids"], eos, 8, 5, prompt_logprobs=conv["name"] == TEACHER_FORCING)
        if r["greedy"]["min_top2_margin"] < MIN_GREEDY_MARGIN:
            raise Rejected(f"{conv['name']}: a greedy step has top-2 margin {r['greedy']['min_top2_margin']}")
        lp32 = log_softmax(model32.logits(conv["token_ids"]))[-1]
        f32_diff = max(f32_diff, float((lp32 - torch.tensor(r["last_logprobs"], dtype=torch.float64)).abs().max()))
        results.append({"conversation": conv["name"], **r})
    entropy = sum(r["entropy"] for r in results) / len(results)
    if entropy > 0.6 * math.log(V):
        raise Rejected(f"mean entropy {entropy:.3f} is not well below log(V) = {math.log(V):.3f}")
    if f32_diff > MAX_F32_DIFF:
        raise Rejected(f"float32 differs from float64 by {f32_diff:.2e}")
    sensitivity = {}
    for mutation, applies in (
        ("rope_no_scaling", cfg.rope_scaling is not None),
        ("rope_interleaved", True),
        ("gqa_interleaved", True),
        ("no_bias", cfg.attention_bias),
        ("no_qk_norm", cfg.qk_norm),
        ("rope_theta_10000", cfg.rope_theta != 10000.0),
        ("tied_head", not cfg.tied),
        ("norm_no_weight", True),
        ("nope_ignored", not all(cfg.rope_layers)),
        ("nope_inverted", not all(cfg.rope_layers)),
        # Gemma 3: each detail that sets it apart from Llama
        ("norm_no_plus_one", cfg.gemma),  # every RMSNorm scaled by w instead of (1 + w)
        ("no_embed_scale", cfg.gemma),  # embeddings not multiplied by sqrt(hidden_size)
        # head_dim**-0.5 instead of query_pre_attn_scalar**-0.5 (Gemma) or attention_multiplier (Granite)
        ("scale_head_dim", cfg.gemma and cfg.query_pre_attn_scalar != cfg.head_dim
         or cfg.granite and cfg.attention_multiplier != cfg.head_dim**-0.5),
        ("no_sliding_window", any(cfg.sliding_layers)),  # full causal attention in the sliding layers
        ("local_rope_global_theta", cfg.gemma and any(cfg.sliding_layers) and cfg.rope_local_theta != cfg.rope_theta),
        ("no_post_norms", cfg.gemma),  # post_attention_layernorm / post_feedforward_layernorm skipped
        ("llama_layer_order", cfg.gemma),  # post_attention_layernorm as the MLP's input norm, no sandwich norms
        # Phi-3: each detail that sets it apart from Llama
        ("rotary_full_head", cfg.phi3 and cfg.rotary_dim != cfg.head_dim),  # partial_rotary_factor ignored
        ("rotary_pair_head_half", cfg.phi3 and cfg.rotary_dim != cfg.head_dim),  # i paired with i + head_dim/2
        ("no_attention_factor", cfg.phi3 and cfg.rope_scaling is not None and cfg.rope_scaling["attention_factor"] != 1.0),
        ("rope_long_factor", cfg.phi3 and cfg.rope_scaling is not None),  # long_factor for a short sequence
        ("qkv_order_kqv", cfg.phi3),  # qkv_proj split as k, q, v
        ("gate_up_swapped", cfg.phi3),  # gate_up_proj split as up, gate
        # Gemma 2: the soft-caps and which layers slide
        ("no_attn_softcap", cfg.attn_softcap is not None),  # scores not capped
        ("attn_softcap_after_mask", cfg.attn_softcap is not None),  # capped after the mask: masked keys at -cap, not -inf
        ("no_final_softcap", cfg.final_softcap is not None),  # logits not capped
        ("sliding_layers_swapped", cfg.model_type == "gemma2" and any(cfg.sliding_layers) and not all(cfg.sliding_layers)),
        # Granite: each of the four scalars left out or misapplied
        ("no_embedding_multiplier", cfg.granite and cfg.embedding_multiplier != 1.0),
        ("no_attention_multiplier", cfg.granite and cfg.attention_multiplier != 1.0),  # scores unscaled
        ("no_residual_multiplier", cfg.granite and cfg.residual_multiplier != 1.0),
        ("residual_multiplier_on_stream", cfg.granite and cfg.residual_multiplier != 1.0),  # x * r + f(x), not x + r * f(x)
        ("no_logits_scaling", cfg.granite and cfg.logits_scaling != 1.0),
        ("logits_scaling_multiplied", cfg.granite and cfg.logits_scaling != 1.0),  # logits * s instead of / s
    ):
        if not applies:
            continue
        wrong = Model(cfg, loaded, mutation=mutation)
        d = 0.0
        for conv, r in zip(convs, results):
            lp = log_softmax(wrong.logits(conv["token_ids"]))[-1]
            d = max(d, float((lp - torch.tensor(r["last_logprobs"], dtype=torch.float64)).abs().max()))
        if d < MIN_MUTATION_DIFF:
            raise Rejected(f"mutation {mutation} changes log-probs by only {d:.2e}")
        sensitivity[mutation] = r6(d)
    extra: dict[str, Any] = {}
    if cfg.phi3 and cfg.rope_scaling is not None:
        rs = cfg.rope_scaling
        longest = max(len(conv["token_ids"]) + len(r["greedy"]["token_ids"]) - 1 for conv, r in zip(convs, results))
        used = "long_factor" if longest > rs["original_max_position_embeddings"] else "short_factor"
        if any(len(conv["token_ids"]) > rs["original_max_position_embeddings"] for conv in convs) != (used == "long_factor"):
            raise RefError(f"{case.name}: the evaluated sequences straddle original_max_position_embeddings")
        extra["longrope"] = {
            "rotary_dim": cfg.rotary_dim,
            "original_max_position_embeddings": rs["original_max_position_embeddings"],
            "longest_evaluated_sequence": longest,
            "factors_used": used,
            "attention_factor": rs["attention_factor"],
            "inv_freq_used": [float(f"{v:.9g}") for v in longrope_inv_freq(cfg, longest).tolist()],
        }
    if cfg.attn_softcap is not None or cfg.final_softcap is not None:
        extra["softcap"] = softcap_figures(cfg, model, [conv["token_ids"] for conv in convs])
    return {
        **extra,
        "eos_token_ids": eos,
        "weights_bytes": sum(p.stat().st_size for p in case_dir.glob("*.safetensors")),
        "mean_last_entropy": r6(entropy),
        "log_vocab": r6(math.log(V)),
        "min_greedy_margin": min(r["greedy"]["min_top2_margin"] for r in results),
        "f32_vs_f64_max_abs_diff": float(f"{f32_diff:.3g}"),
        "sensitivity_max_abs_diff": sensitivity,
        "results": results,
    }


def softcap_figures(cfg: ModelConfig, model: Model, prompts: list[list[int]]) -> dict:
    """How hard Gemma 2's soft-caps bend this fixture: per layer, the scaled attention scores (before the cap) of the
    keys each query sees, over every position of the prompts; and the last position's logits before the final cap."""
    out: dict[str, Any] = {"attn_logit_softcapping": cfg.attn_softcap, "final_logit_softcapping": cfg.final_softcap}
    seen: dict[int, list[torch.Tensor]] = {}
    last: list[torch.Tensor] = []
    head = model.w["model.embed_tokens.weight"] if cfg.tied else model.w["lm_head.weight"]
    for ids in prompts:
        model.scores_seen = []
        last.append((model.hidden(ids)[-1] @ head.T).abs())
        for n, scores, mask in model.scores_seen:
            seen.setdefault(n, []).append(scores[torch.isfinite(mask).expand_as(scores)].abs())
    model.scores_seen = None
    if cfg.attn_softcap is not None:
        cap = cfg.attn_softcap
        out["attention_scores"] = [
            {"layer": n, "sliding": cfg.sliding_layers[n], "max_abs": r6(a.max()), "p99_abs": r6(torch.quantile(a, 0.99)),
             "fraction_beyond_half_cap": r6((a > cap / 2).double().mean()), "fraction_beyond_cap": r6((a > cap).double().mean())}
            for n, a in ((n, torch.cat(v)) for n, v in sorted(seen.items()))
        ]  # fmt: skip
    if cfg.final_softcap is not None:
        z, cap = torch.cat(last), cfg.final_softcap
        out["last_position_logits"] = {"max_abs": r6(z.max()), "fraction_beyond_half_cap": r6((z > cap / 2).double().mean()),
                                       "fraction_beyond_cap": r6((z > cap).double().mean())}  # fmt: skip
    return out


def cmd_generate(args: argparse.Namespace) -> None:
    out = Path(args.out)
    tok, tj = build_tokenizer()
    tcfg = tokenizer_config(tok)
    V = tok.size
    # Round-trip our own tokenizer.json through the loader, so `score` reads what we wrote.
    with tempfile.TemporaryDirectory() as tmp:
        write_json(Path(tmp) / "tokenizer.json", tj, compact=True)
        tok2 = BpeTokenizer.from_json(Path(tmp) / "tokenizer.json")

    convs = []
    for conv in CONVERSATIONS:
        text = render_chat(CHAT_TEMPLATE, conv["messages"], conv.get("tools"), True, special_tokens(tcfg))
        ids = tok.encode(text)
        if tok2.encode(text) != ids:
            raise RefError("tokenizer.json round trip changed the encoding")
        if tok.decode(ids) != text:
            raise RefError(f"conversation {conv['name']}: decode(encode(text)) != text")
        if len(ids) + 8 > tcfg["model_max_length"]:
            raise RefError(f"conversation {conv['name']}: {len(ids)} tokens + 8 generated exceed model_max_length {tcfg['model_max_length']}")
        convs.append({**conv, "add_generation_prompt": True, "text": text, "token_ids": ids})

    tokenizer_cases = []
    for text in TOKENIZER_CASES:
        ids = tok.encode(text)
        if tok.decode(ids) != unicodedata.normalize("NFC", text):
            raise RefError(f"tokenizer case {text!r}: decode(encode(text)) != NFC(text)")
        tokenizer_cases.append({"text": text, "token_ids": ids})

    if out.exists():
        for child in out.iterdir():
            if child.is_dir() and child.name != "export":  # export/: written by test/open-weights/export-fixture.ts
                shutil.rmtree(child)
    out.mkdir(parents=True, exist_ok=True)
    models: dict[str, Any] = {}
    chosen: dict[str, int] = {}  # cases that share weights (qwen2 / qwen2-sharded) share the seed found first
    for case in cases(tok):
        case_dir = out / case.name
        longest = max(len(c["token_ids"]) for c in convs) + 8
        if longest > case.config["max_position_embeddings"]:
            raise RefError(f"{case.name}: max_position_embeddings {case.config['max_position_embeddings']} < longest prompt + 8 = {longest}")
        key = json.dumps(case.config, sort_keys=True) + str(case.seed)
        seeds = [chosen[key]] if key in chosen else range(case.seed, case.seed + SEED_TRIES)
        rejected: list[str] = []
        for seed in seeds:
            if case_dir.exists():
                shutil.rmtree(case_dir)
            cfg = ModelConfig.from_dict(case.config, f"{case.name}/config.json")
            weights = init_weights(cfg, seed)
            write_case(case, case_dir, tj, tcfg, weights)
            try:
                entry = evaluate_case(case, case_dir, weights, convs, tok)
                break
            except Rejected as e:
                rejected.append(f"seed {seed}: {e}")
        else:
            raise RefError(f"{case.name}: no seed gives a well-conditioned fixture: " + "; ".join(rejected))
        chosen[key] = seed
        models[case.name] = {"dir": case.name, "architecture": case.config["architectures"][0], "covers": case.covers, "seed": seed, "rejected_seeds": rejected, **entry}
        print(
            f"{case.name:14s} {entry['weights_bytes'] / 1024:6.1f} KiB  seed {seed}  entropy {entry['mean_last_entropy']:.2f}/{math.log(V):.2f}  "
            f"min margin {entry['min_greedy_margin']:.3f}  f32 diff {entry['f32_vs_f64_max_abs_diff']:.1e}  sensitivity {entry['sensitivity_max_abs_diff']}",
            file=sys.stderr,
        )
    reference = {
        "generator": {
            "script": "packages/engine/scripts/hf_reference.py",
            "command": command_line(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torch_debian_package": debian_version("python3-torch"),
            "jinja2": jinja2.__version__,
            "compute_dtype": "float64 on the stored bf16 weights",
            "notes": "last_logprobs: log-softmax over the whole vocabulary at the last prompt position (6 decimals). "
            "greedy: argmax decoding of up to 8 tokens, stopping after an eos_token_id of generation_config.json "
            "(the eos token is listed but not in text). prompt_logprobs[t] = log p(token_ids[t] | token_ids[:t]).",
        },
        "tokenizer": {"vocab_size": V, "merges": len(tok.merges), "added_tokens": [a.__dict__ for a in tok.added]},
        "tokenizer_cases": tokenizer_cases,
        "teacher_forcing_conversation": TEACHER_FORCING,
        "conversations": convs,
        "models": models,
    }
    write_json(out / "reference.json", reference, compact=False)
    print(f"wrote {out} (vocab {V}, {len(tok.merges)} merges)", file=sys.stderr)


# ----------------------------------------------------------------------------
# selftest: the parts the fixtures do not exercise (f16/f32, adapters, bad files)
# ----------------------------------------------------------------------------


def cmd_selftest(args: argparse.Namespace) -> None:
    src = Path(args.fixtures) / "qwen3"
    conv_file = Path(args.fixtures) / "reference.json"
    cfg, weights = load_model(src)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        # bf16 writer agrees with torch's own rounding
        x = torch.randn(1000, dtype=torch.float32) * 3
        mine = torch.from_numpy(bf16_bits_to_f32(f32_to_bf16_bits(x.numpy())))
        assert torch.equal(mine, x.to(torch.bfloat16).to(torch.float32)), "bf16 rounding differs from torch"
        # f32 and f16 copies load and score like the bf16 original (f16 holds these bf16 values almost exactly)
        for dt in ("F32", "F16"):
            d = t / dt
            shutil.copytree(src, d)
            (d / "model.safetensors").unlink()
            write_safetensors(d / "model.safetensors", weights, dt)
            _, w2 = load_model(d)
            diff = max(float((w2[k] - weights[k]).abs().max()) for k in weights)
            assert diff < (1e-12 if dt == "F32" else 2e-2), (dt, diff)
        # A LoRA adapter: merged in float64 by apply_lora == a LoRA branch computed separately == a merged f32 checkpoint
        g = torch.Generator().manual_seed(7)
        r, alpha = 4, 8
        adapter = t / "adapter"
        adapter.mkdir()
        lora: dict[str, torch.Tensor] = {}
        for n in range(cfg.layers):
            for proj in ("q_proj", "v_proj", "down_proj"):
                mod = f"model.layers.{n}.{'mlp' if proj == 'down_proj' else 'self_attn'}.{proj}"
                W = weights[mod + ".weight"]
                lora[f"base_model.model.{mod}.lora_A.weight"] = 0.2 * torch.randn(r, W.shape[1], generator=g, dtype=torch.float64)
                lora[f"base_model.model.{mod}.lora_B.weight"] = 0.2 * torch.randn(W.shape[0], r, generator=g, dtype=torch.float64)
        write_safetensors(adapter / "adapter_model.safetensors", lora, "F32")
        write_json(adapter / "adapter_config.json", {"peft_type": "LORA", "r": r, "lora_alpha": alpha, "target_modules": ["q_proj", "v_proj", "down_proj"], "fan_in_fan_out": False, "bias": "none", "base_model_name_or_path": str(src)})
        merged, info = apply_lora(weights, adapter)
        assert info["scale"] == alpha / r and info["modules"] == 3 * cfg.layers
        ids = read_json(conv_file)["conversations"][2]["token_ids"]
        base_lp = log_softmax(Model(cfg, weights).logits(ids))
        merged_lp = log_softmax(Model(cfg, merged).logits(ids))
        lora32 = {k: v.to(torch.float32).to(torch.float64) for k, v in lora.items()}
        branch = LoraBranchModel(cfg, weights, lora32, alpha / r)
        branch_lp = log_softmax(branch.logits(ids))
        assert float((merged_lp - branch_lp).abs().max()) < 1e-9, "merge != branch"
        assert float((merged_lp - base_lp).abs().max()) > 0.05, "adapter has no effect"
        mdir = t / "merged"
        shutil.copytree(src, mdir)
        (mdir / "model.safetensors").unlink()
        write_safetensors(mdir / "model.safetensors", merged, "F32")
        cfg3, w3 = load_model(mdir)
        diff = float((log_softmax(Model(cfg3, w3).logits(ids)) - merged_lp).abs().max())
        assert diff < 1e-4, f"merged f32 checkpoint differs by {diff}"
        # Bad inputs are refused with the file named
        bad = t / "bad"
        shutil.copytree(src, bad)
        data = (bad / "model.safetensors").read_bytes()
        (bad / "model.safetensors").write_bytes(data[:-10])
        expect_error(lambda: load_model(bad), "model.safetensors")
        (bad / "model.safetensors").write_bytes(data)
        c = read_json(bad / "config.json")
        write_json(bad / "config.json", {**c, "intermediate_size": 128})
        expect_error(lambda: load_model(bad), "mlp.gate_proj.weight")
        write_json(bad / "config.json", {**c, "model_type": "gpt2"})
        expect_error(lambda: load_model(bad), "model_type")
        # Gemma 3: what the config derives and what it refuses
        gsrc = Path(args.fixtures) / "gemma3"
        gcfg, gw = load_model(gsrc)
        assert gcfg.sliding_layers == [True, False] and gcfg.sliding_window == 8 and gcfg.qk_norm and gcfg.tied
        gbad = t / "gemma3"
        shutil.copytree(gsrc, gbad)
        gc = read_json(gbad / "config.json")
        # without layer_types, layer i is full attention when (i + 1) % sliding_window_pattern == 0 (default 6)
        for extra, want in (({"sliding_window_pattern": 2}, [True, False]), ({"sliding_window_pattern": 1}, [False, False]), ({}, [True, True])):
            d = {k: v for k, v in gc.items() if k not in ("layer_types", "sliding_window_pattern")}
            assert ModelConfig.from_dict({**d, **extra}, "gemma3").sliding_layers == want, extra
        # a window covering the whole prompt is plain causal attention; linear rope_scaling divides the positions
        full = Model(ModelConfig(**{**gcfg.__dict__, "sliding_window": len(ids)}), gw).logits(ids)
        assert float((full - Model(gcfg, gw, mutation="no_sliding_window").logits(ids)).abs().max()) < 1e-12
        assert float((full - Model(gcfg, gw).logits(ids)).abs().max()) > 0.05, "the sliding window changes nothing"
        lin = ModelConfig.from_dict({**gc, "rope_scaling": {"rope_type": "linear", "factor": 8.0}}, "gemma3")
        assert torch.equal(rope_inv_freq(lin), rope_inv_freq(gcfg) / 8.0)
        m_lin = Model(lin, gw)
        assert torch.equal(m_lin.inv_freq_local, Model(gcfg, gw).inv_freq_local), "rope_scaling reached the sliding layers"
        for key, value, needle in (
            ("attn_logit_softcapping", 50.0, "attn_logit_softcapping"),
            ("final_logit_softcapping", 30.0, "final_logit_softcapping"),
            ("rope_scaling", {"rope_type": "yarn", "factor": 8.0}, "rope_scaling"),
            ("hidden_activation", "gelu", "hidden_activation"),
            ("layer_types", ["sliding_attention"], "layer_types"),
        ):
            write_json(gbad / "config.json", {**gc, key: value})
            expect_error(lambda: load_model(gbad), needle)
        write_json(gbad / "config.json", gc)
        (gbad / "model.safetensors").unlink()
        write_safetensors(gbad / "model.safetensors", {k: v for k, v in gw.items() if "pre_feedforward_layernorm" not in k})
        expect_error(lambda: load_model(gbad), "pre_feedforward_layernorm")
        figures = selftest_phi3(Path(args.fixtures), t, read_json(conv_file)["conversations"])
        g2_figures = selftest_gemma2(Path(args.fixtures), t, read_json(conv_file)["conversations"])
        gr_figures = selftest_granite(Path(args.fixtures), t, read_json(conv_file)["conversations"])
    print("selftest ok: bf16 rounding, f32/f16 checkpoints, LoRA merge == LoRA branch == merged f32 export, bad files refused, "
          "gemma3 layer types / sliding window / linear RoPE / refusals, phi3 longrope switch / partial rotary / fused "
          "layout == Llama / sliding window / refusals, gemma2 defaults / layer types / window convention / soft-caps / "
          "refusals, granite defaults / unit scalars == Llama / residual rescaling / logits / refusals", file=sys.stderr)
    print("phi3 deliberate mistakes, max |delta log p| over every position of the 5 prompts: "
          + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()), file=sys.stderr)
    print("gemma2 deliberate mistakes, max |delta log p| over every position of the 5 prompts: "
          + ", ".join(f"{k} {v:.2f}" for k, v in g2_figures.items()), file=sys.stderr)
    print("granite deliberate mistakes, max |delta log p| over every position of the 5 prompts: "
          + ", ".join(f"{k} {v:.2f}" for k, v in gr_figures.items()), file=sys.stderr)


PHI3_MISTAKES = ("rotary_full_head", "rotary_pair_head_half", "no_attention_factor", "rope_long_factor", "no_sliding_window",
                 "qkv_order_kqv", "gate_up_swapped", "rope_interleaved", "rope_no_scaling")  # fmt: skip


def selftest_phi3(fixtures: Path, tmp: Path, convs: list[dict]) -> dict[str, float]:
    """Phi-3: what the config derives, the longrope switch, an independent rotation, the fused layout against the
    Llama path, the sliding window, the deliberate mistakes (returns their figures) and the refusals."""
    src = fixtures / "phi3"
    cfg, w = load_model(src)
    pc = read_json(src / "config.json")
    rs = cfg.rope_scaling
    assert cfg.phi3 and cfg.rotary_dim == 8 and cfg.head_dim == 16 and cfg.tied and not cfg.attention_bias
    assert cfg.sliding_layers == [True, True] and cfg.sliding_window == 12
    assert rs is not None and rs["original_max_position_embeddings"] == 256
    assert rs["attention_factor"] == math.sqrt(1 + math.log(1024 / 256) / math.log(256))
    ids = [c["token_ids"] for c in convs]
    assert max(len(i) for i in ids) + 7 <= 256, "a fixture prompt reaches past original_max_position_embeddings"
    model = Model(cfg, w)
    # long_factor exactly when the sequence (max position + 1) is longer than original_max_position_embeddings
    small = ModelConfig(**{**cfg.__dict__, "rope_scaling": {**rs, "original_max_position_embeddings": 32}})
    assert torch.equal(longrope_inv_freq(small, 32), 1.0 / (torch.tensor(rs["short_factor"], dtype=torch.float32) * 10000.0 ** (torch.arange(0, 8, 2, dtype=torch.float32) / 8)))
    assert torch.equal(longrope_inv_freq(small, 33), 1.0 / (torch.tensor(rs["long_factor"], dtype=torch.float32) * 10000.0 ** (torch.arange(0, 8, 2, dtype=torch.float32) / 8)))
    for n, same in ((32, False), (33, True)):
        d = float((Model(small, w).logits(ids[4][:n]) - Model(small, w, mutation="rope_long_factor").logits(ids[4][:n])).abs().max())
        assert (d < 1e-12) if same else (d > 0.05), (n, d)
    # the rotation, independently: the pair (i, i + rotary_dim/2) is a complex number turned by pos * inv_freq_i and
    # scaled by the attention factor; dims rotary_dim .. head_dim - 1 pass through
    T = 40
    x = torch.randn(cfg.heads, T, cfg.head_dim, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    freqs, cos, sin, af = model.phi3_rope(torch.arange(T, dtype=torch.float32))
    z = torch.complex(x[..., :4], x[..., 4:8]) * torch.polar(torch.full((T, 4), af, dtype=torch.float64), freqs.to(torch.float64))
    want = torch.cat((z.real, z.imag, x[..., 8:]), dim=-1)
    assert float((model.phi3_apply_rope(x, freqs, cos, sin, af) - want).abs().max()) < 1e-5
    # fused layout: with full rotary, no rope_scaling and no window, Phi-3 is Llama with qkv_proj / gate_up_proj split
    plain = ModelConfig.from_dict({**pc, "partial_rotary_factor": 1.0, "rope_scaling": None, "sliding_window": None}, "phi3")
    assert plain.rotary_dim == 16 and plain.rope_scaling is None and not any(plain.sliding_layers)
    llama_w = {k: v for k, v in w.items() if "qkv_proj" not in k and "gate_up_proj" not in k}
    nq, nkv = cfg.heads * cfg.head_dim, cfg.kv_heads * cfg.head_dim
    for n in range(cfg.layers):
        p = f"model.layers.{n}."
        q, k, v = w[p + "self_attn.qkv_proj.weight"].split([nq, nkv, nkv])
        llama_w |= {p + "self_attn.q_proj.weight": q, p + "self_attn.k_proj.weight": k, p + "self_attn.v_proj.weight": v}
        gate, up = w[p + "mlp.gate_up_proj.weight"].chunk(2)
        llama_w |= {p + "mlp.gate_proj.weight": gate, p + "mlp.up_proj.weight": up}
    llama = ModelConfig(**{**plain.__dict__, "model_type": "llama", "rotary_dim": None, "sliding_layers": [False] * cfg.layers})
    d = float((Model(plain, w).logits(ids[2]) - Model(llama, llama_w).logits(ids[2])).abs().max())
    assert d < 1e-10, f"phi3 fused layout differs from the llama path by {d}"
    # a window covering the sequence is plain causal attention; this one matters
    full = Model(ModelConfig(**{**cfg.__dict__, "sliding_window": len(ids[2])}), w).logits(ids[2])
    assert float((full - Model(cfg, w, mutation="no_sliding_window").logits(ids[2])).abs().max()) < 1e-12
    assert float((full - model.logits(ids[2])).abs().max()) > 0.05, "the sliding window changes nothing"
    # what the config derives: defaults, aliases and the attention factor
    base = {k: v for k, v in pc.items() if k not in ("partial_rotary_factor", "original_max_position_embeddings", "sliding_window")}
    c0 = ModelConfig.from_dict({**base, "rope_scaling": None}, "phi3")
    assert c0.rotary_dim == 16 and c0.rope_scaling is None and c0.sliding_window is None and c0.rope_theta == 10000.0
    assert ModelConfig.from_dict({**pc, "rope_scaling": {**pc["rope_scaling"], "type": "su"}}, "phi3").rope_scaling == rs
    assert ModelConfig.from_dict({**pc, "rope_scaling": {**pc["rope_scaling"], "factor": 4.0}}, "phi3").rope_scaling == rs
    assert ModelConfig.from_dict({**pc, "rope_scaling": {**pc["rope_scaling"], "attention_factor": 1.5}}, "phi3").rope_scaling["attention_factor"] == 1.5
    assert ModelConfig.from_dict({**pc, "max_position_embeddings": 256}, "phi3").rope_scaling["attention_factor"] == 1.0
    # without original_max_position_embeddings, Phi3Config's default 4096 applies (here > 1024: factor < 1, af 1)
    assert ModelConfig.from_dict({k: v for k, v in pc.items() if k != "original_max_position_embeddings"}, "phi3").rope_scaling["original_max_position_embeddings"] == 4096
    # the deliberate mistakes
    figures = {}
    right = [log_softmax(model.logits(i)) for i in ids]
    for mutation in PHI3_MISTAKES:
        wrong = Model(cfg, w, mutation=mutation)
        figures[mutation] = max(float((log_softmax(wrong.logits(i)) - r).abs().max()) for i, r in zip(ids, right))
        assert figures[mutation] >= MIN_MUTATION_DIFF, (mutation, figures[mutation])
    # refusals
    bad = tmp / "phi3"
    shutil.copytree(src, bad)
    for key, value, needle in (
        ("rope_scaling", {"rope_type": "linear", "factor": 4.0}, "rope_scaling.rope_type"),
        ("rope_scaling", {"rope_type": "dynamic", "factor": 4.0}, "rope_scaling.rope_type"),
        ("rope_scaling", {"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0}, "rope_scaling.rope_type"),
        ("rope_scaling", {**pc["rope_scaling"], "short_factor": [1.0, 1.0, 1.0]}, "rope_scaling.short_factor"),
        ("rope_scaling", {"type": "longrope", "short_factor": [1.0] * 4}, "rope_scaling.long_factor"),
        ("rope_scaling", {**pc["rope_scaling"], "long_factor": [1.0, 0.0, 1.0, 1.0]}, "rope_scaling.long_factor[1]"),
        ("rope_scaling", {**pc["rope_scaling"], "factor": 32.0}, "rope_scaling.factor"),
        ("rope_parameters", {"rope_type": "default", "rope_theta": 10000.0}, "rope_parameters"),
        ("partial_rotary_factor", 0.0625, "partial_rotary_factor"),
        ("partial_rotary_factor", 1.5, "partial_rotary_factor"),
        ("head_dim", 32, "head_dim"),
        ("attention_bias", True, "attention_bias"),
        ("mlp_bias", True, "mlp_bias"),
        ("full_attn_mod", 2, "full_attn_mod"),
        ("sliding_window", 0, "sliding_window"),
        ("hidden_act", "gelu", "hidden_act"),
    ):
        write_json(bad / "config.json", {**pc, key: value})
        expect_error(lambda: load_model(bad), needle)
    write_json(bad / "config.json", pc)
    (bad / "model.safetensors").unlink()
    write_safetensors(bad / "model.safetensors", llama_w)  # unfused q/k/v and gate/up tensors
    expect_error(lambda: load_model(bad), "qkv_proj")
    return figures


GEMMA2_MISTAKES = ("no_attn_softcap", "no_final_softcap", "attn_softcap_after_mask", "sliding_layers_swapped",
                   "no_sliding_window", "scale_head_dim", "norm_no_plus_one", "no_embed_scale", "no_post_norms")  # fmt: skip


def selftest_gemma2(fixtures: Path, tmp: Path, convs: list[dict]) -> dict[str, float]:
    """Gemma 2: Gemma2Config's defaults and layer types, the window convention checked against shorter inputs, the
    soft-caps against uncapped arithmetic, the deliberate mistakes (returns their figures) and the refusals."""
    src = fixtures / "gemma2"
    cfg, w = load_model(src)
    gc = read_json(src / "config.json")
    assert cfg.gemma and not cfg.qk_norm and cfg.tied and cfg.head_dim == 32 and cfg.query_pre_attn_scalar == 24.0
    assert cfg.sliding_layers == [True, False] and cfg.sliding_window == 8 and "layer_types" not in gc
    assert cfg.attn_softcap == 7.0 and cfg.final_softcap == 15.0 and cfg.rope_theta == cfg.rope_local_theta == 10000.0
    ids = [c["token_ids"] for c in convs]
    model = Model(cfg, w)
    # Gemma2Config's defaults; layer_types absent: layers 0, 2, 4, ... slide; given: followed
    keep = {k: v for k, v in gc.items() if k not in ("head_dim", "query_pre_attn_scalar", "rope_theta", "sliding_window",
                                                     "tie_word_embeddings", "attn_logit_softcapping", "final_logit_softcapping")}  # fmt: skip
    d = ModelConfig.from_dict(keep, "gemma2")
    assert (d.head_dim, d.query_pre_attn_scalar, d.rope_theta, d.sliding_window, d.tied) == (256, 256.0, 10000.0, 4096, True)
    assert (d.attn_softcap, d.final_softcap) == (50.0, 30.0)
    assert ModelConfig.from_dict({**gc, "num_hidden_layers": 5}, "gemma2").sliding_layers == [True, False, True, False, True]
    for lt in (["full_attention", "sliding_attention"], ["sliding_attention", "sliding_attention"]):
        assert ModelConfig.from_dict({**gc, "layer_types": lt}, "gemma2").sliding_layers == [t == "sliding_attention" for t in lt]
    nocap = ModelConfig.from_dict({**gc, "attn_logit_softcapping": None, "final_logit_softcapping": None}, "gemma2")
    assert nocap.attn_softcap is None and nocap.final_softcap is None
    assert ModelConfig.from_dict({**gc, "rope_scaling": {"rope_type": "default"}}, "gemma2").rope_scaling is None
    # soft-caps: huge caps are no caps; without them the output differs; capped logits stay within +-cap
    huge = Model(ModelConfig(**{**cfg.__dict__, "attn_softcap": 1e12, "final_softcap": 1e12}), w).logits(ids[2])
    assert float((huge - Model(nocap, w).logits(ids[2])).abs().max()) < 1e-9
    capped = model.logits(ids[2])
    assert float(capped.abs().max()) < cfg.final_softcap and float((capped - huge).abs().max()) > 0.05
    # the window, independently: a 1-layer model (layer 0, sliding) gives position i what full causal attention gives
    # the last of the sliding_window tokens i - 7 .. i alone (RoPE scores depend on i - j only), i.e. i - w < j <= i
    one = ModelConfig(**{**cfg.__dict__, "layers": 1, "sliding_layers": [True], "rope_layers": [True]})
    x = ids[4]
    full = Model(one, w).logits(x)
    wide = Model(ModelConfig(**{**one.__dict__, "sliding_window": 9}), w).logits(x)
    causal = Model(one, w, mutation="no_sliding_window")
    worst = 0.0
    for i in range(7, len(x), 13):
        worst = max(worst, float((full[i] - causal.logits(x[i - 7 : i + 1])[-1]).abs().max()))
    assert worst < 1e-4, f"gemma2 sliding window: position i differs from its last 8 tokens alone by {worst}"
    assert float((full - wide).abs().max()) > 0.05, "a window of 9 scores like a window of 8"
    # a window covering the whole prompt is plain causal attention; this one matters
    whole = Model(ModelConfig(**{**cfg.__dict__, "sliding_window": len(ids[2])}), w).logits(ids[2])
    assert float((whole - Model(cfg, w, mutation="no_sliding_window").logits(ids[2])).abs().max()) < 1e-12
    assert float((whole - capped).abs().max()) > 0.05, "the sliding window changes nothing"
    # the deliberate mistakes
    figures = {}
    right = [log_softmax(model.logits(i)) for i in ids]
    for mutation in GEMMA2_MISTAKES:
        wrong = Model(cfg, w, mutation=mutation)
        figures[mutation] = max(float((log_softmax(wrong.logits(i)) - r).abs().max()) for i, r in zip(ids, right))
        assert figures[mutation] >= MIN_MUTATION_DIFF, (mutation, figures[mutation])
    # refusals
    bad = tmp / "gemma2"
    shutil.copytree(src, bad)
    for key, value, needle in (
        ("attn_logit_softcapping", 0.0, "attn_logit_softcapping"),
        ("attn_logit_softcapping", "50", "attn_logit_softcapping"),
        ("final_logit_softcapping", -30.0, "final_logit_softcapping"),
        ("final_logit_softcapping", True, "final_logit_softcapping"),
        ("rope_scaling", {"rope_type": "linear", "factor": 2.0}, "rope_scaling"),
        ("rope_scaling", {"rope_type": "dynamic", "factor": 2.0}, "rope_scaling"),
        ("rope_parameters", {"rope_type": "default", "rope_theta": 10000.0}, "rope_parameters"),
        ("hidden_activation", "gelu", "hidden_activation"),
        ("attention_bias", True, "attention_bias"),
        ("use_bidirectional_attention", True, "use_bidirectional_attention"),
        ("layer_types", ["sliding_attention"], "layer_types"),
        ("layer_types", ["sliding_attention", "chunked_attention"], "layer_types"),
        ("sliding_window", 0, "sliding_window"),
        ("sliding_window", None, "sliding_window"),
        ("query_pre_attn_scalar", 0, "query_pre_attn_scalar"),
        ("architectures", ["Gemma3ForCausalLM"], "architectures"),
    ):
        write_json(bad / "config.json", {**gc, key: value})
        expect_error(lambda: load_model(bad), needle)
    write_json(bad / "config.json", gc)
    (bad / "model.safetensors").unlink()
    write_safetensors(bad / "model.safetensors", {k: v for k, v in w.items() if "pre_feedforward_layernorm" not in k})
    expect_error(lambda: load_model(bad), "pre_feedforward_layernorm")
    (bad / "model.safetensors").unlink()
    qk = {f"model.layers.{n}.self_attn.{t}_norm.weight": torch.zeros(cfg.head_dim, dtype=torch.float64) for n in range(2) for t in "qk"}
    write_safetensors(bad / "model.safetensors", {**w, **qk})  # Gemma 3's q/k norms: Gemma2Attention has none
    expect_error(lambda: load_model(bad), "self_attn.k_norm.weight")
    return figures


GRANITE_MISTAKES = ("no_embedding_multiplier", "no_attention_multiplier", "scale_head_dim", "no_residual_multiplier",
                    "residual_multiplier_on_stream", "no_logits_scaling", "logits_scaling_multiplied")  # fmt: skip


def selftest_granite(fixtures: Path, tmp: Path, convs: list[dict]) -> dict[str, float]:
    """Granite: GraniteConfig's defaults, the four scalars against the Llama path and against an equivalent
    rescaling, the deliberate mistakes (returns their figures) and the refusals."""
    src = fixtures / "granite"
    cfg, w = load_model(src)
    gc = read_json(src / "config.json")
    assert cfg.granite and cfg.tied and cfg.head_dim == 16 and not cfg.attention_bias and not cfg.o_bias and not cfg.mlp_bias
    assert {k: getattr(cfg, k) for k in GRANITE_MULTIPLIERS} == GRANITE_FIXTURE and cfg.rope_scaling is None
    ids = [c["token_ids"] for c in convs]
    model = Model(cfg, w)
    # GraniteConfig's defaults: each scalar 1.0 (so unscaled attention scores, not head_dim**-0.5), untied, rope_theta 1e4
    keep = {k: v for k, v in gc.items() if k not in (*GRANITE_MULTIPLIERS, "tie_word_embeddings", "rope_theta")}
    d = ModelConfig.from_dict(keep, "granite")
    assert all(getattr(d, k) == 1.0 for k in GRANITE_MULTIPLIERS) and not d.tied and d.rope_theta == 10000.0
    assert ModelConfig.from_dict({**gc, "rope_scaling": {"rope_type": "default"}}, "granite").rope_scaling is None
    assert ModelConfig.from_dict({**gc, "head_dim": 16, "embedding_multiplier": 3}, "granite").embedding_multiplier == 3.0
    # with embedding / residual / logits 1 and attention_multiplier head_dim**-0.5, Granite is the Llama path
    plain = ModelConfig(**{**cfg.__dict__, "embedding_multiplier": 1.0, "residual_multiplier": 1.0, "logits_scaling": 1.0,
                           "attention_multiplier": cfg.head_dim**-0.5})  # fmt: skip
    llama = ModelConfig(**{**plain.__dict__, "model_type": "llama"})
    diff = float((Model(plain, w).logits(ids[2]) - Model(llama, w).logits(ids[2])).abs().max())
    assert diff < 1e-12, f"granite with unit scalars differs from the llama path by {diff}"
    # the residual multiplier, independently: RMSNorm ignores the scale of its input (exactly with eps 0), so
    # x + r * f(norm(x)) from embeddings e * m is r times the stream of x + f(norm(x)) from e * m / r, and the final
    # norm removes r: the same log-probabilities. The stream scaled instead (x * r + f) is not such a rescaling
    no_eps = ModelConfig(**{**cfg.__dict__, "eps": 0.0})
    r = cfg.residual_multiplier
    rescaled = ModelConfig(**{**no_eps.__dict__, "residual_multiplier": 1.0, "embedding_multiplier": cfg.embedding_multiplier / r})
    a, b = Model(no_eps, w).logits(ids[2]), Model(rescaled, w).logits(ids[2])
    diff = float((a - b).abs().max())
    assert diff < 1e-9, f"granite residual_multiplier is not the rescaling it should be: {diff}"
    assert float((a - Model(no_eps, w, mutation="residual_multiplier_on_stream").logits(ids[2])).abs().max()) > 0.05
    # the logits, independently: log-softmax of (the head's output / logits_scaling)
    head = w["model.embed_tokens.weight"]
    want = log_softmax(model.hidden(ids[2]) @ head.T / cfg.logits_scaling)
    assert float((log_softmax(model.logits(ids[2])) - want).abs().max()) < 1e-12
    # the deliberate mistakes
    figures = {}
    right = [log_softmax(model.logits(i)) for i in ids]
    for mutation in GRANITE_MISTAKES:
        wrong = Model(cfg, w, mutation=mutation)
        figures[mutation] = max(float((log_softmax(wrong.logits(i)) - lp).abs().max()) for i, lp in zip(ids, right))
        assert figures[mutation] >= MIN_MUTATION_DIFF, (mutation, figures[mutation])
    # refusals
    bad = tmp / "granite"
    shutil.copytree(src, bad)
    refusals: list[tuple[str, Any, str]] = [
        ("attention_bias", True, "attention_bias"),
        ("mlp_bias", True, "mlp_bias"),
        ("head_dim", 32, "head_dim"),
        ("rope_scaling", {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                          "original_max_position_embeddings": 64}, "rope_scaling"),
        ("rope_scaling", {"rope_type": "linear", "factor": 2.0}, "rope_scaling"),
        ("rope_scaling", {"type": "dynamic", "factor": 2.0}, "rope_scaling"),
        ("rope_parameters", {"rope_type": "default", "rope_theta": 10000000.0}, "rope_parameters"),
        ("hidden_act", "gelu", "hidden_act"),
        ("architectures", ["LlamaForCausalLM"], "architectures"),
    ]  # fmt: skip
    for key in GRANITE_MULTIPLIERS:
        refusals += [(key, v, key) for v in (0.0, -1.0, None, "8.0", True, math.inf)]  # inf: written as Infinity
    for key, value, needle in refusals:
        write_json(bad / "config.json", {**gc, key: value})
        expect_error(lambda: load_model(bad), needle)
    write_json(bad / "config.json", {k: v for k, v in gc.items() if k != "tie_word_embeddings"})  # GraniteConfig: untied
    expect_error(lambda: load_model(bad), "lm_head.weight")
    write_json(bad / "config.json", gc)
    (bad / "model.safetensors").unlink()
    write_safetensors(bad / "model.safetensors", {**w, "model.layers.0.self_attn.q_proj.bias": torch.zeros(64, dtype=torch.float64)})
    expect_error(lambda: load_model(bad), "self_attn.q_proj.bias")
    return figures


def expect_error(fn: Any, needle: str) -> None:
    try:
        fn()
    except RefError as e:
        assert needle in str(e), f"error {e} does not name {needle}"
        return
    raise AssertionError(f"expected an error naming {needle}")


class LoraBranchModel(Model):
    """The unmerged PEFT forward: base(x) + scale · B(A(x)) for each adapted module."""

    def __init__(self, cfg: ModelConfig, weights: dict[str, torch.Tensor], lora: dict[str, torch.Tensor], scale: float):
        super().__init__(cfg, weights)
        self.lora = lora
        self.scale = scale

    def linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        y = super().linear(x, name)
        a = self.lora.get(f"base_model.model.{name}.lora_A.weight")
        if a is not None:
            y = y + self.scale * ((x @ a.T) @ self.lora[f"base_model.model.{name}.lora_B.weight"].T)
        return y


def cmd_embed(args: argparse.Namespace) -> None:
    """Text embeddings as the engine defines them (hf/embed.ts): the mean of the final hidden states over the
    input's tokens, scaled to unit length; in float64 from the stored weights."""
    model_dir = Path(args.model)
    cfg, weights = load_model(model_dir)
    model = Model(cfg, weights)
    inputs_path = Path(args.inputs)
    inputs = read_json(inputs_path)
    if not isinstance(inputs, list) or not all(isinstance(ids, list) and ids and all(isinstance(i, int) for i in ids) for ids in inputs):
        raise RefError(f"{inputs_path}: expected a list of non-empty lists of token ids")
    vectors = []
    for ids in inputs:
        mean = model.hidden(ids).mean(dim=0)
        vectors.append([r6(float(v)) for v in mean / mean.norm()])
    print(json.dumps({"model": model_dir.name, "inputs": inputs, "vectors": vectors}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd")
    g = sub.add_parser("generate", help="write the fixtures (default)")
    g.add_argument("--out", default=str(FIXTURES))
    s = sub.add_parser("score", help="log-probabilities of a Hugging Face model directory")
    s.add_argument("--model", required=True, help="Hugging Face directory (config.json, *.safetensors, tokenizer.json, tokenizer_config.json)")
    s.add_argument("--adapter", help="PEFT LoRA directory (adapter_config.json, adapter_model.safetensors), merged as W + (alpha/r)·B·A")
    s.add_argument("--merged", action="store_true", help="no-op: a merged export is scored as --model")
    s.add_argument("--conversations", required=True, help="JSON: a list of {name?, messages, tools?} / {token_ids} / {text}, or an object with conversations (reference.json works)")
    s.add_argument("--max-new-tokens", type=int, default=8)
    s.add_argument("--top", type=int, default=5)
    s.add_argument("--compact", action="store_true", help="one-line JSON")
    e = sub.add_parser("embed", help="mean-pooled, unit-length final hidden states of token-id inputs")
    e.add_argument("--model", required=True, help="Hugging Face directory")
    e.add_argument("--inputs", required=True, help="JSON: a list of token-id lists")
    t = sub.add_parser("selftest", help="check f16/f32 loading, LoRA merging and error reporting")
    t.add_argument("--fixtures", default=str(FIXTURES))
    args = p.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    try:
        if args.cmd == "score":
            cmd_score(args)
        elif args.cmd == "embed":
            cmd_embed(args)
        elif args.cmd == "selftest":
            cmd_selftest(args)
        else:
            if args.cmd is None:
                args = p.parse_args(["generate", *sys.argv[1:]])
            cmd_generate(args)
    except RefError as e:
        sys.exit(f"hf_reference.py: {e}")


if __name__ == "__main__":
    main()
