#!/usr/bin/env python3
"""Reference optimizer steps and gradient clipping from PyTorch for Spool's nn.train tests.

Run with Debian's PyTorch:  /usr/bin/python3 tools/optim_fixtures.py   (rewrites fixtures/optim/,
deterministically). All tensors are float64.

Optimizer files (sgd_momentum, sgd_plain, adam) hold two parameters, `a` (3, 4) and `b` (5,), so
that per-parameter state is exercised: `p0.a`, `p0.b` (initial values), `g1.a` .. `g3.b` (the
gradients given at steps 1..3) and `p1.a` .. `p3.b` (the parameters after each step).

clip.safetensors holds gradients `g.a`, `g.b`, the maximum norm `max_norm`, `norm` (the total norm
torch.nn.utils.clip_grad_norm_ returns), `clipped.a`, `clipped.b` (d2l's rule: g * max_norm / norm,
which Spool follows) and `torch.a`, `torch.b` (clip_grad_norm_'s result, scaled by
max_norm / (norm + 1e-6)).
"""
import os
import sys

# Imported before torch: fixtures.py pins the CPU-dependent kernels before torch is loaded, so the
# last bits of these results are reproducible too.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import write_safetensors  # noqa: E402  (the encoder shared with tools/fixtures.py)

import torch  # noqa: E402

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "optim"))
SHAPES = {"a": (3, 4), "b": (5,)}


def run_optimizer(name, make):
    torch.manual_seed(7)
    params = {n: torch.randn(*s, dtype=torch.float64) for n, s in SHAPES.items()}
    grads = [{n: torch.randn(*s, dtype=torch.float64) for n, s in SHAPES.items()} for _ in range(3)]
    live = {n: p.clone().requires_grad_(True) for n, p in params.items()}
    opt = make(list(live.values()))
    tensors = {"p0." + n: p for n, p in params.items()}
    for k, g in enumerate(grads, 1):
        for n, p in live.items():
            p.grad = g[n].clone()
        opt.step()
        tensors.update({"g%d.%s" % (k, n): g[n] for n in SHAPES})
        tensors.update({"p%d.%s" % (k, n): live[n].detach().clone() for n in SHAPES})
    write_safetensors(os.path.join(OUT, name + ".safetensors"), tensors)


def run_clipping():
    torch.manual_seed(11)
    grads = {n: torch.randn(*s, dtype=torch.float64) for n, s in SHAPES.items()}
    max_norm = 1.0
    live = {n: torch.zeros(*s, dtype=torch.float64, requires_grad=True) for n, s in SHAPES.items()}
    for n, p in live.items():
        p.grad = grads[n].clone()
    norm = torch.nn.utils.clip_grad_norm_(list(live.values()), max_norm)
    # d2l's clip_gradients: norm = sqrt(sum of every gradient's squares); if norm > max: g *= max / norm.
    d2l_norm = torch.sqrt(sum((g ** 2).sum() for g in grads.values()))
    assert d2l_norm > max_norm
    tensors = {"g." + n: g for n, g in grads.items()}
    tensors["max_norm"] = torch.tensor(max_norm, dtype=torch.float64)
    tensors["norm"] = norm.detach().clone()
    tensors.update({"clipped." + n: g * (max_norm / d2l_norm) for n, g in grads.items()})
    tensors.update({"torch." + n: p.grad.clone() for n, p in live.items()})
    write_safetensors(os.path.join(OUT, "clip.safetensors"), tensors)


def main():
    os.makedirs(OUT, exist_ok=True)
    run_optimizer("sgd_momentum", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01))
    run_optimizer("sgd_plain", lambda ps: torch.optim.SGD(ps, lr=0.5))
    run_optimizer("adam", lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.01))
    run_clipping()
    print("wrote", OUT)


if __name__ == "__main__":
    main()
