#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures that Spool's Java tests read.

Run it with Debian's python3, the one that has PyTorch (package python3-torch, torch 1.13)
and numpy; the pyenv python3 that may come first on PATH has no torch:

    apt-get install -y python3-torch
    /usr/bin/python3 tools/fixtures.py            # (re)writes fixtures/

No `safetensors` package is needed: the encoder (and a decoder, used to check every file
written) is in this script.

Layout: fixtures/index.json lists the cases, sorted by name, each as
  {"case", "cell": rnn|rnn-relu|gru|lstm|myrnn, "layers", "bidirectional", "batch_first",
   "dtype": f32|f64, "lengths", "h0", "input_size", "hidden_size", "steps", "batch"}
and each case is a directory fixtures/<case>/ with
  weights.safetensors        the module's state_dict, PyTorch names (weight_ih_l0, bias_hh_l1_reverse,
                             projection_1.weight, ...), in the case's dtype
  inputs.safetensors         input (T,B,I), or (B,T,I) with batch_first; h0 (and c0 for LSTM) of
                             shape (L*D,B,H) when the case has an initial state; lengths (B,) int64
                             when it has lengths
  expected.safetensors       output, h_n, c_n (LSTM) exactly as PyTorch returns them (with lengths:
                             pack_padded_sequence -> module -> pad_packed_sequence, so output rows
                             past a sequence's length are 0)
  grad_inputs.safetensors    everything in inputs plus grad_output, grad_h_n, grad_c_n (LSTM), random
  expected_grad.safetensors  output, h_n, c_n plus grad.input, grad.h0, grad.c0 (LSTM) and
                             grad.<weight> for every weight, the gradients of
                             sum(output*grad_output) + sum(h_n*grad_h_n) [+ sum(c_n*grad_c_n)];
                             grad.h0/grad.c0 are there even without an h0 (then w.r.t. the zero state)
Cases: {rnn, rnn-relu, gru, lstm} x layers {1,2} x {uni,bi} x {tm,bf} x {nolen,len} x {f32,f64},
named like lstm-l2-bi-bf-len-f64; myrnn-l1-uni-{tm,bf}-{nolen,len}-{f32,f64} (the "two Dense tanh
projections" RNN); and rnn-basics (the PyTorch "RNN basics" notebook, forward only). Time-major
cases carry h0/c0, batch-first cases start from zeros. Sizes: I=3, H=4, T=5, B=3.

Determinism: every case seeds torch from crc32(case name), so re-running reproduces identical
bytes. The last bits of float results depend on which OpenBLAS kernel and which ATen vector
code path run, which both follow the CPU; the script pins them (OPENBLAS_CORETYPE=Sandybridge,
ATEN_CPU_CAPABILITY=avx2, set before torch is imported unless already set) so that any x86-64
machine with AVX2 reproduces the committed bytes.
"""
import os

# Pin the CPU-dependent kernels before torch (and with it OpenBLAS) is loaded; see the docstring.
os.environ.setdefault("OPENBLAS_CORETYPE", "Sandybridge")
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")

import itertools  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
I, H, T, B = 3, 4, 5, 3
CELLS = ["rnn", "rnn-relu", "gru", "lstm"]
DTYPES = {"f32": torch.float32, "f64": torch.float64}

from safetensors_file import decode_safetensors, encode_safetensors, write_safetensors  # noqa: E402,F401


def write_case_files(name, files):
    """files: {file stem: {tensor name: tensor}} written as fixtures/<name>/<stem>.safetensors."""
    path = os.path.join(ROOT, name)
    os.makedirs(path, exist_ok=True)
    for stem in sorted(files):
        write_safetensors(os.path.join(path, stem + ".safetensors"), files[stem])


# ---------------------------------------------------------------------------------------------
# Modules


class MyRNN(nn.Module):
    """The "two Dense tanh projections" RNN: y_t = tanh(P1 x_t + b1) + tanh(P2 y_{t-1} + b2).

    y_{-1} = h0[0]. With lengths, a step t >= lengths[b] leaves row b of the state unchanged and
    writes a zero output row (packed-sequence semantics); h_n is the state after each sequence's
    last valid step, shape (1, B, U).
    """

    def __init__(self, features, units, batch_first=False):
        super().__init__()
        self.projection_1 = nn.Linear(features, units)
        self.projection_2 = nn.Linear(units, units)
        self.batch_first = batch_first

    def forward(self, x, h0, lengths=None):
        if self.batch_first:
            x = x.transpose(0, 1)
        y = h0[0]
        outs = []
        for t in range(x.shape[0]):
            nxt = torch.tanh(self.projection_1(x[t])) + torch.tanh(self.projection_2(y))
            if lengths is None:
                y = nxt
                outs.append(nxt)
            else:
                live = (t < lengths).to(x.dtype).unsqueeze(1)
                y = live * nxt + (1 - live) * y
                outs.append(live * nxt)
        out = torch.stack(outs)
        return (out.transpose(0, 1) if self.batch_first else out), y.unsqueeze(0)


def make_module(cell, layers, bidi, batch_first, dtype):
    if cell == "myrnn":
        module = MyRNN(I, H, batch_first=batch_first)
    elif cell in ("rnn", "rnn-relu"):
        module = nn.RNN(I, H, num_layers=layers, bidirectional=bidi, batch_first=batch_first,
                        nonlinearity="tanh" if cell == "rnn" else "relu")
    else:
        module = {"gru": nn.GRU, "lstm": nn.LSTM}[cell](I, H, num_layers=layers, bidirectional=bidi,
                                                      batch_first=batch_first)
    return module.to(dtype)


def run_module(module, cell, x, h0, c0, lengths, batch_first):
    """output in the input's layout, h_n, c_n (None unless LSTM); lengths go through packing."""
    if cell == "myrnn":
        out, hn = module(x, h0, lengths)
        return out, hn, None
    state = (h0, c0) if cell == "lstm" else h0
    if lengths is None:
        out, st = module(x, state)
    else:
        packed = pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
        out, st = module(packed, state)
        out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=T)
    return (out, st[0], st[1]) if cell == "lstm" else (out, st, None)


# ---------------------------------------------------------------------------------------------
# Cases


def case_name(cell, layers, bidi, batch_first, use_lengths, dname):
    return "%s-l%d-%s-%s-%s-%s" % (cell, layers, "bi" if bidi else "uni", "bf" if batch_first else "tm",
                                   "len" if use_lengths else "nolen", dname)


def all_cases():
    """(cell, layers, bidi, batch_first, lengths, dtype name) of every generated case."""
    cases = list(itertools.product(CELLS, [1, 2], [False, True], [False, True], [False, True], ["f32", "f64"]))
    cases += [("myrnn", 1, False, bf, ln, d) for bf, ln, d in itertools.product([False, True], [False, True], ["f32", "f64"])]
    return cases


def make_case(cell, layers, bidi, batch_first, use_lengths, dname):
    """Builds one case, writes its five files and returns its index entry."""
    name = case_name(cell, layers, bidi, batch_first, use_lengths, dname)
    seed = zlib.crc32(name.encode())
    dtype = DTYPES[dname]
    torch.manual_seed(seed)
    module = make_module(cell, layers, bidi, batch_first, dtype)
    lstm = cell == "lstm"
    state_shape = (layers * (2 if bidi else 1), B, H)
    has_h0 = not batch_first

    # Random draws, in a fixed order: input (time-major), h0, c0, then (after the forward)
    # grad_output (time-major), grad_h_n, grad_c_n.
    x_tm = torch.randn(T, B, I, dtype=dtype)
    h0 = torch.randn(state_shape, dtype=dtype) if has_h0 else torch.zeros(state_shape, dtype=dtype)
    c0 = torch.randn(state_shape, dtype=dtype) if has_h0 and lstm else torch.zeros(state_shape, dtype=dtype)
    lengths = None
    if use_lengths:
        lengths = torch.tensor([T, 2, 4] if seed % 2 else [3, T, 1], dtype=torch.int64)

    # Explicit zero h0/c0 with requires_grad when the case has none: grad.h0 is then the
    # gradient w.r.t. the implicit zero initial state.
    x = (x_tm.transpose(0, 1) if batch_first else x_tm).contiguous().requires_grad_(True)
    h0.requires_grad_(True)
    c0.requires_grad_(True)
    out, hn, cn = run_module(module, cell, x, h0, c0 if lstm else None, lengths, batch_first)
    g_out = torch.randn(T, B, out.shape[-1], dtype=dtype)  # drawn time-major, like the input
    if batch_first:
        g_out = g_out.transpose(0, 1).contiguous()
    g_hn = torch.randn_like(hn)
    g_cn = torch.randn_like(cn) if lstm else None
    loss = (out * g_out).sum() + (hn * g_hn).sum()
    if lstm:
        loss = loss + (cn * g_cn).sum()
    params = dict(module.state_dict(keep_vars=True))
    wrt = {"input": x, "h0": h0}
    if lstm:
        wrt["c0"] = c0
    wrt.update(params)
    grads = dict(zip(wrt, torch.autograd.grad(loss, list(wrt.values()))))

    inputs = {"input": x}
    if has_h0:
        inputs["h0"] = h0
        if lstm:
            inputs["c0"] = c0
    if use_lengths:
        inputs["lengths"] = lengths
    expected = {"output": out, "h_n": hn}
    if lstm:
        expected["c_n"] = cn
    grad_inputs = dict(inputs, grad_output=g_out, grad_h_n=g_hn)
    if lstm:
        grad_inputs["grad_c_n"] = g_cn
    expected_grad = dict(expected)
    expected_grad.update(("grad." + k, g) for k, g in grads.items())

    write_case_files(name, {"weights": params, "inputs": inputs, "expected": expected,
                            "grad_inputs": grad_inputs, "expected_grad": expected_grad})
    return {"case": name, "cell": cell, "layers": layers, "bidirectional": bidi, "batch_first": batch_first,
            "dtype": dname, "lengths": use_lengths, "h0": has_h0, "input_size": I, "hidden_size": H,
            "steps": T, "batch": B}


def rnn_basics():
    """The PyTorch 'RNN basics' notebook: seed 0, nn.RNN(4, 2), one-hot 'hello' rows, time-major.

    Exits if this torch does not reproduce the notebook's printed numbers (to 4 decimals).
    """
    torch.manual_seed(0)
    rnn = nn.RNN(4, 2)  # nothing else drawn before it
    h, e, l, o = [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]
    x = torch.tensor([[h, e, l, l, o], [e, o, l, l, l], [l, l, e, e, l]], dtype=torch.float32)
    with torch.no_grad():
        out, hn = rnn(x)
    want_w = torch.tensor([[-0.0053, 0.3793, -0.5820, -0.5204], [-0.2723, 0.1896, -0.0140, 0.5607]])
    want_out = torch.tensor([[-0.7497, -0.6135], [-0.5282, -0.2473], [-0.9136, -0.4269]])
    for what, got, want in [("weight_ih_l0", rnn.weight_ih_l0.detach(), want_w), ("output[0, :3]", out[0, :3], want_out)]:
        if not torch.allclose(got, want, rtol=0, atol=5e-5):
            sys.exit("torch %s does not reproduce the RNN-basics notebook %s:\n%s\nwanted\n%s"
                     % (torch.__version__, what, got, want))
    write_case_files("rnn-basics", {"weights": dict(rnn.state_dict()), "inputs": {"input": x},
                                    "expected": {"output": out, "h_n": hn}})
    return {"case": "rnn-basics", "cell": "rnn", "layers": 1, "bidirectional": False, "batch_first": False,
            "dtype": "f32", "lengths": False, "h0": False, "input_size": 4, "hidden_size": 2, "steps": 3, "batch": 5}


def main():
    torch.set_num_threads(1)
    index = [rnn_basics()]
    for case in sorted(all_cases(), key=lambda c: case_name(*c)):
        index.append(make_case(*case))
    index.sort(key=lambda c: c["case"])
    assert len({c["case"] for c in index}) == len(index)
    with open(os.path.join(ROOT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print("wrote %d cases to %s" % (len(index), ROOT))


if __name__ == "__main__":
    main()
