#!/usr/bin/env python3
"""Peer for bench/open-weights.ts: a Llama-family decoder (Llama / SmolLM2, Qwen2) or Gemma 3's text model in plain
PyTorch on the CPU, with random weights in the shapes given, measuring what tunelab's engine measures.

Architecture (as Hugging Face's LlamaForCausalLM / Qwen2ForCausalLM in eager mode): RMSNorm (float32),
rotate_half RoPE, grouped-query attention (repeat_kv, plain matmul + softmax), SwiGLU MLP, tied or untied
output head, optional q/k/v bias.
With --gemma, as Gemma3ForCausalLM in eager mode: embeddings × --embed-scale (sqrt(hidden) in the weights' dtype);
RMSNorm scaled by (1 + w) (Gemma3RMSNorm; the weights are the offsets w); h = x + post_attention_layernorm(attn(
input_layernorm(x))), out = h + post_feedforward_layernorm(mlp(pre_feedforward_layernorm(h))); q_norm / k_norm over
each head's --head-dim before RoPE; scores × --attn-scale (query_pre_attn_scalar^-1/2); GeGLU (GELU, tanh); the
--sliding-layers attend to keys i - --sliding-window < j <= i only and rotate with base --rope-local-theta, the
others with --rope-theta.

--mode infer: greedy decoding under torch.no_grad() with a preallocated KV cache written in place (the
  engine's algorithm): prefill of a --prompt-token prompt (logits of its last token only), then --new single-token
  steps. Prints prefill and decode tokens/s (best of --repeats after one short warm-up).
--mode train: one LoRA step as PEFT does it (frozen base, adapters A [r, in], B [out, r] on all seven linear
  projections, y = x·Wᵀ + b + (alpha / r)·(x·Aᵀ)·Bᵀ, A uniform ±1/sqrt(in), B = 0), cross-entropy on every position
  (mean), backward, gradient-norm clipping at 1.0 and AdamW (β 0.9/0.999, ε 1e-8, no weight decay) on the adapters
  only: the engine's hf/lora/loop.ts step. The loss is taken --loss-chunk rows at a time as the engine does (256: the
  [rows, vocab] logits never exist whole; --full-logits for one cross_entropy over all rows, as HF's Trainer does,
  which for Qwen2.5's 151,936-word vocabulary and 2,048 rows holds ~5 GB of logits and their gradients).
  Prints tokens/s over --steps timed steps after --warmup steps.

--mode check: loads the weights of --weights (raw little-endian float32 in the order of Model.tensors(); Gemma's norms
  as Gemma stores them, the offsets w) and prints the prompt's (--ids) last-token logits and --new greedy tokens, so a
  test can check this peer computes what the engine computes on the same weights.

One JSON line on stdout; peak RSS from getrusage. Run with OpenBLAS (libopenblas0-openmp as the libblas.so.3
alternative), OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 and the CPU's OPENBLAS_CORETYPE (bench/lib/openblas-env.ts):
Debian's torch on the reference BLAS is ~30x slower and not a fair peer.
"""
import argparse
import json
import math
import resource
import time

import numpy as np
import torch
import torch.nn.functional as F

LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def blas_library():
    """The BLAS shared library mapped into this process (to show the peer runs on OpenBLAS)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        return sorted(libs)
    except OSError:
        return []


class Model:
    def __init__(self, a, seed):
        g = torch.Generator().manual_seed(seed)
        self.a = a
        self.hd = a.head_dim or a.hidden // a.heads
        # HF's `scaling`: head_dim^-1/2, or --attn-scale (Gemma: query_pre_attn_scalar^-1/2)
        self.scale = a.attn_scale or self.hd**-0.5
        self.sliding = {int(l) for l in a.sliding_layers.split(",") if l} if a.gemma else set()
        q, kv = a.heads * self.hd, a.kv_heads * self.hd
        self.shapes = {
            "q_proj": (q, a.hidden),
            "k_proj": (kv, a.hidden),
            "v_proj": (kv, a.hidden),
            "o_proj": (a.hidden, q),
            "gate_proj": (a.intermediate, a.hidden),
            "up_proj": (a.intermediate, a.hidden),
            "down_proj": (a.hidden, a.intermediate),
        }

        def uniform(*shape, mean=0.0, std=0.02):
            bound = std * math.sqrt(3)
            return torch.empty(*shape).uniform_(-bound, bound, generator=g).add_(mean)

        # Norm weights near 1; Gemma's are stored as offsets w for a scale of 1 + w, so near 0.
        norm_mean = 0.0 if a.gemma else 1.0
        self.embed = uniform(a.vocab, a.hidden)
        self.lm_head = self.embed if a.tied else uniform(a.vocab, a.hidden)
        self.norm = uniform(a.hidden, mean=norm_mean, std=0.1)
        self.layers = []
        for _ in range(a.layers):
            # post_norm: the MLP's input norm (Llama's post_attention_layernorm, Gemma's pre_feedforward_layernorm).
            layer = {"input_norm": uniform(a.hidden, mean=norm_mean, std=0.1), "post_norm": uniform(a.hidden, mean=norm_mean, std=0.1)}
            if a.gemma:
                # post_attention_layernorm and post_feedforward_layernorm (on the branches' outputs), q_norm, k_norm
                layer["attn_out_norm"] = uniform(a.hidden, mean=norm_mean, std=0.1)
                layer["mlp_out_norm"] = uniform(a.hidden, mean=norm_mean, std=0.1)
                layer["q_norm"] = uniform(self.hd, mean=norm_mean, std=0.1)
                layer["k_norm"] = uniform(self.hd, mean=norm_mean, std=0.1)
            for p in LINEAR:
                out, inn = self.shapes[p]
                layer[p] = uniform(out, inn)
                layer[p + ".bias"] = uniform(out) if a.qkv_bias and p in ("q_proj", "k_proj", "v_proj") else None
            self.layers.append(layer)
        self.cos, self.sin = self.rope_tables(a.rope_theta)
        # Gemma 3's local layers: their own RoPE base (rope_local_base_freq)
        self.cos_local, self.sin_local = self.rope_tables(a.rope_local_theta) if a.gemma else (self.cos, self.sin)
        self.lora = None

    def rope_tables(self, theta):
        inv_freq = 1.0 / (theta ** (torch.arange(0, self.hd, 2, dtype=torch.int64).float() / self.hd))
        freqs = torch.outer(torch.arange(self.a.positions, dtype=torch.float32), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos(), emb.sin()

    def tensors(self):
        """Every weight in a fixed order: embed, per layer (norms, Gemma's other norms, projections, q/k/v biases), norm,
        untied head."""
        out = [self.embed]
        for L in self.layers:
            out += [L["input_norm"], L["post_norm"]]
            if self.a.gemma:
                out += [L["attn_out_norm"], L["mlp_out_norm"], L["q_norm"], L["k_norm"]]
            out += [L[p] for p in LINEAR]
            out += [L[p + ".bias"] for p in ("q_proj", "k_proj", "v_proj") if L[p + ".bias"] is not None]
        out.append(self.norm)
        if not self.a.tied:
            out.append(self.lm_head)
        return out

    def load(self, path):
        data = torch.from_numpy(np.fromfile(path, dtype="<f4"))
        at = 0
        for t in self.tensors():
            n = t.numel()
            if at + n > data.numel():
                raise SystemExit(f"{path}: {data.numel()} floats, fewer than the shapes need")
            t.copy_(data[at : at + n].view_as(t))
            at += n
        if at != data.numel():
            raise SystemExit(f"{path}: {data.numel()} floats, the shapes need {at}")

    def add_lora(self, rank, alpha, seed):
        g = torch.Generator().manual_seed(seed)
        self.lora_scale = alpha / rank
        self.lora = []
        for _ in self.layers:
            per = {}
            for p in LINEAR:
                out, inn = self.shapes[p]
                bound = 1 / math.sqrt(inn)
                A = torch.empty(rank, inn).uniform_(-bound, bound, generator=g).requires_grad_(True)
                B = torch.zeros(out, rank).requires_grad_(True)
                per[p] = (A, B)
            self.lora.append(per)

    def adapter_params(self):
        return [t for per in self.lora for p in LINEAR for t in per[p]]

    def linear(self, l, p, x):
        L = self.layers[l]
        y = F.linear(x, L[p], L[p + ".bias"])
        if self.lora is not None:
            A, B = self.lora[l][p]
            y = y + F.linear(F.linear(x, A), B) * self.lora_scale
        return y

    def rmsnorm(self, x, w):
        x32 = x.to(torch.float32)
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.a.rms_eps)
        # Gemma3RMSNorm: the stored weight is an offset, the scale is (1 + w)
        return normed * (1.0 + w) if self.a.gemma else w * normed

    @staticmethod
    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

    def rope(self, x, pos, n, local=False):
        cos, sin = (self.cos_local, self.sin_local) if local else (self.cos, self.sin)
        cos, sin = cos[pos : pos + n], sin[pos : pos + n]
        return x * cos + self.rotate_half(x) * sin

    def repeat_kv(self, x):
        b, kvh, t, hd = x.shape
        rep = self.a.heads // kvh
        if rep == 1:
            return x
        return x[:, :, None, :, :].expand(b, kvh, rep, t, hd).reshape(b, kvh * rep, t, hd)

    def attention(self, q, k, v, pos, window=0):
        """q [B, H, n, hd] at positions pos.., k/v [B, KVH, pos + n, hd]; causal, and with a window W query i sees keys
        i - W < j <= i only (keys no query of this call sees are left out: a decode step reads its window alone)."""
        n, total = q.shape[2], k.shape[2]
        start = max(0, pos + 1 - window) if window else 0
        k, v = self.repeat_kv(k[:, :, start:]), self.repeat_kv(v[:, :, start:])
        scores = torch.matmul(q, k.transpose(2, 3)) * self.scale
        if n > 1 and window:
            i = torch.arange(pos, pos + n)[:, None]
            j = torch.arange(start, total)[None, :]
            mask = torch.zeros(n, total - start).masked_fill_((j > i) | (j <= i - window), float("-inf"))
            scores = scores + mask
        elif n > 1:
            mask = torch.full((n, total), float("-inf")).triu_(pos + 1)
            scores = scores + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32)
        return torch.matmul(probs, v)

    def block(self, l, x, pos, cache):
        a, L = self.a, self.layers[l]
        B, n, _ = x.shape
        local = l in self.sliding
        h = self.rmsnorm(x, L["input_norm"])
        q = self.linear(l, "q_proj", h).view(B, n, a.heads, self.hd)
        k = self.linear(l, "k_proj", h).view(B, n, a.kv_heads, self.hd)
        v = self.linear(l, "v_proj", h).view(B, n, a.kv_heads, self.hd).transpose(1, 2)
        if a.gemma:  # q_norm / k_norm over each head, before RoPE
            q, k = self.rmsnorm(q, L["q_norm"]), self.rmsnorm(k, L["k_norm"])
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        q, k = self.rope(q, pos, n, local), self.rope(k, pos, n, local)
        if cache is not None:
            kc, vc = cache[l]
            kc[:, :, pos : pos + n] = k
            vc[:, :, pos : pos + n] = v
            k, v = kc[:, :, : pos + n], vc[:, :, : pos + n]
        att = self.attention(q, k, v, pos, a.sliding_window if local else 0).transpose(1, 2).reshape(B, n, a.heads * self.hd)
        att = self.linear(l, "o_proj", att)
        if a.gemma:
            att = self.rmsnorm(att, L["attn_out_norm"])
        x = x + att
        h = self.rmsnorm(x, L["post_norm"])
        gate = self.linear(l, "gate_proj", h)
        act = F.gelu(gate, approximate="tanh") if a.gemma else F.silu(gate)
        mlp = self.linear(l, "down_proj", act * self.linear(l, "up_proj", h))
        if a.gemma:
            mlp = self.rmsnorm(mlp, L["mlp_out_norm"])
        return x + mlp

    def hidden(self, ids, pos=0, cache=None):
        x = F.embedding(ids, self.embed)
        if self.a.gemma:
            x = x * self.a.embed_scale
        for l in range(self.a.layers):
            x = self.block(l, x, pos, cache)
        return x

    def new_cache(self, capacity):
        a = self.a
        return [(torch.zeros(1, a.kv_heads, capacity, self.hd), torch.zeros(1, a.kv_heads, capacity, self.hd)) for _ in range(a.layers)]

    def next_logits(self, ids, pos, cache):
        """Feeds ids [1, n] at pos; logits of the last token."""
        x = self.hidden(ids, pos, cache)
        return F.linear(self.rmsnorm(x[:, -1:], self.norm), self.lm_head)[0, -1]


def generate(m, prompt, new_tokens):
    """Prefill then greedy single-token steps; wall and CPU seconds (all threads) of each phase."""
    cache = m.new_cache(prompt.shape[1] + new_tokens)
    c0, t0 = time.process_time(), time.perf_counter()
    logits = m.next_logits(prompt, 0, cache)
    c1, t1 = time.process_time(), time.perf_counter()
    pos = prompt.shape[1]
    for _ in range(new_tokens):
        token = torch.argmax(logits).view(1, 1)
        logits = m.next_logits(token, pos, cache)
        pos += 1
    c2, t2 = time.process_time(), time.perf_counter()
    return t1 - t0, t2 - t1, c1 - c0, c2 - c1


def infer(m, a):
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        generate(m, torch.randint(0, a.vocab, (1, min(32, a.prompt)), generator=g), min(4, a.new))
        prefill, decode, prefill_cpu, decode_cpu = [], [], [], []
        for _ in range(a.repeats):
            p, d, pc, dc = generate(m, torch.randint(0, a.vocab, (1, a.prompt), generator=g), a.new)
            prefill.append(a.prompt / p)
            decode.append(a.new / d)
            prefill_cpu.append(a.prompt / pc)
            decode_cpu.append(a.new / dc)
    return {
        "prefill_tokens_per_s": max(prefill),
        "decode_tokens_per_s": max(decode),
        "prefill_runs": prefill,
        "decode_runs": decode,
        "prefill_tokens_per_cpu_s": max(prefill_cpu),
        "decode_tokens_per_cpu_s": max(decode_cpu),
    }


def train(m, a):
    m.add_lora(a.rank, a.alpha, 11)
    params = m.adapter_params()
    opt = torch.optim.AdamW(params, lr=2e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    g = torch.Generator().manual_seed(5)

    def step(B, T):
        ids = torch.randint(0, a.vocab, (B, T), generator=g)
        targets = torch.randint(0, a.vocab, (B, T), generator=g).view(-1)
        h = m.rmsnorm(m.hidden(ids), m.norm).view(B * T, -1)
        opt.zero_grad(set_to_none=True)
        if a.full_logits:
            loss = F.cross_entropy(F.linear(h, m.lm_head), targets)
            loss.backward()
            loss = loss.item()
        else:
            # The engine's loss: [rows, vocab] logits never exist whole; each chunk of rows gives its loss and the
            # gradient of h at once, then one backward through the layers.
            hd = h.detach().requires_grad_(True)
            loss = 0.0
            for r0 in range(0, B * T, a.loss_chunk):
                part = F.cross_entropy(F.linear(hd[r0 : r0 + a.loss_chunk], m.lm_head), targets[r0 : r0 + a.loss_chunk], reduction="sum") / (B * T)
                part.backward()
                loss += part.item()
            h.backward(hd.grad)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss

    losses = [step(a.warmup_batch or a.batch, a.seq) for _ in range(a.warmup)]
    times, cpu = [], []
    for _ in range(a.steps):
        c, t = time.process_time(), time.perf_counter()
        losses.append(step(a.batch, a.seq))
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    best = min(times)
    return {
        "tokens_per_s": a.batch * a.seq / best,
        "seconds_per_step": best,
        "step_seconds": times,
        "step_cpu_seconds": cpu,
        "losses": losses,
        "adapter_params": sum(p.numel() for p in params),
    }


def check(m, a):
    prompt = torch.tensor([[int(i) for i in a.ids.split(",")]])
    cache = m.new_cache(prompt.shape[1] + a.new)
    with torch.no_grad():
        logits = m.next_logits(prompt, 0, cache)
        first = logits.tolist()
        tokens, pos = [], prompt.shape[1]
        for _ in range(a.new):
            token = int(torch.argmax(logits))
            tokens.append(token)
            logits = m.next_logits(torch.tensor([[token]]), pos, cache)
            pos += 1
    return {"logits": first, "tokens": tokens}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["infer", "train", "check"], required=True)
    p.add_argument("--weights", help="raw float32 weights (--mode check)")
    p.add_argument("--ids", help="comma-separated prompt ids (--mode check)")
    for name, default in [
        ("hidden", 576), ("layers", 30), ("heads", 9), ("kv-heads", 3), ("intermediate", 1536), ("vocab", 49152),
        ("prompt", 512), ("new", 64), ("repeats", 2), ("batch", 8), ("seq", 256), ("steps", 2), ("warmup", 1),
        ("warmup-batch", 0), ("rank", 16), ("threads", 2), ("seed", 1), ("loss-chunk", 256),
        ("head-dim", 0), ("sliding-window", 0),
    ]:
        p.add_argument(f"--{name}", type=int, default=default)
    for name, default in [
        ("rope-theta", 10000.0), ("rms-eps", 1e-5), ("alpha", 32.0), ("embed-scale", 1.0), ("attn-scale", 0.0),
        ("rope-local-theta", 10000.0),
    ]:
        p.add_argument(f"--{name}", type=float, default=default)
    p.add_argument("--tied", action="store_true")
    p.add_argument("--qkv-bias", action="store_true")
    p.add_argument("--gemma", action="store_true", help="Gemma 3's text model (see the module's docstring)")
    p.add_argument("--sliding-layers", default="", help="--gemma: comma-separated indices of the local (sliding-window) layers")
    p.add_argument("--full-logits", action="store_true", help="train: one cross_entropy over [B*T, vocab] logits (HF's way)")
    a = p.parse_args()
    a.positions = max(a.prompt + a.new, a.seq, len(a.ids.split(",")) + a.new if a.ids else 0)
    torch.set_num_threads(a.threads)
    t = time.perf_counter()
    m = Model(a, a.seed)
    build = time.perf_counter() - t
    if a.mode == "check":
        if not a.weights or not a.ids:
            raise SystemExit("--mode check needs --weights and --ids")
        m.load(a.weights)
    out = {"infer": infer, "train": train, "check": check}[a.mode](m, a)
    out.update(
        {
            "build_seconds": build,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "blas": blas_library(),
        }
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
