//! An MLP on the 8×8 handwritten digits (`examples/data/digits.csv`, 1,797 images), trained
//! with Adam on mean cross-entropy and tested on a held-out 20% (seeded split).
//!
//! Run with `cargo run --release --example digits`.

use std::time::Instant;
use tapegrad::data::read_labeled_csv;
#[path = "common/mod.rs"]
#[allow(dead_code)]
mod common;

use common::demo::{DigitsConfig, digits};

fn main() -> Result<(), tapegrad::Error> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/digits.csv");
    let data = read_labeled_csv(path)?;
    let cfg = DigitsConfig::default();
    println!(
        "{} images of {} pixels, {} classes; MLP {}-{:?}-{} (ReLU), Adam lr {}, batch {}, {} epochs",
        data.len(),
        data.features(),
        data.classes(),
        data.features(),
        cfg.hidden,
        data.classes(),
        cfg.lr,
        cfg.batch_size,
        cfg.epochs
    );
    let start = Instant::now();
    let run = digits(&data, &cfg);
    let secs = start.elapsed().as_secs_f64();
    for (e, l) in run.report.epoch_loss.iter().enumerate() {
        if e == 0 || (e + 1) % 5 == 0 {
            println!("epoch {:>3}: mean cross-entropy {l:.4}", e + 1);
        }
    }
    println!(
        "train {} / test {}: train accuracy {:.2}%, test accuracy {:.2}% ({secs:.2} s)",
        run.sizes.0,
        run.sizes.1,
        100.0 * run.train_accuracy,
        100.0 * run.test_accuracy
    );
    println!("confusion matrix on the test set (rows: true digit, columns: predicted):");
    println!(
        "      {}",
        (0..10).map(|d| format!("{d:>4}")).collect::<String>()
    );
    for (d, row) in run.confusion.iter().enumerate() {
        println!(
            "  {d}:  {}",
            row.iter().map(|c| format!("{c:>4}")).collect::<String>()
        );
    }
    Ok(())
}
