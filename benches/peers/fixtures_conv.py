# Writes tests/fixtures/pytorch_conv.json: forward values and gradients from PyTorch (f64)
# for conv1d/conv2d (padding, stride, dilation, groups) and the four pools. Each case holds
# its inputs x (and w), an upstream weighting u of the output, the output y and the
# gradients of Σ u·y. tests/pytorch_conv.rs recomputes each case and compares to 1e-12.
# Run once by hand (not in CI):  /path/to/python benches/peers/fixtures_conv.py
import json, math, pathlib
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

def values(shape, seed):
    # Spread over [-1, 1] by an LCG, no two neighbours equal (max-pool ties would make the
    # gradient a convention rather than a measurement; ties have their own test).
    n, s, out = math.prod(shape), seed, []
    for _ in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append(-1.0 + 2.0 * (s >> 11) / (1 << 53))
    return torch.tensor(out).reshape(shape)

def dump(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}

cases = []
def case(name, op, params, x, w=None):
    x = x.clone().requires_grad_(True)
    args = [x] if w is None else [x, w.clone().requires_grad_(True)]
    y = {
        "conv1d": lambda: F.conv1d(x, args[1], **params),
        "conv2d": lambda: F.conv2d(x, args[1], **params),
        "max_pool1d": lambda: F.max_pool1d(x, **params),
        "max_pool2d": lambda: F.max_pool2d(x, **params),
        "avg_pool1d": lambda: F.avg_pool1d(x, **params),
        "avg_pool2d": lambda: F.avg_pool2d(x, **params),
    }[op]()
    u = values(list(y.shape), 1000 + len(cases))
    (y * u).sum().backward()
    c = {"name": name, "op": op, "params": params, "x": dump(x), "u": dump(u), "y": dump(y),
         "grad_x": dump(x.grad)}
    if w is not None:
        c["w"] = dump(args[1])
        c["grad_w"] = dump(args[1].grad)
    cases.append(c)

p = lambda padding, stride, dilation, groups: dict(padding=padding, stride=stride, dilation=dilation, groups=groups)
case("conv2d plain", "conv2d", p(0, 1, 1, 1), values([2, 3, 5, 6], 1), values([4, 3, 3, 3], 2))
case("conv2d padding 2 stride 2", "conv2d", p(2, 2, 1, 1), values([2, 2, 7, 5], 3), values([3, 2, 3, 2], 4))
case("conv2d dilation 2 padding 1", "conv2d", p(1, 1, 2, 1), values([1, 2, 6, 6], 5), values([2, 2, 3, 3], 6))
case("conv2d groups 2 stride 3", "conv2d", p(1, 3, 1, 2), values([2, 4, 8, 7], 7), values([6, 2, 2, 3], 8))
case("conv2d depthwise all", "conv2d", p(1, 2, 2, 3), values([2, 3, 9, 9], 9), values([3, 1, 3, 3], 10))
case("conv1d plain", "conv1d", p(0, 1, 1, 1), values([2, 3, 9], 11), values([4, 3, 3], 12))
case("conv1d all", "conv1d", p(2, 2, 2, 2), values([2, 4, 11], 13), values([6, 2, 3], 14))
case("max_pool2d 2", "max_pool2d", dict(kernel_size=2, stride=2), values([2, 3, 6, 7], 15))
case("max_pool2d 3 overlapping", "max_pool2d", dict(kernel_size=3, stride=1), values([1, 2, 5, 6], 16))
case("max_pool1d 3 stride 2", "max_pool1d", dict(kernel_size=3, stride=2), values([2, 2, 10], 17))
case("avg_pool2d 2", "avg_pool2d", dict(kernel_size=2, stride=2), values([2, 3, 6, 7], 18))
case("avg_pool2d 3 stride 1", "avg_pool2d", dict(kernel_size=3, stride=1), values([1, 2, 5, 6], 19))
case("avg_pool1d 2 stride 3", "avg_pool1d", dict(kernel_size=2, stride=3), values([2, 2, 10], 20))

out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "pytorch_conv.json"
out.parent.mkdir(exist_ok=True)
out.write_text(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out}")
