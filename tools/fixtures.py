#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures that Spool's Java tests read.

Run with Debian's PyTorch (package python3-torch, torch 1.13):

    apt-get install -y python3-torch
    /usr/bin/python3 tools/fixtures.py            # writes fixtures/

Layout: fixtures/index.json lists the cases; each case is a directory with
  weights.safetensors        the module's state_dict (PyTorch names)
  inputs.safetensors         input (T,B,I) or (B,T,I) with batch_first; h0/c0 (L*D,B,H) when the
                             case has an initial state; lengths (B,) int64 when it has lengths
  expected.safetensors       output, h_n, c_n (LSTM) as PyTorch returns them
  grad_inputs.safetensors    inputs plus grad_output, grad_h_n, grad_c_n (LSTM)
  expected_grad.safetensors  output, h_n, c_n plus grad.input, grad.h0, grad.c0 (LSTM) and
                             grad.<weight> of sum(output*grad_output) + sum(h_n*grad_h_n) [+ c_n term]
The script is deterministic: re-running it reproduces identical bytes.
"""
import itertools
import json
import os
import struct
import sys
import zlib

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
I, H, T, B = 3, 4, 5, 3
DTYPES = {"f32": torch.float32, "f64": torch.float64}
ST_DTYPE = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.int32: "I32"}


def write_safetensors(path, tensors):
    """The safetensors layout: u64 LE header size, space-padded JSON header, raw LE data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


class MyRNN(nn.Module):
    """y_t = tanh(P1 x_t + b1) + tanh(P2 y_{t-1} + b2); masked steps keep y and emit 0."""

    def __init__(self, features, units):
        super().__init__()
        self.projection_1 = nn.Linear(features, units)
        self.projection_2 = nn.Linear(units, units)
        self.units = units

    def forward(self, x, h0, lengths):
        y = h0[0]
        outs = []
        for t in range(x.shape[0]):
            nxt = torch.tanh(self.projection_1(x[t])) + torch.tanh(self.projection_2(y))
            if lengths is not None:
                m = (t < lengths).to(x.dtype).unsqueeze(1)
                y = m * nxt + (1 - m) * y
                outs.append(m * nxt)
            else:
                y = nxt
                outs.append(nxt)
        return torch.stack(outs), y.unsqueeze(0)


def make_module(cell, layers, bidi):
    if cell == "myrnn":
        return MyRNN(I, H)
    kw = dict(num_layers=layers, bidirectional=bidi)
    if cell in ("rnn", "rnn-relu"):
        return nn.RNN(I, H, nonlinearity="tanh" if cell == "rnn" else "relu", **kw)
    return {"gru": nn.GRU, "lstm": nn.LSTM}[cell](I, H, **kw)


def forward(module, cell, x_tm, h0, c0, lengths):
    """Runs time-major; returns output (T,B,D*H), h_n, c_n (or None)."""
    if cell == "myrnn":
        out, hn = module(x_tm, h0, lengths)
        return out, hn, None
    state = (h0, c0) if cell == "lstm" else h0
    if lengths is not None:
        packed = pack_padded_sequence(x_tm, lengths, enforce_sorted=False)
        out, st = module(packed, state)
        out, _ = pad_packed_sequence(out, total_length=x_tm.shape[0])
    else:
        out, st = module(x_tm, state)
    if cell == "lstm":
        return out, st[0], st[1]
    return out, st, None


def make_case(cell, layers, bidi, batch_first, use_lengths, dname):
    name = "%s-l%d-%s-%s-%s-%s" % (cell, layers, "bi" if bidi else "uni", "bf" if batch_first else "tm",
                                   "len" if use_lengths else "nolen", dname)
    dtype = DTYPES[dname]
    torch.manual_seed(zlib.crc32(name.encode()))
    module = make_module(cell, layers, bidi).to(dtype)
    d = 2 if bidi else 1
    x_tm = torch.randn(T, B, I, dtype=dtype)
    has_h0 = not batch_first
    h0 = torch.randn(layers * d, B, H, dtype=dtype) if has_h0 else torch.zeros(layers * d, B, H, dtype=dtype)
    c0 = torch.randn(layers * d, B, H, dtype=dtype) if has_h0 and cell == "lstm" else torch.zeros(layers * d, B, H, dtype=dtype)
    lengths = torch.tensor([T, 2, 4] if zlib.crc32(name.encode()) % 2 else [3, T, 1], dtype=torch.int64) if use_lengths else None

    x_tm.requires_grad_(True)
    h0.requires_grad_(True)
    c0.requires_grad_(True)
    out, hn, cn = forward(module, cell, x_tm, h0, c0 if cell == "lstm" else None, lengths)
    g_out, g_hn = torch.randn_like(out), torch.randn_like(hn)
    g_cn = torch.randn_like(cn) if cn is not None else None
    loss = (out * g_out).sum() + (hn * g_hn).sum() + ((cn * g_cn).sum() if cn is not None else 0)
    params = dict(module.state_dict(keep_vars=True))
    grads = torch.autograd.grad(loss, [x_tm, h0] + ([c0] if cell == "lstm" else []) + list(params.values()))

    def bf(t):
        return t.transpose(0, 1) if batch_first else t

    inputs = {"input": bf(x_tm)}
    if has_h0:
        inputs["h0"] = h0
        if cell == "lstm":
            inputs["c0"] = c0
    if use_lengths:
        inputs["lengths"] = lengths
    expected = {"output": bf(out), "h_n": hn}
    if cn is not None:
        expected["c_n"] = cn
    grad_inputs = dict(inputs, grad_output=bf(g_out), grad_h_n=g_hn)
    if g_cn is not None:
        grad_inputs["grad_c_n"] = g_cn
    expected_grad = dict(expected)
    expected_grad["grad.input"] = bf(grads[0])
    expected_grad["grad.h0"] = grads[1]
    k = 2
    if cell == "lstm":
        expected_grad["grad.c0"] = grads[2]
        k = 3
    for (pname, _), g in zip(params.items(), grads[k:]):
        expected_grad["grad." + pname] = g

    path = os.path.join(ROOT, name)
    os.makedirs(path, exist_ok=True)
    write_safetensors(os.path.join(path, "weights.safetensors"), {n: p for n, p in params.items()})
    write_safetensors(os.path.join(path, "inputs.safetensors"), inputs)
    write_safetensors(os.path.join(path, "expected.safetensors"), expected)
    write_safetensors(os.path.join(path, "grad_inputs.safetensors"), grad_inputs)
    write_safetensors(os.path.join(path, "expected_grad.safetensors"), expected_grad)
    return {"case": name, "cell": cell, "layers": layers, "bidirectional": bidi, "batch_first": batch_first,
            "dtype": dname, "lengths": use_lengths, "h0": has_h0, "input_size": I, "hidden_size": H,
            "steps": T, "batch": B}


def rnn_basics():
    """The PyTorch 'RNN basics' notebook: seed 0, nn.RNN(4, 2), one-hot 'hello' rows, time-major."""
    torch.manual_seed(0)
    rnn = nn.RNN(4, 2)
    h, e, l, o = [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]
    x = torch.tensor([[h, e, l, l, o], [e, o, l, l, l], [l, l, e, e, l]], dtype=torch.float32)
    out, hn = rnn(x)
    want_w = torch.tensor([[-0.0053, 0.3793, -0.5820, -0.5204], [-0.2723, 0.1896, -0.0140, 0.5607]])
    want_out = torch.tensor([[-0.7497, -0.6135], [-0.5282, -0.2473], [-0.9136, -0.4269]])
    if not torch.allclose(rnn.weight_ih_l0, want_w, atol=6e-5) or not torch.allclose(out[0, :3], want_out, atol=6e-5):
        sys.exit("torch %s does not reproduce the RNN-basics notebook numbers" % torch.__version__)
    path = os.path.join(ROOT, "rnn-basics")
    os.makedirs(path, exist_ok=True)
    write_safetensors(os.path.join(path, "weights.safetensors"), dict(rnn.state_dict()))
    write_safetensors(os.path.join(path, "inputs.safetensors"), {"input": x})
    write_safetensors(os.path.join(path, "expected.safetensors"), {"output": out, "h_n": hn})
    return {"case": "rnn-basics", "cell": "rnn", "layers": 1, "bidirectional": False, "batch_first": False,
            "dtype": "f32", "lengths": False, "h0": False, "input_size": 4, "hidden_size": 2, "steps": 3, "batch": 5}


def main():
    torch.set_num_threads(1)
    index = [rnn_basics()]
    for cell, layers, bidi, bfirst, lens, dname in itertools.product(
            ["rnn", "rnn-relu", "gru", "lstm"], [1, 2], [False, True], [False, True], [False, True], ["f32", "f64"]):
        index.append(make_case(cell, layers, bidi, bfirst, lens, dname))
    for bfirst, lens, dname in itertools.product([False, True], [False, True], ["f32", "f64"]):
        index.append(make_case("myrnn", 1, False, bfirst, lens, dname))
    index.sort(key=lambda c: c["case"])
    with open(os.path.join(ROOT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print("wrote %d cases to %s" % (len(index), os.path.normpath(ROOT)))


if __name__ == "__main__":
    main()
