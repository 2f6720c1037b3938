//! P2: one step of micrograd's moons demo. 100 two-moons points, MLP 2-16-16-1 with ReLU,
//! loss mean(relu(1 − y·score)) + 1e-4·Σp², full batch, SGD, f64.
//!
//! Timed four ways in one run: written by hand with closed-form gradients (the limit),
//! on the tape built from scalar nodes (as micrograd builds it), and on the tape built from
//! tensors; and, for scale, from the same scalar nodes on the minimal scalar-only tape of
//! `minimal_tape.rs`. Each timed step starts from the same seed parameters (the demo's first
//! step), so the figure does not depend on how far the model has trained. Run:
//! `cargo bench --bench moons`

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use tapegrad::{Graph, Tensor, Var, nn};

mod minimal_tape;
use minimal_tape::{Tape, V};

const N: usize = 100;
const H: usize = 16;
const ALPHA: f64 = 1e-4;
const LR: f64 = 0.5;
// Offsets of the parameters in one flat array: w1 [16×2], b1, w2 [16×16], b2, w3 [16], b3.
const W1: usize = 0;
const B1: usize = W1 + 2 * H;
const W2: usize = B1 + H;
const B2: usize = W2 + H * H;
const W3: usize = B2 + H;
const B3: usize = W3 + H;
const P: usize = B3 + 1;

/// SplitMix64 in [0, 1).
fn rng(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Two interleaved half circles with noise 0.1 (as sklearn's `make_moons`), labels ±1.
///
/// Not `tapegrad::data::two_moons`: this stream (SplitMix64, a sum of three uniforms for the
/// noise, points alternating between the moons) is the one `benches/peers/micrograd_p2.py`
/// writes out in Python, so that micrograd's timed step works on the same points and the same
/// initial weights (`init`) as ours. Change both or neither.
fn moons() -> (Vec<[f64; 2]>, Vec<f64>) {
    let mut r = rng(7);
    let mut noise = move || 0.1 * (r() + r() + r() - 1.5) * 2.0;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..N {
        let t = std::f64::consts::PI * (i / 2) as f64 / (N / 2 - 1) as f64;
        let (p, label) = if i % 2 == 0 {
            ([t.cos(), t.sin()], -1.0)
        } else {
            ([1.0 - t.cos(), 0.5 - t.sin()], 1.0)
        };
        x.push([p[0] + noise(), p[1] + noise()]);
        y.push(label);
    }
    (x, y)
}

fn init() -> Vec<f64> {
    let mut r = rng(1);
    (0..P).map(|_| 2.0 * r() - 1.0).collect()
}

/// The step with every derivative written out. Returns the loss.
fn hand_step(p: &mut [f64], x: &[[f64; 2]], y: &[f64], g: &mut [f64]) -> f64 {
    g.fill(0.0);
    let mut loss = 0.0;
    for (xi, &yi) in x.iter().zip(y) {
        let (mut z1, mut z2) = ([0.0; H], [0.0; H]);
        for j in 0..H {
            z1[j] = p[W1 + 2 * j] * xi[0] + p[W1 + 2 * j + 1] * xi[1] + p[B1 + j];
        }
        let h1 = z1.map(|z| z.max(0.0));
        for j in 0..H {
            let row = &p[W2 + H * j..W2 + H * j + H];
            z2[j] = row.iter().zip(&h1).map(|(w, h)| w * h).sum::<f64>() + p[B2 + j];
        }
        let h2 = z2.map(|z| z.max(0.0));
        let s = p[W3..W3 + H]
            .iter()
            .zip(&h2)
            .map(|(w, h)| w * h)
            .sum::<f64>()
            + p[B3];
        let margin = 1.0 - yi * s;
        if margin <= 0.0 {
            continue;
        }
        loss += margin;
        let ds = -yi / N as f64;
        g[B3] += ds;
        let mut dz2 = [0.0; H];
        for j in 0..H {
            g[W3 + j] += ds * h2[j];
            dz2[j] = if z2[j] > 0.0 { ds * p[W3 + j] } else { 0.0 };
            g[B2 + j] += dz2[j];
        }
        let mut dh1 = [0.0; H];
        for j in 0..H {
            for i in 0..H {
                g[W2 + H * j + i] += dz2[j] * h1[i];
                dh1[i] += dz2[j] * p[W2 + H * j + i];
            }
        }
        for j in 0..H {
            let dz = if z1[j] > 0.0 { dh1[j] } else { 0.0 };
            g[W1 + 2 * j] += dz * xi[0];
            g[W1 + 2 * j + 1] += dz * xi[1];
            g[B1 + j] += dz;
        }
    }
    loss /= N as f64;
    for (gk, pk) in g.iter_mut().zip(p.iter()) {
        loss += ALPHA * pk * pk;
        *gk += 2.0 * ALPHA * pk;
    }
    for (pk, gk) in p.iter_mut().zip(g.iter()) {
        *pk -= LR * gk;
    }
    loss
}

/// One step from scalar nodes, one neuron at a time, as micrograd builds it, on tapegrad's
/// tape or on the minimal one (the same nodes): clear, forward, backward, then each
/// parameter moves by −LR times its gradient (`$grad` reads it from a handle).
macro_rules! scalar_step_on {
    ($tape:expr, $p:expr, $x:expr, $y:expr, $V:ident, $grad:expr) => {{
        $tape.clear();
        let tape = &*$tape;
        let v: Vec<$V<'_>> = $p.iter().map(|&w| tape.scalar(w)).collect();
        let mut data = None;
        for (xi, &yi) in $x.iter().zip($y) {
            let h1: [$V<'_>; H] = std::array::from_fn(|j| {
                (v[W1 + 2 * j] * xi[0] + v[W1 + 2 * j + 1] * xi[1] + v[B1 + j]).relu()
            });
            let h2: [$V<'_>; H] = std::array::from_fn(|j| {
                let mut z = v[B2 + j];
                for (i, &h) in h1.iter().enumerate() {
                    z = z + v[W2 + H * j + i] * h;
                }
                z.relu()
            });
            let mut s = v[B3];
            for (j, &h) in h2.iter().enumerate() {
                s = s + v[W3 + j] * h;
            }
            let term = (1.0 - yi * s).relu();
            data = Some(data.map_or(term, |d| d + term));
        }
        let mut reg = v[0].powi(2);
        for &w in &v[1..] {
            reg = reg + w.powi(2);
        }
        let loss = data.expect("points") / N as f64 + ALPHA * reg;
        loss.backward();
        for (pk, &vk) in $p.iter_mut().zip(&v) {
            *pk -= LR * $grad(vk);
        }
        loss.item()
    }};
}

/// The step built from scalar nodes on tapegrad's tape.
// `z = z + …` in the macro, not `+=`: the minimal tape's handle has no `AddAssign`, and both
// tapes must build the very same expression.
#[allow(clippy::assign_op_pattern)]
fn scalar_step(gr: &mut Graph, p: &mut [f64], x: &[[f64; 2]], y: &[f64]) -> f64 {
    scalar_step_on!(gr, p, x, y, Var, |v: Var<'_>| v.grad().item())
}

/// The same step on the minimal scalar-only tape of `minimal_tape.rs`.
fn minimal_step(t: &mut Tape, p: &mut [f64], x: &[[f64; 2]], y: &[f64]) -> f64 {
    scalar_step_on!(t, p, x, y, V, |v: V<'_>| v.grad())
}

/// The step built from tensors: the batch as `[100, 2]`, x·Wᵀ + b per layer.
fn tensor_step(gr: &mut Graph, p: &mut [Tensor<f64>], x: &Tensor<f64>, y: &Tensor<f64>) -> f64 {
    gr.clear();
    let v: Vec<Var<'_>> = p.iter().map(|t| gr.tensor(t.clone())).collect();
    let h1 = (gr.constant(x.clone()).matmul_t(v[0]) + v[1]).relu();
    let h2 = (h1.matmul_t(v[2]) + v[3]).relu();
    let s = h2.matmul_t(v[4]) + v[5];
    let mut reg = v[0].powi(2).sum();
    for &w in &v[1..] {
        reg += w.powi(2).sum();
    }
    let loss = nn::hinge(s, gr.constant(y.clone())) + ALPHA * reg;
    loss.backward();
    for (t, vk) in p.iter_mut().zip(&v) {
        let grad = vk.grad();
        for (w, &d) in t.data_mut().iter_mut().zip(grad.data()) {
            *w -= LR * d;
        }
    }
    loss.item()
}

fn tensors(p: &[f64]) -> Vec<Tensor<f64>> {
    let t = |a: usize, b: usize, shape: &[usize]| Tensor::from_vec(p[a..b].to_vec(), shape);
    vec![
        t(W1, B1, &[H, 2]).unwrap(),
        t(B1, W2, &[H]).unwrap(),
        t(W2, B2, &[H, H]).unwrap(),
        t(B2, W3, &[H]).unwrap(),
        t(W3, B3, &[1, H]).unwrap(),
        t(B3, P, &[1]).unwrap(),
    ]
}

/// Times `step` on the state `seed` makes, made anew (untimed) for every call.
fn from_seed<S>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    seed: impl Fn() -> S,
    mut step: impl FnMut(&mut S) -> f64,
) {
    group.bench_function(name, |b| {
        b.iter_batched_ref(&seed, |s| black_box(step(s)), BatchSize::SmallInput);
    });
}

fn bench(c: &mut Criterion) {
    let (x, y) = moons();
    // The four forms compute the same loss from the same parameters.
    let (mut a, mut b, mut ts) = (init(), init(), tensors(&init()));
    let xt = Tensor::from_vec(x.iter().flatten().copied().collect(), &[N, 2]).unwrap();
    let yt = Tensor::from_vec(y.clone(), &[N, 1]).unwrap();
    let mut gbuf = vec![0.0; P];
    let lh = hand_step(&mut a, &x, &y, &mut gbuf);
    let ls = scalar_step(&mut Graph::new(), &mut b, &x, &y);
    let lt = tensor_step(&mut Graph::new(), &mut ts, &xt, &yt);
    let lm = minimal_step(&mut Tape::new(), &mut init(), &x, &y);
    assert!(
        (lh - ls).abs() < 1e-12 && (lh - lt).abs() < 1e-12 && (lh - lm).abs() < 1e-12,
        "{lh} {ls} {lt} {lm}"
    );

    let mut group = c.benchmark_group("P2 moons step");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    // Every timed step starts from the seed's parameters, which the untimed setup puts back,
    // so each form does the work of the demo's first step in every sample. (Training on
    // across samples instead would time a model that meets its margin at every point,
    // where the hinge sends no gradient, and the tape, like the hand-written step, skips
    // that work.) The tapes live outside the closures: criterion calls a closure once per
    // sample, so a tape made inside one would be new for each sample, and its first step
    // would pay for fresh memory.
    let seed = init();
    from_seed(
        &mut group,
        "hand-written",
        || seed.clone(),
        |p| hand_step(p, &x, &y, &mut gbuf),
    );
    let mut g = Graph::new();
    from_seed(
        &mut group,
        "tape, scalar nodes",
        || seed.clone(),
        |p| scalar_step(&mut g, p, &x, &y),
    );
    let mut t = Tape::new();
    from_seed(
        &mut group,
        "minimal tape, scalar nodes",
        || seed.clone(),
        |p| minimal_step(&mut t, p, &x, &y),
    );
    let mut g = Graph::new();
    from_seed(
        &mut group,
        "tape, tensors",
        || tensors(&seed),
        |p| tensor_step(&mut g, p, &xt, &yt),
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
