//! Why hidden layers: a perceptron learns AND and OR but never XOR; a 2-2-1 sigmoid MLP
//! trained by backpropagation solves XOR.
//!
//! Run with `cargo run --release --example xor`.

#[path = "common/mod.rs"]
#[allow(dead_code)]
mod common;

use common::demo::{GATES, perceptron_on, xor_mlp};
use tapegrad::train::TrainStop;

fn main() {
    println!("== A perceptron, y = sign(w·x + b), rule Δw = η(t − y)x, up to 1000 epochs ==");
    for (name, gate) in GATES {
        let r = perceptron_on(gate, 1000, 0);
        let outcome = if r.converged {
            format!("learnt in {} epochs", r.epochs)
        } else {
            format!("not learnt after {} epochs", r.epochs)
        };
        println!(
            "{name:>3}: {outcome:<28} best accuracy {:>3.0}%",
            100.0 * r.best_accuracy
        );
    }
    println!("XOR is not linearly separable: no line gets more than 3 of the 4 points right.");
    println!();
    println!("== A 2-2-1 sigmoid MLP on XOR, backpropagation, loss ½Σ(t − y)² ==");
    let run = xor_mlp(1, 5000);
    let epochs = run.report.epoch_loss.len();
    let how = match run.report.stop {
        TrainStop::TargetLoss { epoch } => format!("reached the target loss 0.01 at epoch {epoch}"),
        TrainStop::MaxEpochs => format!("ran all {epochs} epochs"),
    };
    println!(
        "{how}; loss {:.3e} → {:.3e}",
        run.report.epoch_loss[0],
        run.report.final_loss()
    );
    for ((a, b), y) in [(0, 0), (0, 1), (1, 0), (1, 1)].iter().zip(&run.outputs) {
        println!("  XOR({a}, {b}) = {}   network: {y:.4}", a ^ b);
    }
    println!("accuracy {:.0}%", 100.0 * run.accuracy);
}
