"""MyRNN and one SGD step in PyTorch, the PyTorch column of docs/comparison.md.

The data and weights are closed-form (no RNG), so examples/.../ComparisonMyRnn.java computes the
same numbers in Spool and checks them against the values this script prints.
Run: /usr/bin/python3 tools/comparison_myrnn_torch.py
"""
import math

import torch
from torch import nn

T, B, F, U = 5, 2, 3, 4


class MyRNN(nn.Module):
    def __init__(self, features, units):
        super().__init__()
        self.projection_1 = nn.Linear(features, units)
        self.projection_2 = nn.Linear(units, units)

    def forward(self, x):                      # x: (T, B, F), time-major
        state = x.new_zeros(x.shape[1], self.projection_2.out_features)
        outputs = []
        for xt in x:                           # a Python loop: autograd records every step
            state = torch.tanh(self.projection_1(xt)) + torch.tanh(self.projection_2(state))
            outputs.append(state)
        return torch.stack(outputs)            # (T, B, U)


def closed_form(shape, f):
    return torch.tensor([f(*i) for i in torch.cartesian_prod(*[torch.arange(n) for n in shape]).view(-1, len(shape)).tolist()],
                        dtype=torch.float32).reshape(shape)


model = MyRNN(F, U)
with torch.no_grad():
    model.projection_1.weight.copy_(closed_form((U, F), lambda u, f: 0.2 * math.sin(u + 2 * f + 1)))
    model.projection_1.bias.copy_(closed_form((U,), lambda u: 0.1 * math.cos(u)))
    model.projection_2.weight.copy_(closed_form((U, U), lambda u, v: 0.2 * math.cos(2 * u + v)))
    model.projection_2.bias.copy_(closed_form((U,), lambda u: 0.05 * math.sin(u + 1)))
x = closed_form((T, B, F), lambda t, b, f: math.sin(0.7 * t + 1.3 * b + 0.5 * f))
y = closed_form((T, B, U), lambda t, b, u: 0.5 * math.cos(0.3 * t + 0.9 * b + 0.4 * u))

opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss = torch.mean((model(x) - y) ** 2)         # one training step
opt.zero_grad()
loss.backward()
opt.step()
after = torch.mean((model(x) - y) ** 2).item()
print(f"loss {loss.item():.7f}  after one step {after:.7f}  projection_2.weight[0, 0] {model.projection_2.weight[0, 0].item():.7f}")
