#!/usr/bin/env python3
"""PyTorch peer for the long-tickets example (bench/trainer.ts): a hand-written classifier script as a
user would write it, to compare time to accuracy with the engine's `auto` rules.

The same minimal GPT family as the engine (torch_trainer.py's blocks: pre-LayerNorm, learned
positions, tied embeddings), smaller: d 64, 2 layers, 4 heads. Word-level tokens learned from the
training file; each example is the last --keep tokens of the user's thread, a separator, and the
team's label token; the loss is on the label token only (the answer), AdamW at 3e-3, batch 8. After
each epoch it scores exact match of the predicted label token (greedy over the whole vocabulary) on
test.jsonl, outside the training clock, and stops at --target. Prints one JSON line:
{"reached": {"seconds", "epoch", "accuracy"} | null, "best": {...}, "params", "epochs", "keep"}.
"""
import argparse
import json
import os
import re
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_trainer import GPT  # noqa: E402

WORD = re.compile(r"\w+|[^\w\s]")


def load(path):
    rows = []
    with open(path, encoding="utf8") as f:
        for line in f:
            if line.strip():
                msgs = json.loads(line)["messages"]
                user = next(m["content"] for m in msgs if m["role"] == "user")
                answer = msgs[-1]["content"]
                rows.append((WORD.findall(user.lower()), answer))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--target", type=float, default=0.95)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--keep", type=int, default=160)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)

    train, test = load(args.train), load(args.test)
    labels = sorted({a for _, a in train})
    words = sorted({w for ws, _ in train for w in ws})
    vocab = {w: i + 3 for i, w in enumerate(words)}  # 0 pad, 1 unk, 2 separator
    label_id = {a: len(vocab) + 3 + i for i, a in enumerate(labels)}
    V = len(vocab) + 3 + len(labels)
    T = args.keep + 1

    def encode(rows):
        x = torch.zeros(len(rows), T, dtype=torch.long)
        y = torch.zeros(len(rows), dtype=torch.long)
        last = torch.zeros(len(rows), dtype=torch.long)
        for i, (ws, a) in enumerate(rows):
            ids = [vocab.get(w, 1) for w in ws][-args.keep :] + [2]
            x[i, : len(ids)] = torch.tensor(ids)
            last[i] = len(ids) - 1
            y[i] = label_id.get(a, 1)
        return x, y, last

    xtr, ytr, ltr = encode(train)
    xte, yte, lte = encode(test)
    model = GPT(V, 64, 2, 4, T)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)

    def logits_at(x, last):
        h = model.wte(x) + model.wpe(torch.arange(x.shape[1]))
        for b in model.blocks:
            h = b(h, model.mask)
        h = model.lnf(h[torch.arange(x.shape[0]), last])
        return h @ model.wte.weight.t()

    seconds, reached, best = 0.0, None, {"accuracy": 0.0, "epoch": 0, "seconds": 0.0}
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(train))
        for i in range(0, len(train), 8):
            idx = order[i : i + 8]
            loss = F.cross_entropy(logits_at(xtr[idx], ltr[idx]), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        seconds += time.perf_counter() - started
        model.eval()
        with torch.no_grad():
            accuracy = (logits_at(xte, lte).argmax(-1) == yte).float().mean().item()
        if accuracy > best["accuracy"]:
            best = {"accuracy": accuracy, "epoch": epoch, "seconds": seconds}
        if accuracy >= args.target:
            reached = {"accuracy": accuracy, "epoch": epoch, "seconds": seconds}
            break
    print(json.dumps({"reached": reached, "best": best, "params": params, "epochs": args.epochs, "keep": args.keep}))


if __name__ == "__main__":
    main()
