#!/usr/bin/env python3
"""PyTorch eager reference for `spool bench scan-vs-unroll`: the same one-hot character LM (vocab 28,
the chosen cell, linear head) timed per sequence length, forward only and (with --grad) forward plus
backward of the mean cross-entropy, as milliseconds per token.

Run with Debian's PyTorch on OpenBLAS (apt-get install -y python3-torch libopenblas0-pthread):
    /usr/bin/python3 tools/scan_vs_unroll_torch.py --cell lstm --hidden 64 --batch 32 --lengths 4,8,16 --grad

rnn/gru/lstm use nn.RNN/GRU/LSTM (PyTorch's own fused loop); myrnn is the two-projection RNN
y_t = tanh(P1 x_t + b1) + tanh(P2 y_{t-1} + b2) written as a Python loop, as its users write it.
Each length runs in a fresh process under two thread settings (torch intra-op x OpenBLAS: 1x2,
2x1) and the faster counts. Prints CSV lines `kind,steps,ms_per_token`.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

THREADS = [(1, 2), (2, 1)]


def worker(cell, hidden, batch, steps, grad, threads, repeats, warmup_seconds):
    import torch
    from torch import nn
    from torch.nn import functional as F
    torch.set_num_threads(threads)
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as maps:
        if "openblas" not in maps.read():
            sys.exit("PyTorch is not using OpenBLAS (reference BLAS loaded): apt-get install -y libopenblas0-pthread")
    torch.manual_seed(0)
    if cell == "myrnn":
        p1, p2 = nn.Linear(28, hidden), nn.Linear(hidden, hidden)

        def layer(x):
            state = torch.zeros(x.shape[1], hidden)
            outs = []
            for t in range(x.shape[0]):
                state = torch.tanh(p1(x[t])) + torch.tanh(p2(state))
                outs.append(state)
            return torch.stack(outs)
        modules = [p1, p2]
    else:
        rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](28, hidden)

        def layer(x):
            return rnn(x)[0]
        modules = [rnn]
    head = nn.Linear(hidden, 28)
    params = [p for m in modules + [head] for p in m.parameters()]
    x = torch.randint(0, 28, (steps, batch))
    y = torch.randint(0, 28, (steps, batch))

    def forward():
        with torch.no_grad():
            head(layer(F.one_hot(x, 28).float()))

    def train():
        loss = F.cross_entropy(head(layer(F.one_hot(x, 28).float())).reshape(-1, 28), y.reshape(-1))
        for p in params:
            p.grad = None
        loss.backward()

    out = {}
    for kind, step in [("forward", forward)] + ([("train", train)] if grad else []):
        until = time.perf_counter() + warmup_seconds
        n = 0
        while n < 3 or time.perf_counter() < until:
            step()
            n += 1
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1e3)
        out[kind] = statistics.median(times) / (steps * batch)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cell", default="lstm", choices=["rnn", "gru", "lstm", "myrnn"])
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lengths", default="4,8,16,32,64,128")
    ap.add_argument("--grad", action="store_true")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--warmup-seconds", type=float, default=0.5)
    ap.add_argument("--worker", nargs=2, type=int, metavar=("STEPS", "THREADS"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.cell, a.hidden, a.batch, a.worker[0], a.grad, a.worker[1], a.repeats, a.warmup_seconds)
        return
    print("kind,steps,ms_per_token")
    for steps in [int(t) for t in a.lengths.split(",")]:
        best = {}
        for torch_threads, blas_threads in THREADS:
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas_threads))
            cmd = [sys.executable, os.path.abspath(__file__), "--cell", a.cell, "--hidden", str(a.hidden), "--batch", str(a.batch),
                   "--repeats", str(a.repeats), "--warmup-seconds", str(a.warmup_seconds), "--worker", str(steps), str(torch_threads)]
            if a.grad:
                cmd.append("--grad")
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "worker failed")
            for kind, ms in json.loads(r.stdout).items():
                best[kind] = min(best.get(kind, float("inf")), ms)
        for kind, ms in best.items():
            print(f"{kind},{steps},{ms:.6g}", flush=True)


if __name__ == "__main__":
    main()
