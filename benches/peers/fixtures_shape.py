"""Reference values from PyTorch for the shape and reduction ops (issue 18).

Run once by hand, from the repository root, with a PyTorch install:

    python benches/peers/fixtures_shape.py

It writes tests/fixtures/pytorch_shape.json: a list of cases, each
{name, inputs, weight, output, grads}, where every tensor is {shape, data} in float64,
`output` is the op's value and `grads` are the gradients of sum(output * weight) with
respect to each input (PyTorch autograd). tests/pytorch_shape.rs recomputes every case with
tapegrad and compares to 1e-12. The test suite itself never runs Python.
"""

import json
import math
import pathlib

import torch

torch.set_default_dtype(torch.float64)


def t(data, shape):
    return torch.tensor(data, dtype=torch.float64).reshape(shape)


def enc(x):
    x = x.detach()
    data = [float(v) for v in x.reshape(-1).tolist()]
    # JSON has no infinities; the test reads these strings back as floats.
    data = [v if math.isfinite(v) else str(v) for v in data]
    return {"shape": list(x.shape), "data": data}


def case(name, f, inputs, weight=None):
    xs = [x.clone().requires_grad_(True) for x in inputs]
    y = f(*xs)
    if weight is None:
        n = y.numel()
        weight = torch.linspace(0.5, 1.5, n).reshape(y.shape) if n > 1 else torch.ones(y.shape)
    (y * weight).sum().backward()
    return {
        "name": name,
        "inputs": [enc(x) for x in inputs],
        "weight": enc(weight),
        "output": enc(y),
        "grads": [enc(x.grad) for x in xs],
    }


a23 = t([0.3, -1.2, 2.5, 0.7, -0.4, 1.1], [2, 3])
b22 = t([1.5, -0.8, 0.2, 2.2], [2, 2])
x34 = t([0.5, -1.0, 2.0, 0.25, 1.5, -0.75, 0.1, 3.0, -2.0, 0.4, 1.2, -0.6], [3, 4])

cases = [
    case("cat_axis1", lambda a, b: torch.cat([a, b], dim=1), [a23, b22]),
    case("cat_axis0_three", lambda a: torch.cat([a, a * 2, a], dim=0), [a23]),
    case("stack_axis_neg1", lambda a, b: torch.stack([a, b], dim=-1), [a23, a23.flip(0)]),
    case("narrow_axis1", lambda x: x.narrow(1, 1, 2), [x34]),
    case("narrow_axis0", lambda x: x.narrow(0, 2, 1), [x34]),
    case("index_select_repeats", lambda x: x.index_select(0, torch.tensor([2, 0, 2])), [x34]),
    case("permute_3d", lambda x: x.reshape(2, 3, 2).permute(2, 0, 1), [x34]),
    case("logsumexp_axis1", lambda x: torch.logsumexp(x, dim=1), [x34]),
    case("logsumexp_all_keepdim", lambda x: torch.logsumexp(x, dim=(0, 1), keepdim=True), [x34]),
    case(
        "logsumexp_1e30",
        lambda x: torch.logsumexp(x, dim=1),
        [t([1e30, 0.0, 1.0, 1000.0, 999.0, 998.0], [2, 3])],
    ),
    case("var_axis0_correction1", lambda x: torch.var(x, dim=0, correction=1), [x34]),
    case("var_all_correction0", lambda x: torch.var(x, dim=(0, 1), correction=0), [x34]),
    case("std_axis1_correction1_keepdim", lambda x: torch.std(x, dim=1, correction=1, keepdim=True), [x34]),
    case("std_axis0_correction0", lambda x: torch.std(x, dim=0, correction=0), [x34]),
    case("prod_with_a_zero", lambda x: torch.prod(x, dim=1), [t([2.0, 0.0, 3.0, 1.5, -2.0, 4.0], [2, 3])]),
    case("prod_with_two_zeros", lambda x: torch.prod(x, dim=0), [t([0.0, 2.0, 0.0, 5.0], [4, 1])]),
    case("prod_all", lambda x: torch.prod(x), [x34]),
    case("norm_rows_with_a_zero_row", lambda x: torch.linalg.vector_norm(x, dim=1), [t([3.0, 4.0, 0.0, 0.0, 1.0, -2.0], [3, 2])]),
    case("amax_axis0", lambda x: torch.amax(x, dim=0), [x34]),
    case(
        "matmul_batched_broadcast",
        lambda a, b: torch.matmul(a, b),
        [x34.reshape(2, 1, 2, 3), torch.linspace(-1.0, 1.0, 18).reshape(3, 3, 2)],
    ),
    case("matmul_vector_matrix", lambda a, b: torch.matmul(a, b), [t([1.0, -2.0, 0.5], [3]), x34.narrow(0, 0, 3)]),
]

out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "pytorch_shape.json"
out.parent.mkdir(parents=True, exist_ok=True)
meta = {"torch": torch.__version__, "cases": cases}
out.write_text(json.dumps(meta, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out}")
