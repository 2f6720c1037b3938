//! micrograd's demo: 100 two-moons points, an MLP 2-16-16-1 with ReLU, hinge loss plus
//! 1e-4·Σp², 100 steps of SGD with lr = 1 − 0.9·k/100. Built twice from the same initial
//! weights: on scalar nodes, as micrograd builds it, and on tensors.
//!
//! Run with `cargo run --release --example moons`.

use std::time::Instant;
#[path = "common/mod.rs"]
#[allow(dead_code)]
mod common;

use common::demo::{moons_data, moons_model, moons_scalar, moons_tensor};

fn main() {
    let (x, y) = moons_data(1);
    let model = moons_model(1);
    println!(
        "100 points, MLP 2-16-16-1 ({} parameters), 100 steps",
        model.params().num_elements()
    );

    let start = Instant::now();
    let scalar = moons_scalar(model.clone(), &x, &y, 100);
    let t_scalar = start.elapsed().as_secs_f64() * 1e3 / 100.0;
    let start = Instant::now();
    let tensor = moons_tensor(model, &x, &y, 100);
    let t_tensor = start.elapsed().as_secs_f64() * 1e3 / 100.0;

    println!("step   scalar loss  acc    tensor loss  acc");
    for k in [0, 1, 2, 5, 10, 20, 50, 99] {
        println!(
            "{k:>4}   {:.9}  {:>3.0}%   {:.9}  {:>3.0}%",
            scalar.losses[k],
            100.0 * scalar.accuracies[k],
            tensor.losses[k],
            100.0 * tensor.accuracies[k]
        );
    }
    let gap = (scalar.losses[99] - tensor.losses[99]).abs();
    println!("final loss gap between the two forms: {gap:.2e}");
    println!(
        "scalar nodes: {} nodes per step, {t_scalar:.2} ms per step",
        scalar.nodes_per_step
    );
    println!(
        "tensors:      {} nodes per step, {t_tensor:.3} ms per step",
        tensor.nodes_per_step
    );
}
