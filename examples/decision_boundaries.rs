//! One small MLP (2-16-16-1), trained four times on the same two moons, once per activation:
//! sigmoid, tanh, softsign, ReLU. The picture shows each network's decision regions with the
//! points on top. ReLU networks are piecewise linear, so they cut the plane with straight
//! pieces; tanh, sigmoid and softsign networks bend it smoothly.
//!
//! Run: `cargo run --release --example decision_boundaries [DIR]` (default `target/plots/`).
//! Writes `decision_boundaries.png` and the four loss curves in `decision_boundaries_loss.png`.

use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use tapegrad::data;
use tapegrad::nn::{self, Activation, Init, Mlp};
use tapegrad::optim::Adam;
use tapegrad::plot::{self, Chart, Colormap, Grid, Series};
use tapegrad::train::{Train, fit_observed};
use tapegrad::{Error, Tensor};

/// How big a run is: the README's picture, or a quick one for tests.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Points in the data set (half per moon).
    pub points: usize,
    /// Full-batch training epochs per network.
    pub epochs: usize,
    /// Grid cells per side for the regions.
    pub cells: usize,
    /// The picture in pixels.
    pub pixels: (u32, u32),
    /// Whether to draw a progress bar.
    pub progress: bool,
}

/// The full run: 200 points, 600 epochs each, a 120 × 120 grid, 1000 × 1000 pixels.
pub const FULL: Size = Size {
    points: 200,
    epochs: 600,
    cells: 120,
    pixels: (1000, 1000),
    progress: true,
};

/// Two interleaved half circles with normal noise (σ = 0.12), from
/// [`data::two_moons`]: rows (x, y) in `[n, 2]` and labels 0 (upper moon) or 1 (lower), the
/// targets of a binary cross-entropy.
pub fn moons(n: usize, seed: u64) -> (Tensor<f64>, Vec<f64>) {
    let (x, signs) = data::two_moons(n, 0.12, seed);
    (x, signs.iter().map(|&s| f64::from(s > 0.0)).collect())
}

/// Trains a 2-16-16-1 MLP with `act` (binary cross-entropy on the logit, Adam, full batch).
/// Returns the model and the loss of every epoch.
fn fit_network(
    act: Activation,
    x: &Tensor<f64>,
    labels: &[f64],
    epochs: usize,
    bar: &ProgressBar,
) -> (Mlp, Vec<f64>) {
    let init = Init::for_activation(act);
    let mut model = Mlp::new(&[2, 16, 16, 1], act, init, 7);
    let mut opt = Adam::new(0.02);
    let n = labels.len();
    let t = Tensor::from_vec(labels.to_vec(), &[n, 1]).expect("n labels");
    let cfg = Train {
        epochs,
        batch_size: n,
        shuffle: false,
        ..Train::default()
    };
    let report = fit_observed(
        &mut model,
        &mut opt,
        n,
        &cfg,
        |g, m, p, _| {
            let logits = m.forward(p, g.constant(x.clone()));
            nn::binary_cross_entropy_with_logits(logits, g.constant(t.clone()))
        },
        |_, _| bar.inc(1),
    );
    let losses = report.epoch_loss;
    (model, losses)
}

/// Trains the four networks and draws both pictures into `dir`; returns their paths.
pub fn run(dir: &Path, size: Size) -> Result<Vec<PathBuf>, Error> {
    let (x, labels) = moons(size.points, 42);
    let acts = [
        ("sigmoid", Activation::Sigmoid),
        ("tanh", Activation::Tanh),
        ("softsign", Activation::Softsign),
        ("ReLU", Activation::Relu),
    ];
    let bar = if size.progress {
        let bar = ProgressBar::new((acts.len() * size.epochs) as u64);
        let style = ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} epochs ({eta})")
            .expect("a valid template");
        bar.with_style(style.progress_chars("=> "))
    } else {
        ProgressBar::hidden()
    };
    let (xr, yr) = ((-1.6, 2.6), (-1.1, 1.6));
    let centers = Grid::centers(xr, yr, size.cells, size.cells);
    let flat: Vec<f64> = centers.iter().flat_map(|&(a, b)| [a, b]).collect();
    let grid_x = Tensor::from_vec(flat, &[centers.len(), 2]).expect("2 per centre");
    let mut panels = Vec::new();
    let mut loss_chart = Chart::new("training loss (binary cross-entropy)")
        .x_label("epoch")
        .log_y()
        .legend(plot::Legend::UpperRight);
    for (name, act) in acts {
        bar.set_message(name);
        let (model, losses) = fit_network(act, &x, &labels, size.epochs, &bar);
        let logits = model.predict(&x).into_vec();
        let right = logits
            .iter()
            .zip(&labels)
            .filter(|(z, t)| (**z > 0.0) == (**t > 0.5))
            .count();
        let accuracy = 100.0 * right as f64 / labels.len() as f64;
        let p: Vec<f64> = model
            .predict(&grid_x)
            .into_vec()
            .iter()
            .map(|z| 1.0 / (1.0 + (-z).exp()))
            .collect();
        let regions =
            Grid::from_values(xr, yr, size.cells, size.cells, p).colormap(Colormap::TwoClass);
        let class = |c: f64| -> Vec<(f64, f64)> {
            let d = x.data();
            (0..labels.len())
                .filter(|&i| labels[i] == c)
                .map(|i| (d[2 * i], d[2 * i + 1]))
                .collect()
        };
        panels.push(
            Chart::new(format!(
                "{name}: accuracy {accuracy:.1}%, loss {:.1e}",
                losses[losses.len() - 1]
            ))
            .grid(regions)
            .legend(plot::Legend::Hidden)
            .series(Series::scatter("class 0", class(0.0)).color(plot::PALETTE[0]))
            .series(Series::scatter("class 1", class(1.0)).color(plot::PALETTE[1])),
        );
        let curve = losses
            .iter()
            .enumerate()
            .map(|(k, &l)| ((k + 1) as f64, l))
            .collect();
        loss_chart = loss_chart.line(name, curve);
    }
    bar.finish_and_clear();
    let regions = plot::save_panels(
        dir.join("decision_boundaries.png"),
        size.pixels,
        (2, 2),
        &panels,
    )?;
    let (w, h) = size.pixels;
    let loss = loss_chart.save(dir.join("decision_boundaries_loss.png"), (w, h * 3 / 5))?;
    Ok(vec![regions, loss])
}

fn main() -> Result<(), Error> {
    let dir = plot::output_dir(std::env::args().nth(1))?;
    for path in run(&dir, FULL)? {
        println!("{}", path.display());
    }
    Ok(())
}
