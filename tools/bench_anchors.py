#!/usr/bin/env python3
"""Side-by-side anchor benchmark: PyTorch and `spool bench --suite anchors` in one run.

Run with Debian's PyTorch (apt-get install -y python3-torch libopenblas0-pthread):
    /usr/bin/python3 tools/bench_anchors.py [--steps 5] [--runs 5] [--only NAME] [--baseline OTHER/spool] [--markdown FILE]

Both time one training step (forward, backward, global-norm clip 1.0, SGD lr 1) of a one-hot
character LM (vocab 28, linear head, mean cross-entropy, random data) and a forward-only pass
(inference), as the median of the timed steps after a warm-up of at least 10 steps and 6 seconds
(the JVM compiles Spool's kernels in the background during the first seconds; PyTorch gets the
same warm-up).

PyTorch is measured at its best on this machine: each workload runs in a fresh process under
three thread settings (torch intra-op threads x OpenBLAS threads: 1x2, 2x1, 1x1; 2x2
oversubscribes two cores, both pools spin) and the fastest counts. Prints a Markdown table with
speed ratios and GFLOP/s against the sgemm rate Spool measures on native memory.

--runs N repeats the whole comparison N times, interleaved (PyTorch at the thread setting that won
the first run, then Spool, then the baseline), and reports the median of the runs with their spread
(min-max) in brackets. --baseline names another build's `spool` launcher (e.g. a worktree at an
older commit), timed in the same runs, for before/after tables.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
ANCHORS = [("rnn_h32_b1024_t32", "rnn", 32, 1024, 32), ("gru_h256_b32_t35", "gru", 256, 32, 35),
           ("lstm_h256_b32_t35", "lstm", 256, 32, 35), ("lstm_h1024_b64_t100", "lstm", 1024, 64, 100)]
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
THREADS = [(1, 2), (2, 1), (1, 1)]  # (torch intra-op threads, OpenBLAS threads)
WARMUP_STEPS, WARMUP_SECONDS = 10, 6.0


def median_ms(step, timed):
    until = time.perf_counter() + WARMUP_SECONDS
    s = 0
    while s < WARMUP_STEPS or time.perf_counter() < until:
        step()
        s += 1
    times = []
    for _ in range(timed):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def require_optimised_blas(torch):
    """Debian's PyTorch calls whatever libblas.so.3 the alternatives system picks: the reference BLAS
    unless libopenblas0-pthread is installed, which makes PyTorch several times slower and any
    comparison meaningless. Refuses to measure then."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as maps:
        if "openblas" not in maps.read():
            sys.exit("PyTorch is not using OpenBLAS (reference BLAS loaded): apt-get install -y libopenblas0-pthread")


def worker(cell, hidden, batch, steps, timed, threads):
    """Runs in a fresh process whose OPENBLAS_NUM_THREADS is already set; prints JSON timings."""
    import torch
    from torch import nn
    from torch.nn import functional as F
    torch.set_num_threads(threads)
    require_optimised_blas(torch)
    torch.manual_seed(0)
    rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](28, hidden)
    head = nn.Linear(hidden, 28)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=1.0)
    x = torch.randint(0, 28, (steps, batch))
    y = torch.randint(0, 28, (steps, batch))

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

    print(json.dumps({"train": median_ms(train, timed), "infer": median_ms(infer, timed), "torch": torch.__version__}))


def torch_best(cell, hidden, batch, steps, timed, settings=THREADS):
    best = None
    for threads, blas in settings:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas), OMP_NUM_THREADS=str(threads))
        out = subprocess.run([sys.executable, __file__, "--worker", cell, str(hidden), str(batch), str(steps), str(timed), str(threads)],
                             env=env, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        r["threads"] = "%dx%d" % (threads, blas)
        if best is None or r["train"] < best["train"]:
            best = dict(r, infer=min(r["infer"], best["infer"]) if best else r["infer"])
        else:
            best["infer"] = min(best["infer"], r["infer"])
    return best


def flops(cell, hidden, batch, steps):
    per_step = 2.0 * batch * (28 + hidden) * GATES[cell] * hidden + 2.0 * batch * hidden * 28
    return 3 * steps * per_step


def spool_suite(launcher, steps, only):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.json")
        cmd = [launcher, "bench", "--suite", "anchors", "--repeat", str(steps), "--metrics", path]
        if only:
            cmd += ["--only", only]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return json.load(open(path))


def spread(xs, fmt="%.1f"):
    """The median of xs, with min-max in brackets when there are several."""
    m = statistics.median(xs)
    return fmt % m if len(xs) == 1 else (fmt + " (" + fmt + "-" + fmt + ")") % (m, min(xs), max(xs))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        c, h, b, t, timed, threads = sys.argv[2], *map(int, sys.argv[3:8])
        worker(c, h, b, t, timed, threads)
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--only")
    ap.add_argument("--baseline", help="another build's spool launcher, timed in the same runs")
    ap.add_argument("--markdown", help="also write the table to this file")
    a = ap.parse_args()
    anchors = [w for w in ANCHORS if not a.only or a.only in w[0]]
    theirs = {name: [] for name, *_ in anchors}
    ours, base = [], []
    settings = {}
    for run in range(a.runs):
        for name, c, h, b, t in anchors:
            r = torch_best(c, h, b, t, a.steps, settings.get(name, THREADS))
            settings[name] = [tuple(map(int, r["threads"].split("x")))]
            theirs[name].append(r)
            print("run %d PyTorch %-20s %8.1f ms/step (threads %s), inference %.1f ms" % (run + 1, name, r["train"], r["threads"], r["infer"]),
                  file=sys.stderr)
        ours.append(spool_suite(os.path.join(ROOT, "spool"), a.steps, a.only))
        if a.baseline:
            base.append(spool_suite(a.baseline, a.steps, a.only))
    peak = statistics.median(o["sgemm_gflops"] for o in ours)
    lines = ["torch %s at its best of %s threads (torch x OpenBLAS); Spool's measured sgemm rate %.1f GFLOP/s; %d CPUs; OPENBLAS_CORETYPE %s; %d run(s): median (min-max)" % (
        theirs[anchors[0][0]][0]["torch"], ", ".join("%dx%d" % tb for tb in THREADS), peak, os.cpu_count(),
        os.environ.get("OPENBLAS_CORETYPE", "unset (OpenBLAS detects the CPU)"), a.runs), "",
        "| workload | Spool ms/step | PyTorch ms/step | Spool tokens/s | PyTorch tokens/s | speed-up | Spool GFLOP/s (% sgemm) "
        "| PyTorch GFLOP/s (% sgemm) | inference ms Spool / PyTorch | inference speed-up |" + (" baseline ms/step | baseline inference ms |" if base else ""),
        "|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if base else "")]
    for name, c, h, b, t in anchors:
        s = [o[name]["ms_per_step"] for o in ours]
        p = [r["train"] for r in theirs[name]]
        si = [o[name]["inference_ms_per_step"] for o in ours]
        pi = [r["infer"] for r in theirs[name]]
        f = flops(c, h, b, t)
        line = "| %s | %s | %s | %.0f | %.0f | %s | %.1f (%.0f%%) | %.1f (%.0f%%) | %s / %s | %s |" % (
            name, spread(s), spread(p), b * t / statistics.median(s) * 1e3, b * t / statistics.median(p) * 1e3,
            spread([x / y for x, y in zip(p, s)], "%.2fx"), f / statistics.median(s) / 1e6, 100 * f / statistics.median(s) / 1e6 / peak,
            f / statistics.median(p) / 1e6, 100 * f / statistics.median(p) / 1e6 / peak, spread(si, "%.2f"), spread(pi, "%.2f"),
            spread([x / y for x, y in zip(pi, si)], "%.2fx"))
        if base:
            line += " %s | %s |" % (spread([o[name]["ms_per_step"] for o in base]), spread([o[name]["inference_ms_per_step"] for o in base], "%.2f"))
        lines.append(line)
    print("\n".join(lines))
    if a.markdown:
        with open(a.markdown, "w") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
