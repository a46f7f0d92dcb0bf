#!/usr/bin/env python3
"""The PyTorch side of README's training comparison: d2l 1.0's concise RNN language model.

Run with Debian's PyTorch (apt-get install -y python3-torch libopenblas0-pthread):
    /usr/bin/python3 tools/train_torch.py [--cell rnn|gru|lstm] [--hidden 32] [--layers 1] [--bidirectional]
        [--batch 1024] [--steps 32] [--epochs 100] [--lr 1] [--clip 1] [--seed 0] [--metrics FILE.json] [--threads N]
--threads sets torch's intra-op threads (default: all cores); OpenBLAS takes its own from OPENBLAS_NUM_THREADS,
and the two multiply: tools/compare_training.sh tries several settings and keeps PyTorch's best.
Same recipe and metrics as `spool train`: d2l's TimeMachine windows (10,000 train, shuffled each
epoch; 5,000 validation), one-hot time-major inputs, zero initial state per batch, linear head, mean
cross-entropy, plain SGD, d2l global-norm clipping (g *= clip/norm when norm > clip). Perplexities are
exp(token-weighted mean loss): over the epoch's training batches, and over the validation set after
the epoch. tokens/s counts training input tokens over training time only.
"""
import argparse
import json
import math
import os
import re
import time

import torch
from torch import nn
from torch.nn import functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
TEXT = os.path.join(ROOT, "nn/src/main/resources/dev/spool/nn/data/timemachine.txt")


def load(path, steps):
    with open(path, encoding="utf-8") as f:
        text = re.sub("[^A-Za-z]+", " ", f.read()).lower()
    vocab = sorted(set(["<unk>"] + list(text)))
    index = {t: i for i, t in enumerate(vocab)}
    corpus = torch.tensor([index[c] for c in text])
    if len(corpus) - steps < 15000:
        raise SystemExit("%s gives %d windows of %d characters but training needs 15000; use a longer text or fewer --steps"
                         % (path, max(0, len(corpus) - steps), steps + 1))
    # unfold = d2l's [corpus[i:i+steps+1] for i in range(len(corpus)-steps)], without 170k slices.
    windows = corpus.unfold(0, steps + 1, 1)
    return vocab, index, windows[:, :-1], windows[:, 1:]


class RNNLM(nn.Module):
    def __init__(self, cell, vocab, hidden, layers, bidirectional):
        super().__init__()
        self.vocab = vocab
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](vocab, hidden, layers, bidirectional=bidirectional)
        self.linear = nn.Linear(hidden * (2 if bidirectional else 1), vocab)

    def forward(self, x):  # x: (B, T) ids -> logits (B, T, V)
        out, _ = self.rnn(F.one_hot(x.T, self.vocab).float())
        return self.linear(out).swapaxes(0, 1)


def mean_loss(model, xs, ys, batch):
    total, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(xs), batch):
            x, y = xs[i:i + batch], ys[i:i + batch]
            total += F.cross_entropy(model(x).reshape(-1, model.vocab), y.reshape(-1)).item() * y.numel()
            n += y.numel()
    return total / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", default="rnn", choices=["rnn", "gru", "lstm"])
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--bidirectional", action="store_true")
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--lr", type=float, default=1.0)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--text", default=TEXT)
    ap.add_argument("--metrics")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as maps:  # Debian's torch uses whichever libblas.so.3 is installed
        if "openblas" not in maps.read():
            raise SystemExit("PyTorch is not using OpenBLAS (reference BLAS loaded): apt-get install -y libopenblas0-pthread")
    vocab, index, X, Y = load(a.text, a.steps)
    xtr, ytr, xva, yva = X[:10000], Y[:10000], X[10000:15000], Y[10000:15000]
    model = RNNLM(a.cell, len(vocab), a.hidden, a.layers, a.bidirectional)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr)
    tokens, seconds = 0, 0.0
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(len(xtr))
        loss_sum, n = 0.0, 0
        for i in range(0, len(xtr), a.batch):
            idx = perm[i:i + a.batch]
            x, y = xtr[idx], ytr[idx]
            loss = F.cross_entropy(model(x).reshape(-1, len(vocab)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            if a.clip > 0:
                params = [p for p in model.parameters() if p.grad is not None]
                norm = torch.sqrt(sum(torch.sum(p.grad ** 2) for p in params))
                if norm > a.clip:
                    for p in params:
                        p.grad[:] *= a.clip / norm
            opt.step()
            loss_sum += loss.item() * y.numel()
            n += y.numel()
        seconds += time.perf_counter() - t0
        tokens += n
        train_ppl = math.exp(loss_sum / n)
        val_ppl = math.exp(mean_loss(model, xva, yva, a.batch))
        print("epoch %d/%d  train ppl %.2f  val ppl %.2f  %.0f tokens/s  (%.2f s)"
              % (epoch, a.epochs, train_ppl, val_ppl, tokens / seconds, time.perf_counter() - t0), flush=True)
    # Greedy continuation. Re-running the whole sequence from a zero state equals d2l's predict (warm the
    # state on the prefix, feed back the argmax) for a unidirectional model, and is what `spool train`
    # does, the one consistent reading for a bidirectional model.
    out = [index[c] for c in "it has"]
    with torch.no_grad():
        for _ in range(20):
            logits = model(torch.tensor([out]))
            out.append(int(logits[0, -1].argmax()))
    sample = "".join(vocab[i] for i in out)
    print(sample)
    m = {"train_ppl": train_ppl, "val_ppl": val_ppl, "tokens_per_s": tokens / seconds, "seconds": seconds,
         "epochs": a.epochs, "sample": sample}
    if a.metrics:
        with open(a.metrics + ".tmp", "w") as f:
            json.dump(m, f, indent=2)
        os.replace(a.metrics + ".tmp", a.metrics)


if __name__ == "__main__":
    main()
