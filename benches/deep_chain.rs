//! P4: x ← tanh(0.9·x + 0.1), 10⁶ times, forward and backward to dx_N/dx_0.
//!
//! The limit is a hand-written forward loop into a `Vec` and a reverse loop over it.
//! Run: `cargo bench --bench deep_chain`

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tapegrad::Graph;

const N: usize = 1_000_000;

fn hand(x0: f64) -> f64 {
    let mut ys = Vec::with_capacity(N);
    let mut x = x0;
    for _ in 0..N {
        x = (0.9 * x + 0.1).tanh();
        ys.push(x);
    }
    let mut g = 1.0;
    for &y in ys.iter().rev() {
        g *= (1.0 - y * y) * 0.9;
    }
    g
}

fn tape(g: &Graph, x0: f64) -> f64 {
    let x0 = g.scalar(x0);
    let mut x = x0;
    for _ in 0..N {
        x = (0.9 * x + 0.1).tanh();
    }
    x.backward();
    x0.grad().item()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("P4 deep chain");
    group.sample_size(10);
    // State lives outside the closures: criterion calls a closure once per sample, so a tape
    // made inside one would be new for each sample, and its first step would pay for fresh
    // memory (for P4, page faults worth a fifth of the reused figure).
    group.bench_function("hand-written loops", |b| {
        b.iter(|| black_box(hand(black_box(0.5))))
    });
    group.bench_function("tape, fresh Graph", |b| {
        b.iter(|| {
            let g = Graph::new();
            black_box(tape(&g, black_box(0.5)))
        })
    });
    let mut g = Graph::new();
    group.bench_function("tape, reused Graph", |b| {
        b.iter(|| {
            g.clear();
            black_box(tape(&g, black_box(0.5)))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
