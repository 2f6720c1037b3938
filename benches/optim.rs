//! The optimizers' step against a plain Rust loop with the same arithmetic over the same
//! buffers (the memory-speed bound), timed in turns, on 100k and 1M parameters, f32 and f64.
//!
//! Each row is a ratio, `time(optimizer) ÷ time(plain loop)` (each side's fastest call of a
//! sample, the calls made in turns), reported as if it were
//! milliseconds: **read "time: 1.14 ms" as 1.14×**. Every call starts from the same state,
//! restored (untimed) before it, so a state that decays keeps its values for the whole run.
//! Two states:
//!
//! - `normal`: a few steps on gradients of order 1; every value is normal.
//! - `stale`: one step on gradients of magnitude 1 to 1e8 (log-uniform), then a thousand steps
//!   on a zero gradient, each optimizer running its own arithmetic. The plain loop's momentum
//!   buffers (Sgd's v, Adam's m) have then decayed into the subnormal range in f32 (Adam's m is
//!   0.1·g·0.9¹⁰⁰⁰ ≈ g·1.7e-47, subnormal for g above about 80), where a multiply that reads
//!   them is slow on CPUs that take a microcode assist for subnormals; the optimizers have
//!   flushed them to 0. In f64 a thousand steps leave them normal.
//!
//! Each row also prints both sides' fastest time per parameter in its last sample.
//!
//! The plain loops are PyTorch's arithmetic as one would write it by hand: Adam with one
//! division and one square root per element, bias corrections hoisted out of the loop.
//! Run: `cargo bench --bench optim`

use criterion::{Bencher, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tapegrad::nn::Params;
use tapegrad::optim::{Adam, Optimizer, Sgd};
use tapegrad::{Float, Tensor};

const LR: f64 = 1e-3;
const MU: f64 = 0.9;
const WD: f64 = 1e-4;
const STALE_STEPS: usize = 1000;

/// A deterministic value in [0, 1) for element `i` (Knuth's multiplicative hash).
fn unit(i: usize, seed: u32) -> f64 {
    ((i as u32).wrapping_mul(2_654_435_761) ^ seed) as f64 / (u32::MAX as f64 + 1.0)
}

/// The gradient of the first step: of order 1 (`normal`), or of magnitude 1 to 1e8 with
/// random signs (`stale`).
fn first_grad<T: Float>(n: usize, stale: bool) -> Vec<T> {
    (0..n)
        .map(|i| {
            let sign = if unit(i, 7) < 0.5 { -1.0 } else { 1.0 };
            let mag = if stale {
                10f64.powf(8.0 * unit(i, 11))
            } else {
                0.1 + unit(i, 11)
            };
            T::from_f64(sign * mag)
        })
        .collect()
}

/// The plain loops: the bound each optimizer is measured against.
#[derive(Clone)]
struct Plain<T> {
    w: Vec<T>,
    g: Vec<T>,
    m: Vec<T>,
    v: Vec<T>,
    t: i32,
}

impl<T: Float> Plain<T> {
    fn new(n: usize) -> Self {
        let w = (0..n).map(|i| T::from_f64(unit(i, 3) - 0.5)).collect();
        Plain {
            w,
            g: vec![T::ZERO; n],
            m: vec![T::ZERO; n],
            v: vec![T::ZERO; n],
            t: 0,
        }
    }

    /// Sgd with momentum μ and weight decay λ: g ← ∇ + λw, v ← μv + g, w ← w − ηv.
    fn sgd_momentum(&mut self) {
        let (lr, mu, wd) = (T::from_f64(LR), T::from_f64(MU), T::from_f64(WD));
        for ((w, &g), v) in self.w.iter_mut().zip(&self.g).zip(&mut self.m) {
            let g = g + wd * *w;
            *v = mu * *v + g;
            *w -= lr * *v;
        }
    }

    /// Sgd without momentum: w ← w − η(∇ + λw).
    fn sgd(&mut self) {
        let (lr, wd) = (T::from_f64(LR), T::from_f64(WD));
        for (w, &g) in self.w.iter_mut().zip(&self.g) {
            *w -= lr * (g + wd * *w);
        }
    }

    /// Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) with weight decay λ, as PyTorch computes it.
    fn adam(&mut self) {
        self.t += 1;
        let (b1, b2) = (T::from_f64(0.9), T::from_f64(0.999));
        let (eps, wd) = (T::from_f64(1e-8), T::from_f64(WD));
        let step_size = T::from_f64(LR) / (T::ONE - b1.powi(self.t));
        let inv_sqrt_c2 = T::ONE / (T::ONE - b2.powi(self.t)).sqrt();
        let it = self
            .w
            .iter_mut()
            .zip(&self.g)
            .zip(&mut self.m)
            .zip(&mut self.v);
        for (((w, &g), m), v) in it {
            let g = g + wd * *w;
            *m = b1 * *m + (T::ONE - b1) * g;
            *v = b2 * *v + (T::ONE - b2) * g * g;
            *w -= step_size * *m / (v.sqrt() * inv_sqrt_c2 + eps);
        }
    }
}

/// One parameter tensor holding the plain loop's weights and gradient.
fn params<T: Float>(p: &Plain<T>) -> Params<T> {
    let mut params = Params::new();
    let n = p.w.len();
    params.add("w", Tensor::from_vec(p.w.clone(), &[n]).unwrap());
    params.get_mut("w").unwrap().grad = Tensor::from_vec(p.g.clone(), &[n]).unwrap();
    params
}

fn set_grad<T: Float>(params: &mut Params<T>, g: &[T]) {
    let n = g.len();
    params.get_mut("w").unwrap().grad = Tensor::from_vec(g.to_vec(), &[n]).unwrap();
}

/// Brings the plain loop and the optimizer to the same state: steps on the first gradient
/// (one for `stale`, five for `normal`), then, for `stale`, a thousand on a zero gradient.
fn warm<T: Float, O: Optimizer<T>>(
    n: usize,
    stale: bool,
    opt: &mut O,
    plain_step: fn(&mut Plain<T>),
) -> (Plain<T>, Params<T>) {
    let mut plain = Plain::new(n);
    plain.g = first_grad(n, stale);
    let mut params = params(&plain);
    for _ in 0..if stale { 1 } else { 5 } {
        plain_step(&mut plain);
        opt.step(&mut params);
    }
    if stale {
        plain.g.iter_mut().for_each(|g| *g = T::ZERO);
        set_grad(&mut params, &plain.g);
        for _ in 0..STALE_STEPS {
            plain_step(&mut plain);
            opt.step(&mut params);
        }
    }
    (plain, params)
}

/// Times the optimizer against the plain loop in turns, one call each per iteration, each
/// from its saved state, and reports fastest(optimizer) ÷ fastest(plain) over the sample's
/// calls as that many milliseconds per iteration. Before each call both sides get fresh
/// copies of all their buffers (weights, gradient, state; untimed), so both start equally
/// warm in cache. `per_param` receives the two fastest times in nanoseconds per parameter
/// (plain, optimizer).
fn ratio<T: Float, O: Optimizer<T> + Clone>(
    b: &mut Bencher,
    saved: &(Plain<T>, Params<T>, O),
    plain_step: fn(&mut Plain<T>),
    per_param: &mut (f64, f64),
) {
    let (saved_plain, saved_params, saved_opt) = saved;
    let n = saved_plain.w.len();
    let (saved_w, saved_g) = (
        saved_params["w"].value.data(),
        saved_params["w"].grad.data(),
    );
    let mut params = params(saved_plain);
    b.iter_custom(|iters| {
        let mut pairs = Vec::with_capacity(iters as usize);
        for _ in 0..iters {
            let mut plain = saved_plain.clone();
            let t = Instant::now();
            plain_step(&mut plain);
            let l = t.elapsed();
            black_box(&plain.w);
            drop(plain);
            let mut opt = saved_opt.clone();
            let w = params.get_mut("w").unwrap();
            w.value = Tensor::from_vec(saved_w.to_vec(), &[n]).unwrap();
            w.grad = Tensor::from_vec(saved_g.to_vec(), &[n]).unwrap();
            let t = Instant::now();
            opt.step(&mut params);
            let s = t.elapsed();
            black_box(&params);
            pairs.push((l.as_secs_f64(), s.as_secs_f64()));
        }
        // Each side's fastest call in the sample: on this shared machine a call of a
        // millisecond is often preempted, and preemption only adds time, so the minimum of
        // calls made in turns is the figure that other processes do not move.
        let fastest = |f: fn(&(f64, f64)) -> f64| pairs.iter().map(f).fold(f64::MAX, f64::min);
        let (l, s) = (fastest(|p| p.0), fastest(|p| p.1));
        *per_param = (l * 1e9 / n as f64, s * 1e9 / n as f64);
        Duration::from_secs_f64(s / l * 1e-3 * iters as f64)
    });
}

/// Prints the last sample's absolute figures beside the ratio criterion reports.
fn report(name: &str, (plain, opt): (f64, f64)) {
    // Zero when the row was filtered out.
    if plain > 0.0 {
        println!("{name}: plain loop {plain:.2} ns/parameter, optimizer {opt:.2} ns/parameter");
    }
}

fn rows<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("optimizer step ÷ plain loop, {} (ms = ×)", T::NAME));
    group.sample_size(20);
    for n in [100_000, 1_000_000] {
        for stale in [false, true] {
            let state = if stale { "stale" } else { "normal" };
            let (lr, mu, wd) = (T::from_f64(LR), T::from_f64(MU), T::from_f64(WD));
            let mut opt = Adam::new(lr).weight_decay(wd);
            let (plain, params) = warm(n, stale, &mut opt, Plain::adam);
            let saved = (plain, params, opt);
            let name = format!("Adam, {n}, {state}");
            let mut ns = (0.0, 0.0);
            group.bench_function(&name, |b| ratio(b, &saved, Plain::adam, &mut ns));
            report(&name, ns);
            let mut opt = Sgd::new(lr).momentum(mu).weight_decay(wd);
            let (plain, params) = warm(n, stale, &mut opt, Plain::sgd_momentum);
            let saved = (plain, params, opt);
            let name = format!("Sgd momentum, {n}, {state}");
            let mut ns = (0.0, 0.0);
            group.bench_function(&name, |b| ratio(b, &saved, Plain::sgd_momentum, &mut ns));
            report(&name, ns);
            if !stale {
                // Without momentum there is no state to go stale.
                let mut opt = Sgd::new(lr).weight_decay(wd);
                let (plain, params) = warm(n, stale, &mut opt, Plain::sgd);
                let saved = (plain, params, opt);
                let name = format!("Sgd, {n}");
                let mut ns = (0.0, 0.0);
                group.bench_function(&name, |b| ratio(b, &saved, Plain::sgd, &mut ns));
                report(&name, ns);
            }
        }
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    rows::<f32>(c);
    rows::<f64>(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
