#!/usr/bin/env python3
"""PyTorch side of `spool gpu-selftest`: the anchor workloads and the custom cells timed on the GPU.

    python3 tools/bench_cuda.py --out torch.json [--steps 20]

Each workload is what `spool bench` times: one training step (forward, backward, global-norm clip
1.0, SGD lr 1) of a one-hot character LM (vocab 28, linear head, mean cross-entropy, random data)
and a forward-only pass, median of the timed steps after a warm-up, with a device synchronisation
inside each timed step. The anchors use nn.RNN/GRU/LSTM (cuDNN); the custom cells (MyRNN and a GRU
written from ops) run eagerly as Python loops over the time steps, as a user would write them.
Every workload is timed twice: strict float32 (cuDNN TF32 off, as Spool computes) and PyTorch's
defaults (cuDNN may use TF32). Writes {name: {train_ms, infer_ms, train_ms_default, infer_ms_default}}.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn
from torch.nn import functional as F

ANCHORS = [("rnn_h32_b1024_t32", "rnn", 32, 1024, 32), ("gru_h256_b32_t35", "gru", 256, 32, 35),
           ("lstm_h256_b32_t35", "lstm", 256, 32, 35), ("lstm_h1024_b64_t100", "lstm", 1024, 64, 100)]
CELLS = [("gru-from-ops_h256_b32_t35", "gru-ops", 256, 32, 35), ("myrnn_h256_b32_t35", "myrnn", 256, 32, 35)]
WARMUP = 10


class MyRNN(nn.Module):
    """y_t = tanh(P1 x_t + b1) + tanh(P2 y_{t-1} + b2), written as a Python loop."""

    def __init__(self, n_in, hidden):
        super().__init__()
        self.p1 = nn.Linear(n_in, hidden)
        self.p2 = nn.Linear(hidden, hidden)
        self.hidden = hidden

    def forward(self, x):
        y = x.new_zeros(x.shape[1], self.hidden)
        outs = []
        for t in range(x.shape[0]):
            y = torch.tanh(self.p1(x[t])) + torch.tanh(self.p2(y))
            outs.append(y)
        return torch.stack(outs), y


class GruFromOps(nn.Module):
    """PyTorch's GRU cell written from ops (gate order r, z, n), as a Python loop."""

    def __init__(self, n_in, hidden):
        super().__init__()
        self.ih = nn.Linear(n_in, 3 * hidden)
        self.hh = nn.Linear(hidden, 3 * hidden)
        self.hidden = hidden

    def forward(self, x):
        h = x.new_zeros(x.shape[1], self.hidden)
        outs = []
        for t in range(x.shape[0]):
            gi = self.ih(x[t]).chunk(3, 1)
            gh = self.hh(h).chunk(3, 1)
            r = torch.sigmoid(gi[0] + gh[0])
            z = torch.sigmoid(gi[1] + gh[1])
            n = torch.tanh(gi[2] + r * gh[2])
            h = (1 - z) * n + z * h
            outs.append(h)
        return torch.stack(outs), h


def median_ms(step, timed):
    for _ in range(WARMUP):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(timed):
        t0 = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def measure(kind, hidden, batch, steps, timed):
    dev = torch.device("cuda")
    torch.manual_seed(0)
    if kind == "myrnn":
        rnn = MyRNN(28, hidden)
    elif kind == "gru-ops":
        rnn = GruFromOps(28, hidden)
    else:
        rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind](28, hidden)
    rnn = rnn.to(dev)
    head = nn.Linear(hidden, 28).to(dev)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=1.0)
    x = torch.randint(0, 28, (steps, batch), device=dev)
    y = torch.randint(0, 28, (steps, batch), device=dev)

    def train():
        out, _ = rnn(F.one_hot(x, 28).float())
        loss = F.cross_entropy(head(out).reshape(-1, 28), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    def infer():
        with torch.no_grad():
            out, _ = rnn(F.one_hot(x, 28).float())
            head(out)

    return median_ms(train, timed), median_ms(infer, timed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=20)
    a = ap.parse_args()
    result = {"torch": torch.__version__, "cudnn": torch.backends.cudnn.version(), "device": torch.cuda.get_device_name(0)}
    for name, kind, h, b, t in ANCHORS + CELLS:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        train, infer = measure(kind, h, b, t, a.steps)
        torch.backends.cudnn.allow_tf32 = True
        train_d, infer_d = measure(kind, h, b, t, a.steps)
        result[name] = {"train_ms": train, "infer_ms": infer, "train_ms_default": train_d, "infer_ms_default": infer_d}
        print("torch %-26s train %8.2f ms (default %8.2f)  inference %8.2f ms (default %8.2f)" % (name, train, train_d, infer, infer_d),
              flush=True)
        with open(a.out, "w") as f:  # after each workload, so a run cut short keeps what it measured
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
