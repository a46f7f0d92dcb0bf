#!/usr/bin/env python3
"""Side-by-side forward timing: PyTorch nn.LSTM/GRU/RNN vs `./spool eval` on the same weights and input.

Run with Debian's PyTorch (apt-get install -y python3-torch):
    /usr/bin/python3 tools/bench_eval.py [--cell lstm] [--hidden 256] [--batch 32] [--steps 35] [--repeat 20]
Both sides run on this machine in one invocation; the ratio is what to compare (machines are noisy).
Spool's time is the median forward time inside the JVM after its first (warm-up) runs, excluding
graph compilation and file I/O; PyTorch's is the median of timed forwards under torch.no_grad().
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_file import write_safetensors  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", default="lstm", choices=["rnn", "gru", "lstm"])
    ap.add_argument("--input", type=int, default=28)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=35)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    torch.manual_seed(0)
    module = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[a.cell](a.input, a.hidden)
    x = torch.randn(a.steps, a.batch, a.input)
    with torch.no_grad():
        for _ in range(3):
            module(x)
        times = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            module(x)
            times.append((time.perf_counter() - t0) * 1e3)
    torch_ms = statistics.median(times)

    with tempfile.TemporaryDirectory() as d:
        w, i, o = (os.path.join(d, n) for n in ("w.safetensors", "x.safetensors", "y.safetensors"))
        write_safetensors(w, dict(module.state_dict()))
        write_safetensors(i, {"input": x})
        # Extra repeats so the JIT has warmed up before the runs that dominate the median.
        out = subprocess.run([os.path.join(ROOT, "spool"), "eval", "--cell", a.cell, "--weights", w, "--inputs", i,
                              "--out", o, "--repeat", str(3 * a.repeat)], check=True, capture_output=True, text=True).stdout
    spool_ms = float(re.search(r"forward ([0-9.]+) ms", out).group(1))
    tokens = a.steps * a.batch
    print("%s H%d B%d T%d forward (torch %s, %d threads)" % (a.cell, a.hidden, a.batch, a.steps, torch.__version__,
                                                            torch.get_num_threads()))
    print("  PyTorch  %8.2f ms  %10.0f tokens/s" % (torch_ms, tokens / torch_ms * 1e3))
    print("  Spool    %8.2f ms  %10.0f tokens/s" % (spool_ms, tokens / spool_ms * 1e3))
    print("  Spool/PyTorch speed ratio: %.2fx" % (torch_ms / spool_ms))


if __name__ == "__main__":
    main()
