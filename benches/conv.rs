//! A convolution step, forward and backward, as PyTorch's peer `benches/peers/pytorch_conv.py`
//! times it: batch 64 of 28×28 single-channel images (f32), `nn::Conv2d` 1→16 (3×3,
//! padding 1), ReLU, 2×2 max-pool, `nn::Conv2d` 16→32 (3×3, padding 1), the mean of the
//! output as the loss, and the gradients of the four parameters (no optimizer step; the
//! input is a constant). Run the two in turns with `benches/peers/alternate_conv.sh`.
//! Run: `cargo bench --bench conv`

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use tapegrad::nn::{Conv2d, ConvConfig, Generator, Params};
use tapegrad::{Graph, Tensor};

const BATCH: usize = 64;

/// Uniform numbers in [-1, 1) from a fixed-seed generator (SplitMix64, as the peer's).
fn uniform(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            2.0 * (z >> 40) as f32 / (1u64 << 24) as f32 - 1.0
        })
        .collect()
}

struct Net {
    params: Params<f32>,
    conv1: Conv2d,
    conv2: Conv2d,
}

fn net() -> Net {
    let mut params = Params::new();
    let mut rng = Generator::new(1);
    let pad1 = ConvConfig {
        padding: 1,
        ..ConvConfig::default()
    };
    let conv1 = Conv2d::new(&mut params, "conv1", 1, 16, 3, pad1, &mut rng);
    let conv2 = Conv2d::new(&mut params, "conv2", 16, 32, 3, pad1, &mut rng);
    Net {
        params,
        conv1,
        conv2,
    }
}

/// One forward and backward pass on a cleared tape; returns one gradient element.
fn step(g: &mut Graph<f32>, net: &mut Net, x: &Tensor<f32>) -> f32 {
    g.clear();
    let p = net.params.bind(g);
    let h = net.conv1.forward(&p, g.constant(x.clone()));
    let h = h.relu().max_pool2d(2, 2);
    let loss = net.conv2.forward(&p, h).mean();
    loss.backward();
    net.params.read_grads(&p);
    net.params["conv1.weight"].grad.data()[0]
}

fn bench(c: &mut Criterion) {
    let x = Tensor::from_vec(uniform(BATCH * 28 * 28, 1), &[BATCH, 1, 28, 28]).unwrap();
    let mut group = c.benchmark_group("conv");
    group.measurement_time(Duration::from_secs(8));
    let (mut net, mut g) = (net(), Graph::<f32>::default());
    group.bench_function("conv2d step, batch 64, 1→16→32, 28×28", |b| {
        b.iter(|| black_box(step(&mut g, &mut net, &x)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
