//! P1: one SGD step of the tutorial's 2-2-2 network, on the tape and written by hand.
//!
//! The hand-written step (closed-form gradients, no tape) is the limit; the figure that
//! matters is the ratio of the tape's median to it. The same step on the minimal scalar-only
//! tape of `minimal_tape.rs` is timed too, for scale, and each target once more as a ratio
//! timed in turns (`interleave.rs`; read "ms" as "×"). Run:
//! `cargo bench --bench worked_example`

mod interleave;
mod minimal_tape;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tapegrad::Graph;
#[path = "../examples/common/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;
use tutorial::{INPUTS, LEARNING_RATE, Network, TARGETS};

use minimal_tape::{Tape, V};

/// The same step with every derivative written out by hand.
fn hand_step(w: &mut [f64; 8], b: [f64; 2]) -> f64 {
    let s = |x: f64| 1.0 / (1.0 + (-x).exp());
    let [i1, i2] = INPUTS;
    let h1 = s(w[0] * i1 + w[1] * i2 + b[0]);
    let h2 = s(w[2] * i1 + w[3] * i2 + b[0]);
    let o1 = s(w[4] * h1 + w[5] * h2 + b[1]);
    let o2 = s(w[6] * h1 + w[7] * h2 + b[1]);
    let e = 0.5 * (TARGETS[0] - o1).powi(2) + 0.5 * (TARGETS[1] - o2).powi(2);
    let d1 = (o1 - TARGETS[0]) * o1 * (1.0 - o1);
    let d2 = (o2 - TARGETS[1]) * o2 * (1.0 - o2);
    let dh1 = (d1 * w[4] + d2 * w[6]) * h1 * (1.0 - h1);
    let dh2 = (d1 * w[5] + d2 * w[7]) * h2 * (1.0 - h2);
    let grads = [
        dh1 * i1,
        dh1 * i2,
        dh2 * i1,
        dh2 * i2,
        d1 * h1,
        d1 * h2,
        d2 * h1,
        d2 * h2,
    ];
    for (w, g) in w.iter_mut().zip(grads) {
        *w -= LEARNING_RATE * g;
    }
    e
}

/// The step on the minimal tape, node for node as `Network::forward` records it (53 nodes:
/// inputs, weights and biases as leaves, σ from tanh), without the names.
fn minimal_step(t: &mut Tape, w: &mut [f64; 8], b: [f64; 2]) -> f64 {
    t.clear();
    let t = &*t;
    let [i1, i2] = INPUTS.map(|x| t.scalar(x));
    let wv: [V<'_>; 8] = std::array::from_fn(|k| t.scalar(w[k]));
    let [b1, b2] = b.map(|x| t.scalar(x));
    let h1 = (wv[0] * i1 + wv[1] * i2 + b1).sigmoid();
    let h2 = (wv[2] * i1 + wv[3] * i2 + b1).sigmoid();
    let o1 = (wv[4] * h1 + wv[5] * h2 + b2).sigmoid();
    let o2 = (wv[6] * h1 + wv[7] * h2 + b2).sigmoid();
    let e = 0.5 * (TARGETS[0] - o1).powi(2) + 0.5 * (TARGETS[1] - o2).powi(2);
    e.backward();
    for (w, v) in w.iter_mut().zip(wv) {
        *w -= LEARNING_RATE * v.grad();
    }
    e.item()
}

fn bench(c: &mut Criterion) {
    // All three compute the tutorial's loss and update.
    let (mut w, b) = (Network::default().w, Network::default().b);
    let mut tape = Tape::new();
    let (lh, lm) = (
        hand_step(&mut w.clone(), b),
        minimal_step(&mut tape, &mut w, b),
    );
    let mut net = Network::default();
    let lt = net.step(&mut Graph::new(), LEARNING_RATE);
    assert!(
        (lh - lt).abs() < 1e-15 && (lm - lt).abs() < 1e-15,
        "{lh} {lm} {lt}"
    );
    assert!(
        w.iter().zip(net.w).all(|(a, b)| (a - b).abs() < 1e-15),
        "{w:?} {:?}",
        net.w
    );
    assert_eq!(tape.len(), 53);

    let mut group = c.benchmark_group("P1 worked example step");
    // State lives outside the closures: criterion calls a closure once per sample, so a tape
    // made inside one would be new for each sample, and its first step would pay for fresh
    // memory (for P4, page faults worth a fifth of the reused figure).
    let (mut w, b) = (Network::default().w, Network::default().b);
    group.bench_function("hand-written", |bch| {
        bch.iter(|| black_box(hand_step(black_box(&mut w), b)));
    });
    let mut net = Network::default();
    group.bench_function("tape, fresh Graph per step", |bch| {
        bch.iter(|| {
            let mut g = Graph::new();
            black_box(net.step(&mut g, LEARNING_RATE))
        });
    });
    let (mut net, mut g) = (Network::default(), Graph::new());
    group.bench_function("tape, reused Graph", |bch| {
        bch.iter(|| black_box(net.step(&mut g, LEARNING_RATE)));
    });
    let mut w = Network::default().w;
    group.bench_function("minimal tape, fresh per step", |bch| {
        bch.iter(|| black_box(minimal_step(&mut Tape::new(), black_box(&mut w), b)));
    });
    let (mut w, mut tape) = (Network::default().w, Tape::new());
    group.bench_function("minimal tape, reused", |bch| {
        bch.iter(|| black_box(minimal_step(&mut tape, black_box(&mut w), b)));
    });
    // The targets as ratios timed in turns (`interleave.rs`): read "ms" as "×".
    let (mut w, mut net, mut g) = (Network::default().w, Network::default(), Graph::new());
    group.bench_function(
        "ratio in turns: tape reused ÷ hand-written (ms = ×)",
        |bch| {
            interleave::ratio(
                bch,
                300,
                || hand_step(black_box(&mut w), b),
                || net.step(&mut g, LEARNING_RATE),
            );
        },
    );
    let (mut w, mut net) = (Network::default().w, Network::default());
    group.bench_function(
        "ratio in turns: tape fresh ÷ hand-written (ms = ×)",
        |bch| {
            interleave::ratio(
                bch,
                300,
                || hand_step(black_box(&mut w), b),
                || net.step(&mut Graph::new(), LEARNING_RATE),
            );
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
