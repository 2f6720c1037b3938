# The conv step of benches/conv.rs in PyTorch eager on this machine, f32, 2 threads: batch 64
# of 28×28 images, Conv2d 1→16 (3×3, padding 1), ReLU, 2×2 max-pool, Conv2d 16→32 (3×3,
# padding 1), the mean of the output as the loss, backward to the four parameters (the input
# is a constant). Prints the median and the minimum per step.
import statistics, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

M64 = (1 << 64) - 1
def uniform(n, seed):
    # SplitMix64, as `uniform` in benches/conv.rs: the same batch.
    s, out = seed, []
    for _ in range(n):
        s = (s + 0x9E3779B97F4A7C15) & M64
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        z ^= z >> 31
        out.append(2.0 * (z >> 40) / (1 << 24) - 1.0)
    return torch.tensor(out, dtype=torch.float32)

torch.set_num_threads(2)
x = uniform(64 * 28 * 28, 1).reshape(64, 1, 28, 28)
conv1 = nn.Conv2d(1, 16, 3, padding=1)
conv2 = nn.Conv2d(16, 32, 3, padding=1)
params = list(conv1.parameters()) + list(conv2.parameters())

def step():
    for p in params:
        p.grad = None
    h = F.max_pool2d(F.relu(conv1(x)), 2, 2)
    loss = conv2(h).mean()
    loss.backward()
    return loss

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
for _ in range(20):
    step()
ts = []
for _ in range(n):
    t = time.perf_counter()
    step()
    ts.append(time.perf_counter() - t)
print(f"torch {torch.__version__} threads {torch.get_num_threads()}: conv step median {statistics.median(ts)*1e3:.3f} ms min {min(ts)*1e3:.3f}")
