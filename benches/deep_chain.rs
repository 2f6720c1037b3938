//! P4: x ← tanh(0.9·x + 0.1), 10⁶ times, forward and backward to dx_N/dx_0.
//!
//! The limit is a hand-written forward loop into a `Vec` and a reverse loop over it. The
//! minimal tape of `minimal_tape.rs` runs the same chain for scale, and the target is also
//! timed as a ratio in turns (`interleave.rs`; read "ms" as "×").
//! Run: `cargo bench --bench deep_chain`

mod interleave;
mod minimal_tape;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tapegrad::Graph;

const N: usize = 1_000_000;

fn hand(x0: f64, n: usize) -> f64 {
    let mut ys = Vec::with_capacity(n);
    let mut x = x0;
    for _ in 0..n {
        x = (0.9 * x + 0.1).tanh();
        ys.push(x);
    }
    let mut g = 1.0;
    for &y in ys.iter().rev() {
        g *= (1.0 - y * y) * 0.9;
    }
    g
}

fn tape(g: &Graph, x0: f64, n: usize) -> f64 {
    let x0 = g.scalar(x0);
    let mut x = x0;
    for _ in 0..n {
        x = (0.9 * x + 0.1).tanh();
    }
    x.backward();
    x0.grad().item()
}

/// The chain on the minimal scalar-only tape of `minimal_tape.rs`: the same three nodes a
/// step (scale, shift, tanh).
fn minimal(t: &minimal_tape::Tape, x0: f64, n: usize) -> f64 {
    let x0 = t.scalar(x0);
    let mut x = x0;
    for _ in 0..n {
        x = (0.9 * x + 0.1).tanh();
    }
    x.backward();
    x0.grad()
}

fn bench(c: &mut Criterion) {
    // At 200 steps, before the gradient underflows, all three give the same gradient,
    // 4.757157901360283e-35 (the chain's derivative, a product of 200 factors 0.9·(1 − xₖ²)).
    let mut t = minimal_tape::Tape::new();
    let close = |g: f64| (g / 4.757157901360283e-35 - 1.0).abs() < 1e-12;
    let (h, m, tp) = (
        hand(0.5, 200),
        minimal(&t, 0.5, 200),
        tape(&Graph::new(), 0.5, 200),
    );
    assert!(close(h) && close(m) && close(tp), "{h:e} {m:e} {tp:e}");
    assert_eq!(t.len(), 3 * 200 + 1);
    let mut group = c.benchmark_group("P4 deep chain");
    group.sample_size(10);
    // State lives outside the closures: criterion calls a closure once per sample, so a tape
    // made inside one would be new for each sample, and its first step would pay for fresh
    // memory (for P4, page faults worth a fifth of the reused figure).
    group.bench_function("hand-written loops", |b| {
        b.iter(|| black_box(hand(black_box(0.5), N)))
    });
    group.bench_function("tape, fresh Graph", |b| {
        b.iter(|| {
            let g = Graph::new();
            black_box(tape(&g, black_box(0.5), N))
        })
    });
    let mut g = Graph::new();
    group.bench_function("tape, reused Graph", |b| {
        b.iter(|| {
            g.clear();
            black_box(tape(&g, black_box(0.5), N))
        })
    });
    group.bench_function("minimal tape, reused", |b| {
        b.iter(|| {
            t.clear();
            black_box(minimal(&t, black_box(0.5), N))
        })
    });
    // The target as a ratio timed in turns (`interleave.rs`): read "ms" as "×".
    group.bench_function(
        "ratio in turns: tape reused ÷ hand-written loops (ms = ×)",
        |b| {
            interleave::ratio(
                b,
                1,
                || hand(black_box(0.5), N),
                || {
                    g.clear();
                    tape(&g, black_box(0.5), N)
                },
            );
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
