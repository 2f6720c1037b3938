"""Reference values for the elementwise primitives and composites (issue 18).

Run once by hand; writes tests/fixtures/pytorch_elementwise.json, which
tests/pytorch_elementwise.rs compares against to 1e-12 in f64. The test suite never runs
Python.

    /work/torchenv/bin/python benches/peers/fixtures_elementwise.py

Each case is y = sum(f(inputs)) in float64: the file holds the elementwise values f(inputs)
and the gradient of y with respect to each input. With PyTorch importable the values and
gradients are PyTorch's own (eager autograd). Without it the script falls back to mpmath
at 50 digits for the smooth functions (values and analytic derivatives), and to PyTorch's
rules as written in its derivatives.yaml for the conventions at kinks (maximum's tie,
clamp's bounds, where's untaken branch), and records "source" accordingly.
"""

import json
import math
import os

CASES = [
    # name, inputs (lists of floats, broadcast against each other)
    ("sin", [[-2.5, -0.3, 0.0, 0.7, 3.0]]),
    ("cos", [[-2.5, -0.3, 0.0, 0.7, 3.0]]),
    ("tan", [[-1.2, -0.3, 0.0, 0.7, 1.4]]),
    ("atan", [[-30.0, -0.3, 0.0, 0.7, 3.0]]),
    ("erf", [[-3.0, -0.3, 0.0, 0.7, 2.0]]),
    ("asin", [[-0.9, -0.3, 0.0, 0.5, 0.99]]),
    ("acos", [[-0.9, -0.3, 0.0, 0.5, 0.99]]),
    ("sinh", [[-3.0, -1e-8, 0.0, 0.7, 5.0]]),
    ("cosh", [[-3.0, -1e-8, 0.0, 0.7, 5.0]]),
    ("log2", [[0.1, 0.5, 1.0, 3.0, 1000.0]]),
    ("log10", [[0.1, 0.5, 1.0, 3.0, 1000.0]]),
    ("exp2", [[-3.0, -0.5, 0.0, 0.7, 10.0]]),
    ("gelu", [[-3.0, -0.5, 0.0, 0.7, 3.0]]),
    ("gelu_tanh", [[-3.0, -0.5, 0.0, 0.7, 3.0]]),
    ("silu", [[-3.0, -0.5, 0.0, 0.7, 3.0]]),
    ("log_sigmoid", [[-30.0, -0.5, 0.0, 0.7, 30.0]]),
    ("pow", [[0.5, 1.5, 2.0, 3.0], [-1.5, 0.5, 3.0, 0.25]]),
    ("atan2", [[1.0, 1.0, -1.0, -1.0, 0.3], [1.0, -1.0, -1.0, 1.0, 2.0]]),
    ("hypot", [[3.0, -1.0, 0.5, 1e-3], [4.0, 2.0, -0.5, 2.0]]),
    ("softmin", [[0.5, -1.0, 2.0, 0.0]]),
    # The conventions at kinks.
    ("maximum_tie", [[2.0, 1.0, 3.0, 2.0], [2.0, 2.0, 2.0, -1.0]]),
    ("minimum_tie", [[2.0, 1.0, 3.0, 2.0], [2.0, 2.0, 2.0, -1.0]]),
    ("clamp_0_1", [[-1.0, 0.0, 0.5, 1.0, 2.0]]),
    ("where_nan_branch", [[1.0, 0.0, 1.0], [2.0, float("nan"), 3.0], [float("nan"), 5.0, float("inf")]]),
    ("where_ln_trap", [[0.0, 1.0, 2.5]]),
    ("floor_ceil_round", [[-1.5, -0.5, 0.5, 1.5, 2.5, 2.7]]),
]


def enc(x):
    """JSON has no NaN or infinity: those are written as strings."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def with_torch():
    import torch

    F = torch.nn.functional
    fns = {
        "sin": lambda x: torch.sin(x),
        "cos": lambda x: torch.cos(x),
        "tan": lambda x: torch.tan(x),
        "atan": lambda x: torch.atan(x),
        "erf": lambda x: torch.erf(x),
        "asin": lambda x: torch.asin(x),
        "acos": lambda x: torch.acos(x),
        "sinh": lambda x: torch.sinh(x),
        "cosh": lambda x: torch.cosh(x),
        "log2": lambda x: torch.log2(x),
        "log10": lambda x: torch.log10(x),
        "exp2": lambda x: torch.exp2(x),
        "gelu": lambda x: F.gelu(x),
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "silu": lambda x: F.silu(x),
        "log_sigmoid": lambda x: F.logsigmoid(x),
        "pow": lambda x, y: torch.pow(x, y),
        "atan2": lambda y, x: torch.atan2(y, x),
        "hypot": lambda x, y: torch.hypot(x, y),
        "softmin": lambda x: F.softmin(x, dim=0),
        "maximum_tie": lambda a, b: torch.maximum(a, b),
        "minimum_tie": lambda a, b: torch.minimum(a, b),
        "clamp_0_1": lambda x: torch.clamp(x, 0.0, 1.0),
        "where_nan_branch": lambda c, a, b: torch.where(c != 0, a, b),
        "where_ln_trap": lambda x: torch.where(x > 0, torch.log(x), torch.zeros_like(x)),
        "floor_ceil_round": lambda x: torch.floor(x) + torch.ceil(x) + torch.round(x),
    }
    out = []
    for name, inputs in CASES:
        xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
        y = fns[name](*xs)
        y.sum().backward()
        grads = [x.grad if x.grad is not None else torch.zeros_like(x) for x in xs]
        out.append((name, inputs, y.detach().tolist(), [g.tolist() for g in grads]))
    return "PyTorch " + torch.__version__, out


def with_mpmath():
    import mpmath as mp

    mp.mp.dps = 50
    f = mp.mpf
    sq2pi = mp.sqrt(2 * mp.pi)

    def sig(x):
        return 1 / (1 + mp.exp(-x))

    def gelu_tanh(x):
        k = mp.sqrt(2 / mp.pi)
        u = k * (x + f("0.044715") * x**3)
        t = mp.tanh(u)
        du = k * (1 + 3 * f("0.044715") * x**2)
        return x * (1 + t) / 2, (1 + t) / 2 + x * (1 - t * t) * du / 2

    # name -> (value, derivative) of a unary function at an mpf
    unary = {
        "sin": lambda x: (mp.sin(x), mp.cos(x)),
        "cos": lambda x: (mp.cos(x), -mp.sin(x)),
        "tan": lambda x: (mp.tan(x), 1 + mp.tan(x) ** 2),
        "atan": lambda x: (mp.atan(x), 1 / (1 + x * x)),
        "erf": lambda x: (mp.erf(x), 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)),
        "asin": lambda x: (mp.asin(x), 1 / mp.sqrt(1 - x * x)),
        "acos": lambda x: (mp.acos(x), -1 / mp.sqrt(1 - x * x)),
        "sinh": lambda x: (mp.sinh(x), mp.cosh(x)),
        "cosh": lambda x: (mp.cosh(x), mp.sinh(x)),
        "log2": lambda x: (mp.log(x, 2), 1 / (x * mp.log(2))),
        "log10": lambda x: (mp.log10(x), 1 / (x * mp.log(10))),
        "exp2": lambda x: (mp.power(2, x), mp.power(2, x) * mp.log(2)),
        "gelu": lambda x: (x * mp.ncdf(x), mp.ncdf(x) + x * mp.exp(-x * x / 2) / sq2pi),
        "gelu_tanh": gelu_tanh,
        "silu": lambda x: (x * sig(x), sig(x) * (1 + x * (1 - sig(x)))),
        "log_sigmoid": lambda x: (mp.log(sig(x)), 1 - sig(x)),
    }
    binary = {
        "pow": lambda x, y: (x**y, [y * x ** (y - 1), x**y * mp.log(x)]),
        "atan2": lambda y, x: (mp.atan2(y, x), [x / (x * x + y * y), -y / (x * x + y * y)]),
        "hypot": lambda x, y: (mp.hypot(x, y), [x / mp.hypot(x, y), y / mp.hypot(x, y)]),
    }
    out = []
    for name, inputs in CASES:
        if name in unary:
            vals, ders = zip(*(unary[name](f(v)) for v in inputs[0]))
            out.append((name, inputs, [float(v) for v in vals], [[float(d) for d in ders]]))
        elif name in binary:
            res = [binary[name](f(a), f(b)) for a, b in zip(*inputs)]
            vals = [float(v) for v, _ in res]
            grads = [[float(d[k]) for _, d in res] for k in range(2)]
            out.append((name, inputs, vals, grads))
        elif name == "softmin":
            x = [f(v) for v in inputs[0]]
            e = [mp.exp(-v) for v in x]
            s = [v / sum(e) for v in e]
            # d(Σ softmin)/dx = 0: the weights sum to 1.
            out.append((name, inputs, [float(v) for v in s], [[0.0] * len(x)]))
        elif name in ("maximum_tie", "minimum_tie"):
            # derivatives.yaml: grad / 2 where self == other, else all to the winner.
            a, b = inputs
            mx = name == "maximum_tie"
            vals = [max(p, q) if mx else min(p, q) for p, q in zip(a, b)]
            wa = [0.5 if p == q else float((p > q) == mx) for p, q in zip(a, b)]
            out.append((name, inputs, vals, [wa, [1.0 - w for w in wa]]))
        elif name == "clamp_0_1":
            # derivatives.yaml: the subgradient 1 at the bounds (mask x >= min & x <= max).
            x = inputs[0]
            vals = [min(max(v, 0.0), 1.0) for v in x]
            out.append((name, inputs, vals, [[float(0.0 <= v <= 1.0) for v in x]]))
        elif name == "where_nan_branch":
            c, a, b = inputs
            vals = [p if k != 0 else q for k, p, q in zip(c, a, b)]
            ga = [float(k != 0) for k in c]
            out.append((name, inputs, vals, [[0.0] * 3, ga, [1.0 - g for g in ga]]))
        elif name == "where_ln_trap":
            # where's backward sends 0 to the untaken log, whose rule then gives 0 / x.
            x = inputs[0]
            vals = [math.log(v) if v > 0 else 0.0 for v in x]
            grads = [1.0 / v if v > 0 else float("nan") for v in x]
            out.append((name, inputs, vals, [grads]))
        elif name == "floor_ceil_round":
            x = inputs[0]
            vals = [math.floor(v) + math.ceil(v) + round(v) for v in x]  # round(): halves to even
            out.append((name, inputs, [float(v) for v in vals], [[0.0] * len(x)]))
        else:
            raise KeyError(name)
    return "mpmath " + mp.__version__ + " (PyTorch not importable here)", out


def main():
    try:
        source, cases = with_torch()
    except Exception as e:  # noqa: BLE001 - any import or runtime failure falls back
        print("PyTorch unavailable (" + type(e).__name__ + "), using mpmath")
        source, cases = with_mpmath()
    doc = {
        "source": source,
        "cases": [
            {
                "name": name,
                "inputs": [[enc(v) for v in x] for x in inputs],
                "value": [enc(v) for v in value],
                "grads": [[enc(v) for v in g] for g in grads],
            }
            for name, inputs, value, grads in cases
        ],
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "tests", "fixtures", "pytorch_elementwise.json")
    # One case per line: small, and diffs read case by case.
    with open(path, "w") as fh:
        fh.write('{"source": ' + json.dumps(doc["source"]) + ',\n "cases": [\n')
        fh.write(",\n".join("  " + json.dumps(c) for c in doc["cases"]))
        fh.write("\n ]}\n")
    print("wrote", os.path.normpath(path), "from", source)


if __name__ == "__main__":
    main()
