//! Activation functions and their derivatives, the derivatives taken by the tape.
//!
//! sigmoid, tanh and softsign share one chart and ReLU has its own, over [−6, 6]; beside each
//! chart is one of the derivatives, computed by the engine's own `backward` (one pass over
//! y.sum(), whose gradient at each x is f'(x)), not by a formula.
//!
//! Run: `cargo run --release --example activations [DIR]` (default `target/plots/`).

use std::path::{Path, PathBuf};
use tapegrad::plot::{self, Chart, Legend};
use tapegrad::{Graph, Tensor, Var};

/// (x, y) points of one curve.
type Points = Vec<(f64, f64)>;

/// x in [−6, 6] in `n` equal steps; f(x) and f'(x) from one forward and one backward pass.
fn curve(n: usize, f: impl for<'g> Fn(Var<'g>) -> Var<'g>) -> (Points, Points) {
    let xs: Vec<f64> = (0..n)
        .map(|k| -6.0 + 12.0 * k as f64 / (n - 1) as f64)
        .collect();
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(xs.clone(), &[n]).expect("n values"));
    let y = f(x);
    y.sum().backward();
    let pair = |t: Tensor<f64>| xs.iter().copied().zip(t.into_vec()).collect();
    (pair(y.value()), pair(x.grad()))
}

/// Draws the picture into `dir` at `size` pixels with `n` points per curve; returns its path.
pub fn run(dir: &Path, size: (u32, u32), n: usize) -> Result<PathBuf, tapegrad::Error> {
    let (sig, dsig) = curve(n, |x| x.sigmoid());
    let (tanh, dtanh) = curve(n, |x| x.tanh());
    let (soft, dsoft) = curve(n, |x| x.softsign());
    let (relu, drelu) = curve(n, |x| x.relu());
    let charts = [
        Chart::new("sigmoid, tanh, softsign")
            .x_label("x")
            .y_range(-1.1, 1.1)
            .line("sigmoid", sig)
            .line("tanh", tanh)
            .line("softsign", soft),
        Chart::new("their derivatives, by backward()")
            .x_label("x")
            .y_range(-0.05, 1.05)
            .legend(Legend::UpperRight)
            .line("sigmoid'", dsig)
            .line("tanh'", dtanh)
            .line("softsign'", dsoft),
        Chart::new("ReLU")
            .x_label("x")
            .y_range(-0.5, 6.2)
            .series(plot::Series::line("relu", relu).color(plot::PALETTE[3])),
        Chart::new("its derivative, by backward() (relu'(0) = 0)")
            .x_label("x")
            .y_range(-0.1, 1.1)
            .series(plot::Series::line("relu'", drelu).color(plot::PALETTE[3])),
    ];
    plot::save_panels(dir.join("activations.png"), size, (2, 2), &charts)
}

fn main() -> Result<(), tapegrad::Error> {
    let dir = plot::output_dir(std::env::args().nth(1))?;
    let path = run(&dir, (1200, 900), 601)?;
    println!("{}", path.display());
    Ok(())
}
