# P3 in PyTorch eager: MLP 784-256-128-10, ReLU, mean softmax cross-entropy,
# batch 128, SGD lr 0.01, f32, 2 threads. Prints the median and the minimum per step.
import statistics, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

M64 = (1 << 64) - 1
def uniform(n, a, seed):
    # SplitMix64, as `uniform` in benches/mlp.rs: the same batch and the same weights.
    s, out = seed, []
    for _ in range(n):
        s = (s + 0x9E3779B97F4A7C15) & M64
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        z ^= z >> 31
        out.append(a * (2.0 * (z >> 40) / (1 << 24) - 1.0))
    return torch.tensor(out, dtype=torch.float32)

torch.set_num_threads(2)
sizes = [784, 256, 128, 10]
x = uniform(128 * 784, 1.0, 1).reshape(128, 784)
y = torch.tensor([(i * 7) % 10 for i in range(128)])
layers = []
for l in range(3):
    lin = nn.Linear(sizes[l], sizes[l + 1])
    with torch.no_grad():
        a = (6.0 / sizes[l]) ** 0.5
        lin.weight.copy_(uniform(sizes[l + 1] * sizes[l], a, 10 + l).reshape(sizes[l + 1], sizes[l]))
        lin.bias.zero_()
    layers += [lin, nn.ReLU()] if l < 2 else [lin]
model = nn.Sequential(*layers)
opt = torch.optim.SGD(model.parameters(), lr=0.01)

def step():
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss

def per_call(f, n, warm=200):
    """Seconds per call of `f`, n times after `warm` calls."""
    for _ in range(warm):
        f()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return ts

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
first = step().item()
ts = per_call(step, n)
# the eight GEMMs alone, as our bench's bound (x·Wᵀ forward; Gᵀ·h and G·W backward)
W = [p.detach().clone() for p in model.parameters() if p.dim() == 2]
h = [torch.rand(128, 256), torch.rand(128, 128), torch.rand(128, 10)]
G = [torch.rand(128, 256), torch.rand(128, 128), torch.rand(128, 10)]
dW = [torch.empty_like(w) for w in W]
dh = [torch.empty(128, 256), torch.empty(128, 128)]
def eight(mm, tr, x, W, h, G, dW, dh):
    """The step's eight products with `mm(a, b, out)` and the transpose `tr`."""
    def run():
        mm(x, tr(W[0]), h[0]); mm(h[0], tr(W[1]), h[1]); mm(h[1], tr(W[2]), h[2])
        mm(tr(G[2]), h[1], dW[2]); mm(G[2], W[2], dh[1])
        mm(tr(G[1]), h[0], dW[1]); mm(G[1], W[1], dh[0])
        mm(tr(G[0]), x, dW[0])
    return run
gs = per_call(eight(lambda a, b, c: torch.mm(a, b, out=c), torch.t, x, W, h, G, dW, dh), n)
print(f"torch {torch.__version__} threads {torch.get_num_threads()} (first loss {first:.6f}): step median {statistics.median(ts)*1e3:.3f} ms min {min(ts)*1e3:.3f} | 8 GEMMs median {statistics.median(gs)*1e3:.3f} ms min {min(gs)*1e3:.3f}")

# The same eight products in numpy (OpenBLAS in the PyPI wheel): a second BLAS beside MKL
# and our matrixmultiply, to tell a slow machine's GEMMs from a slow step.
try:
    import numpy as np
except ImportError:
    sys.exit(0)
# The same arrays, shared with the tensors above (`Tensor.numpy()` copies nothing).
arrays = [x.numpy()] + [[t.numpy() for t in ts] for ts in (W, h, G, dW, dh)]
np_gemms = eight(lambda a, b, c: np.matmul(a, b, out=c), np.transpose, *arrays)
try:
    from threadpoolctl import threadpool_info
    blas = ", ".join(f"{i['internal_api']} {i.get('architecture', '')} {i['num_threads']} threads" for i in threadpool_info())
except ImportError:
    blas = "BLAS not named (no threadpoolctl)"
ns = per_call(np_gemms, n)
print(f"numpy {np.__version__} ({blas}): 8 GEMMs median {statistics.median(ns)*1e3:.3f} ms min {min(ns)*1e3:.3f}")
