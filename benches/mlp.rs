//! P3: one SGD step of an MLP 784-256-128-10 (ReLU, mean softmax cross-entropy), batch 128,
//! f32, learning rate 0.01, on one synthetic batch.
//!
//! The limit, timed in the same run: the step's eight GEMMs alone (three forward; five
//! backward: two per layer, but no gradient for the input), with the kernel the crate uses
//! (`matrixmultiply` through ndarray's `general_mat_mul`), on preallocated outputs. The tape
//! is timed twice: written with `matmul_t` (x·Wᵀ with the transpose as strides), and with the
//! `nn::Mlp` model, `Params::bind`/`read_grads` and `optim::Sgd` as a user writes it. The
//! bound is timed just before and just after the `nn::Mlp` step; when the two disagree, the
//! machine changed speed during the run. The target is also timed as a ratio in turns
//! (`interleave.rs`; read "ms" as "×"), which a change of speed does not skew.
//! Run: `cargo bench --bench mlp`

mod interleave;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2};
use std::hint::black_box;
use std::time::Duration;
use tapegrad::nn::{self, Activation, Init, Mlp};
use tapegrad::optim::{Optimizer, Sgd};
use tapegrad::{Graph, Tensor, Var};

const SIZES: [usize; 4] = [784, 256, 128, 10];
const BATCH: usize = 128;
const LR: f32 = 0.01;

/// Uniform numbers in [-a, a) from a fixed-seed generator (SplitMix64).
fn uniform(n: usize, a: f32, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            a * (2.0 * (z >> 40) as f32 / (1u64 << 24) as f32 - 1.0)
        })
        .collect()
}

struct Batch {
    x: Tensor<f32>,
    classes: Vec<usize>,
}

fn batch() -> Batch {
    Batch {
        x: Tensor::from_vec(uniform(BATCH * SIZES[0], 1.0, 1), &[BATCH, SIZES[0]]).unwrap(),
        classes: (0..BATCH).map(|i| (i * 7) % SIZES[3]).collect(),
    }
}

/// Weights `[out, in]` and biases `[out]` of the three layers.
fn weights() -> Vec<Tensor<f32>> {
    let mut p = Vec::new();
    for (l, w) in SIZES.windows(2).enumerate() {
        let a = (6.0 / w[0] as f32).sqrt();
        p.push(Tensor::from_vec(uniform(w[1] * w[0], a, 10 + l as u64), &[w[1], w[0]]).unwrap());
        p.push(Tensor::zeros(&[w[1]]));
    }
    p
}

/// The step on the tape, written with the primitives: x·Wᵀ as `matmul_t`.
fn tape_step(g: &mut Graph<f32>, params: &mut [Tensor<f32>], b: &Batch) -> f32 {
    g.clear();
    let p: Vec<Var<'_, f32>> = params.iter().map(|t| g.tensor(t.clone())).collect();
    let mut h = g.constant(b.x.clone());
    for l in 0..3 {
        h = h.matmul_t(p[2 * l]) + p[2 * l + 1];
        if l < 2 {
            h = h.relu();
        }
    }
    let loss = nn::cross_entropy(h, &b.classes);
    loss.backward();
    for (t, v) in params.iter_mut().zip(&p) {
        let grad = v.grad();
        for (w, &d) in t.data_mut().iter_mut().zip(grad.data()) {
            *w -= LR * d;
        }
    }
    loss.item()
}

/// The same step as a user of `nn` writes it.
fn nn_step(g: &mut Graph<f32>, model: &mut Mlp<f32>, opt: &mut Sgd<f32>, b: &Batch) -> f32 {
    g.clear();
    let p = model.params().bind(g);
    let z = model.forward(&p, g.constant(b.x.clone()));
    let loss = nn::cross_entropy(z, &b.classes);
    loss.backward();
    model.params_mut().read_grads(&p);
    opt.step(model.params_mut());
    loss.item()
}

/// The eight GEMMs of the step, on preallocated buffers.
struct Gemms {
    x: Array2<f32>,
    w: [Array2<f32>; 3],
    h: [Array2<f32>; 3],
    g: [Array2<f32>; 3],
    dw: [Array2<f32>; 3],
    dh: [Array2<f32>; 2],
}

impl Gemms {
    fn new() -> Self {
        let z = |r, c| Array2::<f32>::from_elem((r, c), 0.01);
        let [i, h1, h2, o] = SIZES;
        Gemms {
            x: z(BATCH, i),
            w: [z(h1, i), z(h2, h1), z(o, h2)],
            h: [z(BATCH, h1), z(BATCH, h2), z(BATCH, o)],
            g: [z(BATCH, h1), z(BATCH, h2), z(BATCH, o)],
            dw: [z(h1, i), z(h2, h1), z(o, h2)],
            dh: [z(BATCH, h1), z(BATCH, h2)],
        }
    }

    fn run(&mut self) {
        let mm = |a: ArrayView2<f32>, b: ArrayView2<f32>, c: &mut Array2<f32>| {
            general_mat_mul(1.0, &a, &b, 0.0, c)
        };
        // Forward: h₀ = x·W₀ᵀ, h₁ = h₀·W₁ᵀ, h₂ = h₁·W₂ᵀ.
        mm(self.x.view(), self.w[0].t(), &mut self.h[0]);
        let (h0, rest) = self.h.split_at_mut(1);
        mm(h0[0].view(), self.w[1].t(), &mut rest[0]);
        let (h1, h2) = rest.split_at_mut(1);
        mm(h1[0].view(), self.w[2].t(), &mut h2[0]);
        // Backward: dWₗ = Gₗᵀ·(input of layer l), and dh = Gₗ·Wₗ for l = 2, 1.
        mm(self.g[2].t(), self.h[1].view(), &mut self.dw[2]);
        mm(self.g[2].view(), self.w[2].view(), &mut self.dh[1]);
        mm(self.g[1].t(), self.h[0].view(), &mut self.dw[1]);
        mm(self.g[1].view(), self.w[1].view(), &mut self.dh[0]);
        mm(self.g[0].t(), self.x.view(), &mut self.dw[0]);
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("P3 MLP step");
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    // State lives outside the closures: criterion calls a closure once per sample, so a tape
    // made inside one would be new for each sample, and its first step would pay for fresh
    // memory (for P4, page faults worth a fifth of the reused figure).
    //
    // The target is the `nn::Mlp` step against the bound, so it runs right after the bound,
    // and the bound runs again right after it: when the machine changes speed in between
    // (this shared machine has phases about 1.5× apart), the two bound figures disagree and
    // show that the ratio of that run is not to be trusted.
    let mut gm = Gemms::new();
    let mut bound = |bch: &mut criterion::Bencher| {
        bch.iter(|| {
            gm.run();
            black_box(gm.dw[0][[0, 0]])
        });
    };
    group.bench_function("8 GEMMs alone (the bound)", &mut bound);
    let b = batch();
    let mut model = Mlp::<f32>::new(&SIZES, Activation::Relu, Init::HeUniform, 1);
    let (mut opt, mut g) = (Sgd::new(LR), Graph::<f32>::default());
    group.bench_function("tape, nn::Mlp + Sgd", |bch| {
        bch.iter(|| black_box(nn_step(&mut g, &mut model, &mut opt, &b)));
    });
    group.bench_function("8 GEMMs alone, again (the bound)", &mut bound);
    let (mut params, mut g) = (weights(), Graph::<f32>::default());
    group.bench_function("tape, matmul_t", |bch| {
        bch.iter(|| black_box(tape_step(&mut g, &mut params, &b)));
    });
    // The target as a ratio timed in turns (`interleave.rs`): read "ms" as "×".
    let mut model = Mlp::<f32>::new(&SIZES, Activation::Relu, Init::HeUniform, 1);
    let (mut opt, mut g) = (Sgd::new(LR), Graph::<f32>::default());
    group.bench_function("ratio in turns: nn::Mlp + Sgd ÷ 8 GEMMs (ms = ×)", |bch| {
        interleave::ratio(
            bch,
            1,
            || {
                gm.run();
                gm.dw[0][[0, 0]]
            },
            || nn_step(&mut g, &mut model, &mut opt, &b),
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
