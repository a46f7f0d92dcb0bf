#!/usr/bin/env python3
"""Export the four anchor inference models from PyTorch to ONNX, with their weights for Spool.

Run with Debian's PyTorch and onnx (apt-get install -y python3-torch python3-onnx libopenblas0-pthread):
    /usr/bin/python3 tools/export_onnx.py [--out benchmarks/target/onnx] [--only NAME] [--no-check]
    /usr/bin/python3 tools/export_onnx.py --fixtures     # (re)writes the tiny test models in fixtures/onnx/

Each model is the forward pass `spool bench --suite anchors` and tools/bench_anchors.py call
inference: tokens (T, B) int64 -> one-hot over the vocabulary of 28 -> one recurrent layer
(zero initial state) -> linear head -> logits (T, B, 28). PyTorch's default initialisation
(seeded) gives the weights; for every workload NAME the script writes into --out:

  NAME.onnx               opset 17; the layer is ONNX's own RNN, GRU or LSTM op (checked with
                          onnx.load and onnx.checker); static shapes T x B
  NAME.safetensors        the same weights under Spool's names (weight_ih_l0, ..., linear.weight,
                          linear.bias) with the `spool.model` metadata of `spool train --save`, so
                          Spool's LanguageModel (and `spool compile --load`) reads them as they are
  NAME.io.safetensors     `tokens` (T, B) int64, random, and `logits`, PyTorch's float32 output
  NAME.spool              Spool's ahead-of-time artifact of NAME.safetensors, written by
                          `./spool compile --load NAME.safetensors --out NAME.spool` (batch and
                          sequence length dynamic, the defaults)

Then, unless --no-check, it runs `InferenceComparison check` (benchmarks module, Java): ONNX
Runtime for Java, Spool's compiled program and Spool's loaded artifact run each model on
`tokens`, and all must match PyTorch's logits within
1e-5 (|ours - torch| <= 1e-5 * max(1, |torch|)). The generated files are build outputs (the LSTM
H1024 model is 17 MB); regenerate them rather than committing them.

--fixtures writes the same files (but no artifact) for three tiny models instead (rnn, gru, lstm with H 4, B 2, T 3;
a few KB each) into fixtures/onnx/, where the benchmarks module's tests read them: ONNX Runtime for
Java and Spool must reproduce PyTorch's logits there too.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from safetensors_file import write_safetensors  # noqa: E402

ANCHORS = [("rnn_h32_b1024_t32", "rnn", 32, 1024, 32), ("gru_h256_b32_t35", "gru", 256, 32, 35),
           ("lstm_h256_b32_t35", "lstm", 256, 32, 35), ("lstm_h1024_b64_t100", "lstm", 1024, 64, 100)]
VOCAB = ["<unk>", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)]  # d2l's time machine: 28 tokens
TINY = [("rnn_h4_b2_t3", "rnn", 4, 2, 3), ("gru_h4_b2_t3", "gru", 4, 2, 3), ("lstm_h4_b2_t3", "lstm", 4, 2, 3)]
ONNX_OPS = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}
OPSET = 17
DEFAULT_OUT = os.path.join(ROOT, "benchmarks", "target", "onnx")
FIXTURES_OUT = os.path.join(ROOT, "fixtures", "onnx")
HARNESS_CP = [os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar"), os.path.join(ROOT, "benchmarks", "target", "lib", "*")]


def char_lm(torch, cell, hidden):
    from torch import nn
    from torch.nn import functional as F

    class CharLM(nn.Module):
        """One-hot tokens -> recurrent layer -> linear head, as Spool's LanguageModel."""

        def __init__(self):
            super().__init__()
            self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](len(VOCAB), hidden)
            self.linear = nn.Linear(hidden, len(VOCAB))

        def forward(self, tokens):
            out, _ = self.rnn(F.one_hot(tokens, len(VOCAB)).float())
            return self.linear(out)

    return CharLM()


def spool_weights(model):
    """The state dict under Spool's LanguageModel names: the layer's PyTorch names without `rnn.`."""
    return {(k[len("rnn."):] if k.startswith("rnn.") else k): v.detach().contiguous() for k, v in model.state_dict().items()}


def spool_metadata(cell, hidden):
    cfg = {"format": "spool-lm/1", "cell": cell, "hidden": hidden, "layers": 1, "bidirectional": False, "vocab": VOCAB}
    return {"spool.model": json.dumps(cfg, separators=(",", ":"))}


def export(name, cell, hidden, batch, steps, out_dir):
    import onnx
    import torch
    torch.manual_seed(0)
    model = char_lm(torch, cell, hidden).eval()
    tokens = torch.randint(0, len(VOCAB), (steps, batch), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits = model(tokens)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(model, (tokens,), path, input_names=["tokens"], output_names=["logits"], opset_version=OPSET,
                      do_constant_folding=True)
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    ops = sorted({n.op_type for n in graph.graph.node})
    if ONNX_OPS[cell] not in ops:
        sys.exit("%s: the exported graph has no ONNX %s op (ops: %s)" % (path, ONNX_OPS[cell], ", ".join(ops)))
    write_safetensors(os.path.join(out_dir, name + ".safetensors"), spool_weights(model), spool_metadata(cell, hidden))
    write_safetensors(os.path.join(out_dir, name + ".io.safetensors"), {"tokens": tokens, "logits": logits})
    print("%-20s %s (%.1f MB), ops: %s" % (name, path, os.path.getsize(path) / 1e6, ", ".join(ops)))


def compile_artifact(out_dir, name):
    """NAME.spool from NAME.safetensors with the CLI, as a user would (the launcher builds Spool first if needed)."""
    weights, artifact = os.path.join(out_dir, name + ".safetensors"), os.path.join(out_dir, name + ".spool")
    subprocess.run([os.path.join(ROOT, "spool"), "compile", "--load", weights, "--out", artifact], check=True)


def check_in_java(out_dir, names):
    """ONNX Runtime for Java and Spool against PyTorch's logits (the harness exits non-zero past 1e-5)."""
    if not os.path.exists(HARNESS_CP[0]):
        sys.exit("%s is missing: build it first with mvn -B -q package -DskipTests -pl benchmarks -am" % HARNESS_CP[0])
    cmd = ["java", "--add-modules", "jdk.incubator.vector", "-cp", ":".join(HARNESS_CP), "dev.spool.benchmarks.inference.InferenceComparison",
           "check", out_dir] + names
    subprocess.run(cmd, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="directory for the generated files (default benchmarks/target/onnx)")
    ap.add_argument("--only", help="only the workloads whose name contains this")
    ap.add_argument("--no-check", action="store_true", help="skip the ONNX Runtime (Java) and Spool check against PyTorch")
    ap.add_argument("--fixtures", action="store_true", help="write the tiny test models into fixtures/onnx/ instead")
    a = ap.parse_args()
    cases = TINY if a.fixtures else ANCHORS
    anchors = [w for w in cases if not a.only or a.only in w[0]]
    if not anchors:
        sys.exit("--only %s matches no workload; workloads: %s" % (a.only, ", ".join(w[0] for w in cases)))
    if a.fixtures:
        a.out = FIXTURES_OUT
    os.makedirs(a.out, exist_ok=True)
    for w in anchors:
        export(*w, a.out)
        if not a.fixtures:
            compile_artifact(a.out, w[0])
    if not a.no_check:
        check_in_java(a.out, [w[0] for w in anchors])


if __name__ == "__main__":
    main()
