#!/usr/bin/env python3
"""Peer for bench/trainer.ts: the same minimal GPT as tunelab's local engine, trained in PyTorch on the CPU.

Pre-LayerNorm, learned positions, tied embeddings, plain-matmul causal attention, GELU (tanh) MLP 4x,
AdamW, random tokens, 2 threads. Prints one JSON line: {"tokens_per_s", "params", "steps", "seconds"}.
Use OpenBLAS (libopenblas0-openmp) with OPENBLAS_NUM_THREADS=2 and the CPU's OPENBLAS_CORETYPE (bench/lib/openblas-env.ts):
Debian's torch linked against the reference BLAS is ~30x slower and not a fair peer.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x, mask):
        B, T, D = x.shape
        H = self.heads
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
        q = q.view(B, T, H, D // H).transpose(1, 2)
        k = k.view(B, T, H, D // H).transpose(1, 2)
        v = v.view(B, T, H, D // H).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D // H))
        att = att.masked_fill(mask[:T, :T] == 0, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, D)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab, d, layers, heads, ctx):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.lnf = nn.LayerNorm(d)
        self.register_buffer("mask", torch.tril(torch.ones(ctx, ctx)))

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x, self.mask)
        logits = self.lnf(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    p = argparse.ArgumentParser()
    for name, default in [("vocab", 512), ("d", 64), ("layers", 2), ("heads", 4), ("ctx", 96), ("batch", 8), ("steps", 30), ("warmup", 5), ("threads", 2)]:
        p.add_argument(f"--{name}", type=int, default=default)
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    model = GPT(a.vocab, a.d, a.layers, a.heads, a.ctx)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    params = sum(p.numel() for p in model.parameters())

    def step():
        idx = torch.randint(0, a.vocab, (a.batch, a.ctx))
        loss = model(idx, torch.roll(idx, -1, dims=1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(a.warmup):
        step()
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = time.perf_counter() - t
    print(json.dumps({"tokens_per_s": a.steps * a.batch * a.ctx / dt, "params": params, "steps": a.steps, "seconds": dt}))


if __name__ == "__main__":
    main()
