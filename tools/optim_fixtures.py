#!/usr/bin/env python3
"""Reference optimizer steps from torch.optim for Spool's optimizer tests.

Run with Debian's PyTorch:  /usr/bin/python3 tools/optim_fixtures.py   (writes fixtures/optim/)
Each file holds float64 `p0` (initial parameter), `g1..g3` (the gradients of three steps) and
`p1..p3` (the parameter after each step).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "optim")


def run(name, make):
    torch.manual_seed(7)
    p0 = torch.randn(3, 4, dtype=torch.float64)
    grads = [torch.randn(3, 4, dtype=torch.float64) for _ in range(3)]
    p = p0.clone().requires_grad_(True)
    opt = make([p])
    tensors = {"p0": p0}
    for k, g in enumerate(grads, 1):
        p.grad = g.clone()
        opt.step()
        tensors["g%d" % k] = g
        tensors["p%d" % k] = p.detach().clone()
    write_safetensors(os.path.join(OUT, name + ".safetensors"), tensors)


def main():
    os.makedirs(OUT, exist_ok=True)
    run("sgd_momentum", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01))
    run("sgd_plain", lambda ps: torch.optim.SGD(ps, lr=0.5))
    run("adam", lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.01))
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
