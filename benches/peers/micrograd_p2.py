# P2 in micrograd: moons (100 points), MLP 2-16-16-1 ReLU, loss
# mean(relu(1 - y*score)) + 1e-4*sum(p^2), full batch, SGD. Same data and init as
# benches/moons.rs (SplitMix64). The automatic cyclic GC is off, and gc.collect() runs after
# every step: micrograd's Values hold cycles through their _backward closures, so this is its
# fastest setting that still frees each step's graph, as our step does (Graph::clear); pass
# `auto` to keep Python's defaults.
import gc, math, statistics, sys, time
from micrograd.engine import Value
from micrograd.nn import MLP

M64 = (1 << 64) - 1
def rng(seed):
    s = seed
    def r():
        nonlocal s
        s = (s + 0x9E3779B97F4A7C15) & M64
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return ((z ^ (z >> 31)) >> 11) / float(1 << 53)
    return r

N = 100
r = rng(7)
def noise():
    return 0.1 * (r() + r() + r() - 1.5) * 2.0
X, Y = [], []
for i in range(N):
    t = math.pi * (i // 2) / (N // 2 - 1)
    if i % 2 == 0:
        p, lab = (math.cos(t), math.sin(t)), -1.0
    else:
        p, lab = (1 - math.cos(t), 0.5 - math.sin(t)), 1.0
    X.append((p[0] + noise(), p[1] + noise()))
    Y.append(lab)

# The parameters in the bench's flat layout: W1 [16x2], b1, W2 [16x16], b2, W3 [16], b3.
model = MLP(2, [16, 16, 1])
ri = rng(1)
flat = [2 * ri() - 1 for _ in range(16 * 2 + 16 + 16 * 16 + 16 + 16 + 1)]
at = 0
for layer in model.layers:
    ws = [w for n in layer.neurons for w in n.w]
    for w in ws:
        w.data = flat[at]; at += 1
    for n in layer.neurons:
        n.b.data = flat[at]; at += 1
assert at == len(flat)

def step(k, lr=0.5):
    scores = [model([Value(a), Value(b)]) for a, b in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg = 1e-4 * sum((p * p for p in model.parameters()))
    total = data_loss + reg
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
if 'auto' not in sys.argv:
    gc.disable()
gc.collect()
first = step(0); gc.collect()
ts, tg = [], []
for k in range(n):
    t = time.perf_counter()
    step(k)
    t1 = time.perf_counter()
    gc.collect()
    t2 = time.perf_counter()
    ts.append(t1 - t); tg.append(t2 - t)
print(f"micrograd (first loss {first:.15f}): step median {statistics.median(ts)*1e3:.1f} ms min {min(ts)*1e3:.1f} (with the gc.collect: median {statistics.median(tg)*1e3:.1f} min {min(tg)*1e3:.1f})")
