#!/usr/bin/env python3
"""Side-by-side anchor benchmark: PyTorch and `spool bench --suite anchors` in one run.

Run with Debian's PyTorch (apt-get install -y python3-torch libopenblas0-pthread):
    /usr/bin/python3 tools/bench_anchors.py [--steps 5] [--only NAME]
Both time one training step (forward, backward, global-norm clip 1.0, SGD lr 1) of a one-hot
character LM (vocab 28, linear head, mean cross-entropy, random data), median of the timed steps
after 8 warm-up steps (the JIT needs them on the Spool side). Prints a Markdown table with the speed ratio and GFLOP/s against Spool's
measured sgemm rate.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import torch
from torch import nn
from torch.nn import functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
ANCHORS = [("rnn_h32_b1024_t32", "rnn", 32, 1024, 32), ("gru_h256_b32_t35", "gru", 256, 32, 35),
           ("lstm_h256_b32_t35", "lstm", 256, 32, 35), ("lstm_h1024_b64_t100", "lstm", 1024, 64, 100)]
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def torch_step_ms(cell, hidden, batch, steps, timed, warmup=8):
    torch.manual_seed(0)
    rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](28, hidden)
    head = nn.Linear(hidden, 28)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=1.0)
    x = torch.randint(0, 28, (steps, batch))
    y = torch.randint(0, 28, (steps, batch))
    times = []
    for s in range(warmup + timed):
        t0 = time.perf_counter()
        out, _ = rnn(F.one_hot(x, 28).float())
        loss = F.cross_entropy(head(out).reshape(-1, 28), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if s >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def flops(cell, hidden, batch, steps):
    per_step = 2.0 * batch * (28 + hidden) * GATES[cell] * hidden + 2.0 * batch * hidden * 28
    return 3 * steps * per_step


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--only")
    a = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    anchors = [w for w in ANCHORS if not a.only or a.only in w[0]]
    theirs = {name: torch_step_ms(c, h, b, t, a.steps) for name, c, h, b, t in anchors}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.json")
        cmd = [os.path.join(ROOT, "spool"), "bench", "--suite", "anchors", "--steps", str(a.steps), "--metrics", path]
        if a.only:
            cmd += ["--only", a.only]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        ours = json.load(open(path))
    peak = ours["sgemm_gflops"]
    print("torch %s, %d threads; Spool's measured sgemm rate %.1f GFLOP/s\n" % (torch.__version__, torch.get_num_threads(), peak))
    print("| workload | Spool ms/step | PyTorch ms/step | Spool tokens/s | PyTorch tokens/s | Spool/PyTorch | Spool GFLOP/s (% sgemm) | PyTorch GFLOP/s (% sgemm) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, c, h, b, t in anchors:
        s, p = ours[name]["ms_per_step"], theirs[name]
        f = flops(c, h, b, t)
        print("| %s | %.1f | %.1f | %.0f | %.0f | %.2fx | %.1f (%.0f%%) | %.1f (%.0f%%) |" % (
            name, s, p, b * t / s * 1e3, b * t / p * 1e3, p / s, f / s / 1e6, 100 * f / s / 1e6 / peak, f / p / 1e6,
            100 * f / p / 1e6 / peak))


if __name__ == "__main__":
    main()
