#!/usr/bin/env python3
"""Inference side by side: Spool, ONNX Runtime for Java and PyTorch on the four anchor workloads, one run.

Run with Debian's PyTorch (apt-get install -y python3-torch python3-onnx libopenblas0-pthread), after
building the harness (mvn -B -q package -DskipTests -pl benchmarks -am):
    /usr/bin/python3 tools/bench_inference.py [--rounds 5] [--repeat 5] [--only NAME] [--markdown FILE] [--json FILE]

The model is the forward pass `spool bench --suite anchors` and tools/bench_anchors.py call
inference (one-hot tokens, one recurrent layer, linear head, logits), exported by
tools/export_onnx.py (run first when its files are missing) so that all three runtimes run the
same weights on the same tokens, and each checks its logits against PyTorch's (1e-5) before it is
timed. Each measurement is the median of --repeat forward passes after a warm-up of at least 10
passes and 6 seconds, as `spool bench` does.

A round measures every workload in each runtime, in fresh processes: PyTorch under torch intra-op
x OpenBLAS threads 1x2 and 2x1 (the faster counts), ONNX Runtime for Java at intra-op threads 1
and 2 (the faster counts), Spool (the loaded .spool artifact) with OPENBLAS_NUM_THREADS 2 and 1 (the faster
counts; since SecondCore keeps OpenBLAS on the calling thread and shares the work with a helper of
its own, the two settings run the same way).
--rounds rounds alternate the runtimes (the order rotates each round), so drifting load hits all
three alike. The table gives the median over rounds, the spread (max - min) / median, the
ratios of the medians, and GFLOP/s of the forward GEMMs (input and hidden projections and head).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from export_onnx import ANCHORS, DEFAULT_OUT, HARNESS_CP  # noqa: E402
from safetensors_file import decode_safetensors  # noqa: E402

TORCH_THREADS = [(1, 2), (2, 1)]  # (torch intra-op threads, OpenBLAS threads)
SPOOL_BLAS_THREADS = [2, 1]  # OPENBLAS_NUM_THREADS for Spool; the same since SecondCore keeps OpenBLAS on the calling thread
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
VOCAB = 28
WARMUP_STEPS, WARMUP_SECONDS = 10, 6.0  # as spool bench
TOLERANCE = 1e-5


def median_ms(step, timed, warmup_seconds):
    until = time.perf_counter() + warmup_seconds
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


def torch_worker(out_dir, names, timed, threads, warmup_seconds):
    """In a fresh process (OPENBLAS_NUM_THREADS already set): times PyTorch on the exported weights, prints JSON."""
    import torch
    from bench_anchors import require_optimised_blas
    from export_onnx import char_lm
    torch.set_num_threads(threads)
    require_optimised_blas(torch)
    result = {}
    for name in names:
        cell, hidden = next((c, h) for n, c, h, _, _ in ANCHORS if n == name)
        model = char_lm(torch, cell, hidden).eval()
        weights = {k: torch.from_numpy(v.copy()) for k, v in decode_safetensors(open(os.path.join(out_dir, name + ".safetensors"), "rb").read()).items()}
        model.load_state_dict({("linear." + k[7:] if k.startswith("linear.") else "rnn." + k): v for k, v in weights.items()})
        io = decode_safetensors(open(os.path.join(out_dir, name + ".io.safetensors"), "rb").read())
        tokens, want = torch.from_numpy(io["tokens"].copy()), torch.from_numpy(io["logits"].copy())
        with torch.no_grad():
            error = ((model(tokens) - want).abs() / want.abs().clamp(min=1)).max().item()
            if error > TOLERANCE:
                sys.exit("%s: PyTorch differs from its own exported logits by %g" % (name, error))
            result[name] = median_ms(lambda: model(tokens), timed, warmup_seconds)
    print(json.dumps({"ms": result, "torch": torch.__version__}))


def run_torch(out_dir, names, timed, warmup_seconds):
    """{name: {"ms", "setting"}}: the faster of the thread settings, each in a fresh process."""
    best = {}
    for threads, blas in TORCH_THREADS:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas), OMP_NUM_THREADS=str(threads))
        out = subprocess.run([sys.executable, __file__, "--torch-worker", out_dir, str(timed), str(threads), str(warmup_seconds)] + names,
                             env=env, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        for name, ms in r["ms"].items():
            if name not in best or ms < best[name]["ms"]:
                best[name] = {"ms": ms, "setting": "%dx%d" % (threads, blas)}
    return best


def run_java(kind, out_dir, names, timed, warmup_seconds, blas_threads=None):
    """{name: {"ms", "setting", ...}} from InferenceComparison time (ort: faster of intra-op 1 and 2)."""
    cmd = ["java", "--add-modules", "jdk.incubator.vector", "-cp", ":".join(HARNESS_CP), "dev.spool.benchmarks.inference.InferenceComparison",
           "time", kind, out_dir, "--repeat", str(timed), "--warmup", str(WARMUP_STEPS), "--warmup-seconds", str(warmup_seconds)] + names
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas_threads)) if blas_threads else None
    return json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])


def run_spool(out_dir, names, timed, warmup_seconds):
    """The faster of OpenBLAS threads 2 (Spool's default) and 1, each in a fresh JVM (OpenBLAS reads its thread count once)."""
    best = {}
    for blas in SPOOL_BLAS_THREADS:
        for name, r in run_java("spool", out_dir, names, timed, warmup_seconds, blas).items():
            if name not in best or r["ms"] < best[name]["ms"]:
                best[name] = {"ms": r["ms"], "setting": "OpenBLAS %d" % blas}
    return best


RUNTIMES = {"Spool": run_spool, "ONNX Runtime": lambda *a: run_java("ort", *a),
            "PyTorch": run_torch}


def forward_flops(cell, hidden, batch, steps):
    return steps * (2.0 * batch * (VOCAB + hidden) * GATES[cell] * hidden + 2.0 * batch * hidden * VOCAB)


def git_commit():
    return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def bold_if(ratio, target):
    text = "%.2f×" % ratio
    return "**%s**" % text if ratio >= target else text


def table(anchors, runs, rounds):
    """Markdown lines: per workload the median tokens/s of each runtime, ratios, spread, GFLOP/s."""
    lines = ["| workload | Spool tokens/s | ONNX Runtime tokens/s | PyTorch tokens/s | Spool / ONNX Runtime | Spool / PyTorch "
             "| spread Spool / ORT / PyTorch | GFLOP/s Spool / ORT / PyTorch | best settings Spool; ORT; PyTorch |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, c, h, b, t in anchors:
        med = {rt: statistics.median(r[name]["ms"] for r in runs[rt]) for rt in RUNTIMES}
        spread = {rt: (max(r[name]["ms"] for r in runs[rt]) - min(r[name]["ms"] for r in runs[rt])) / med[rt] for rt in RUNTIMES}
        tps = {rt: b * t / med[rt] * 1e3 for rt in RUNTIMES}
        gflops = {rt: forward_flops(c, h, b, t) / med[rt] / 1e6 for rt in RUNTIMES}
        settings = {rt: sorted({r[name]["setting"] for r in runs[rt]}) for rt in RUNTIMES}
        # Bold marks a ratio that meets its target (issues 13 and 16): at least ONNX Runtime, 2x PyTorch.
        vs_ort, vs_torch = tps["Spool"] / tps["ONNX Runtime"], tps["Spool"] / tps["PyTorch"]
        lines.append("| %s | %s | %s | %s | %s | %s | %.0f / %.0f / %.0f %% | %.1f / %.1f / %.1f | %s; %s; %s |" % (
            name, "{:,.0f}".format(tps["Spool"]), "{:,.0f}".format(tps["ONNX Runtime"]), "{:,.0f}".format(tps["PyTorch"]),
            bold_if(vs_ort, 1.0), bold_if(vs_torch, 2.0),
            100 * spread["Spool"], 100 * spread["ONNX Runtime"], 100 * spread["PyTorch"],
            gflops["Spool"], gflops["ONNX Runtime"], gflops["PyTorch"],
            ", ".join(s.replace("OpenBLAS ", "BLAS ") for s in settings["Spool"]),
            ", ".join(s.replace("intra-op ", "") + " thr" for s in settings["ONNX Runtime"]), ", ".join(settings["PyTorch"])))
    return lines


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--torch-worker":
        torch_worker(sys.argv[2], sys.argv[6:], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds of all three runtimes (default 5)")
    ap.add_argument("--repeat", type=int, default=5, help="timed forward passes per measurement, median (default 5)")
    ap.add_argument("--warmup-seconds", type=float, default=WARMUP_SECONDS, help="minimum warm-up per measurement (default 6)")
    ap.add_argument("--only", help="only the workloads whose name contains this")
    ap.add_argument("--dir", default=DEFAULT_OUT, help="where tools/export_onnx.py writes the models (default benchmarks/target/onnx)")
    ap.add_argument("--markdown", help="also write the table to this file")
    ap.add_argument("--json", help="also write every measurement to this file (after every round)")
    ap.add_argument("--table-from", metavar="JSON", help="measure nothing: print the table of the rounds saved in this --json file")
    a = ap.parse_args()
    anchors = [w for w in ANCHORS if not a.only or a.only in w[0]]
    if not anchors or a.rounds < 1 or a.repeat < 1:
        sys.exit("nothing to measure: --only %s (workloads: %s), --rounds %d, --repeat %d" % (
            a.only, ", ".join(w[0] for w in ANCHORS), a.rounds, a.repeat))
    names = [w[0] for w in anchors]
    if not all(os.path.exists(os.path.join(a.dir, n + ext)) for n in names for ext in (".onnx", ".safetensors", ".io.safetensors")):
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "export_onnx.py"), "--out", a.dir] + (["--only", a.only] if a.only else []),
                       check=True)
    if a.table_from:
        runs = json.load(open(a.table_from))
        rounds = min(len(r) for r in runs.values())
        runs = {rt: r[:rounds] for rt, r in runs.items()}
        print("\n".join(["median of %d rounds saved in %s" % (rounds, a.table_from), ""] + table(anchors, runs, rounds)))
        return
    order = list(RUNTIMES)
    runs = {rt: [] for rt in RUNTIMES}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for r in range(a.rounds):
        for rt in order[r % 3:] + order[:r % 3]:
            result = RUNTIMES[rt](a.dir, names, a.repeat, a.warmup_seconds)
            runs[rt].append(result)
            print("round %d %-12s %s" % (r + 1, rt, ", ".join("%s %.2f ms (%s)" % (n, result[n]["ms"], result[n]["setting"]) for n in names)),
                  file=sys.stderr, flush=True)
        if a.json:  # after every round, so an interrupted run keeps what it measured
            with open(a.json, "w") as out:
                json.dump(runs, out, indent=1)
    load = os.getloadavg()
    lines = ["%s, commit %s, %d CPUs, load average at the end %.2f / %.2f / %.2f; median of %d rounds, each the median of %d "
             "forward passes" % (started, git_commit(), os.cpu_count(), *load, a.rounds, a.repeat), ""] + table(anchors, runs, a.rounds)
    print("\n".join(lines))
    if a.markdown:
        with open(a.markdown, "w") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
