//! Hessian-vector products on a function of 1,000 inputs,
//! f(x) = Σ softplus(W·x) + ½|x|² with a fixed W of shape [200, 1000]:
//!
//! - `hvp`: forward over reverse (the tangent of the recorded gradient), one call;
//! - `grad twice`: reverse over reverse (`g.grad` of ⟨∇f, v⟩), the usual double-backward;
//! - `gradient`: one `value_and_grad`, the unit of cost;
//! - `full Hessian`: `hessian`, 1,000 tangent passes, for scale.
//!
//! Ratios in turns against the gradient read "ms" as "×" (`interleave.rs`).
//! Run: `cargo bench --bench hvp`

mod interleave;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tapegrad::{Graph, Tensor, Var, hessian, hvp, value_and_grad};

const N: usize = 1000;
const M: usize = 200;

/// A fixed, deterministic W with entries in [−0.05, 0.05].
fn weights() -> Tensor<f64> {
    let data = (0..M * N)
        .map(|k| ((k * 7919 % 1000) as f64 / 1000.0 - 0.5) * 0.1)
        .collect();
    Tensor::from_vec(data, &[M, N]).unwrap()
}

fn f<'g>(g: &'g Graph, x: Var<'g>, w: &Tensor<f64>) -> Var<'g> {
    let z = g.constant(w.clone()).matmul(x.reshape(&[N, 1]));
    z.softplus().sum() + 0.5 * (x * x).sum()
}

fn bench(c: &mut Criterion) {
    let w = weights();
    let x = Tensor::from_vec((0..N).map(|i| (i as f64 / N as f64) - 0.5).collect(), &[N]).unwrap();
    let v = Tensor::from_vec((0..N).map(|i| ((i * 31) % 7) as f64 - 3.0).collect(), &[N]).unwrap();
    let mut group = c.benchmark_group("HVP, 1,000 inputs");
    group.bench_function("gradient (value_and_grad)", |b| {
        b.iter(|| value_and_grad(|g, x| f(g, x, &w), black_box(&x)))
    });
    group.bench_function("hvp (forward over reverse)", |b| {
        b.iter(|| hvp(|g, x| f(g, x, &w), black_box(&x), &v))
    });
    group.bench_function("grad twice (reverse over reverse)", |b| {
        b.iter(|| grad_twice(&w, black_box(&x), &v))
    });
    group.bench_function("ratio in turns: hvp ÷ gradient (ms = ×)", |b| {
        interleave::ratio(
            b,
            4,
            || value_and_grad(|g, x| f(g, x, &w), &x),
            || hvp(|g, x| f(g, x, &w), &x, &v),
        )
    });
    group.bench_function("ratio in turns: grad twice ÷ gradient (ms = ×)", |b| {
        interleave::ratio(
            b,
            4,
            || value_and_grad(|g, x| f(g, x, &w), &x),
            || grad_twice(&w, &x, &v),
        )
    });
    group.sample_size(10);
    group.bench_function("full Hessian (1,000 tangent passes)", |b| {
        b.iter(|| hessian(|g, x| f(g, x, &w), black_box(&x)))
    });
    group.finish();
}

/// H·v as the gradient of ⟨∇f, v⟩, both by recorded reverse passes.
fn grad_twice(w: &Tensor<f64>, x: &Tensor<f64>, v: &Tensor<f64>) -> Tensor<f64> {
    let g = Graph::new();
    let xv = g.tensor(x.clone());
    let grad = g.grad(f(&g, xv, w), &[xv])[0];
    let s = (grad * g.constant(v.clone())).sum();
    g.grad(s, &[xv])[0].value()
}

criterion_group!(benches, bench);
criterion_main!(benches);
