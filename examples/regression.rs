//! sin x on [−3, 3] with a little noise, fitted by a small tanh MLP and a small ReLU MLP
//! (1-16-16-1 each, mean squared error, Adam, full batch). The tanh fit is smooth; the ReLU
//! fit is piecewise linear, a chain of straight segments with kinks.
//!
//! Run: `cargo run --release --example regression [DIR]` (default `target/plots/`). Writes
//! `regression.png` and the two loss curves in `regression_loss.png`.

use indicatif::{ProgressBar, ProgressStyle};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use tapegrad::nn::{self, Activation, Init, Mlp};
use tapegrad::optim::Adam;
use tapegrad::plot::{self, Chart, Series};
use tapegrad::train::{Train, fit_observed};
use tapegrad::{Error, Tensor};

/// How big a run is: the README's picture, or a quick one for tests.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Noisy samples of sin x.
    pub points: usize,
    /// Full-batch training epochs per network.
    pub epochs: usize,
    /// The picture in pixels.
    pub pixels: (u32, u32),
    /// Whether to draw a progress bar.
    pub progress: bool,
}

/// The full run: 60 points, 2,000 epochs per network, 1000 × 600 pixels.
pub const FULL: Size = Size {
    points: 60,
    epochs: 2000,
    pixels: (1000, 600),
    progress: true,
};

/// `n` points x evenly spaced on [−3, 3], y = sin x + uniform noise in [−0.1, 0.1].
pub fn noisy_sine(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let xs: Vec<f64> = (0..n)
        .map(|k| -3.0 + 6.0 * k as f64 / (n - 1) as f64)
        .collect();
    let ys = xs
        .iter()
        .map(|x| x.sin() + rng.random_range(-0.1..0.1))
        .collect();
    (xs, ys)
}

/// Trains a 1-16-16-1 MLP with `act` on (xs, ys); returns it and each epoch's loss.
fn fit_network(
    act: Activation,
    xs: &[f64],
    ys: &[f64],
    epochs: usize,
    bar: &ProgressBar,
) -> (Mlp, Vec<f64>) {
    let init = Init::for_activation(act);
    let mut model = Mlp::new(&[1, 16, 16, 1], act, init, 3);
    let mut opt = Adam::new(0.01);
    let n = xs.len();
    let x = Tensor::from_vec(xs.to_vec(), &[n, 1]).expect("n values");
    let t = Tensor::from_vec(ys.to_vec(), &[n, 1]).expect("n values");
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
        |g, m, p, _| nn::mse(m.forward(p, g.constant(x.clone())), g.constant(t.clone())),
        |_, _| bar.inc(1),
    );
    let losses = report.epoch_loss;
    (model, losses)
}

/// Fits both networks and draws both pictures into `dir`; returns their paths.
pub fn run(dir: &Path, size: Size) -> Result<Vec<PathBuf>, Error> {
    let (xs, ys) = noisy_sine(size.points, 11);
    let bar = if size.progress {
        let bar = ProgressBar::new(2 * size.epochs as u64);
        let style = ProgressStyle::with_template("{msg:>5} [{bar:40}] {pos}/{len} epochs ({eta})")
            .expect("a valid template");
        bar.with_style(style.progress_chars("=> "))
    } else {
        ProgressBar::hidden()
    };
    // The fits are drawn on a fine grid, so the ReLU kinks show.
    let fine: Vec<f64> = (0..=600).map(|k| -3.0 + k as f64 / 100.0).collect();
    let fine_x = Tensor::from_vec(fine.clone(), &[fine.len(), 1]).expect("601 values");
    let truth = fine.iter().map(|&x| (x, x.sin())).collect();
    let mut chart = Chart::new("sin x + noise, fitted by two 1-16-16-1 MLPs")
        .x_label("x")
        .y_range(-1.4, 1.4)
        .series(
            Series::scatter("data", xs.iter().copied().zip(ys.iter().copied()).collect())
                .color((60, 60, 60)),
        )
        .series(
            Series::dashed("sin x", truth)
                .color((170, 170, 170))
                .size(1),
        );
    let mut loss_chart = Chart::new("training loss (mean squared error)")
        .x_label("epoch")
        .log_y()
        .legend(plot::Legend::UpperRight);
    for (name, act, color) in [
        ("tanh", Activation::Tanh, plot::PALETTE[0]),
        ("ReLU", Activation::Relu, plot::PALETTE[3]),
    ] {
        bar.set_message(name);
        let (model, losses) = fit_network(act, &xs, &ys, size.epochs, &bar);
        let fit = fine
            .iter()
            .copied()
            .zip(model.predict(&fine_x).into_vec())
            .collect();
        let last = losses[losses.len() - 1];
        chart = chart.series(Series::line(format!("{name} fit (MSE {last:.4})"), fit).color(color));
        let curve = losses
            .iter()
            .enumerate()
            .map(|(k, &l)| ((k + 1) as f64, l))
            .collect();
        loss_chart = loss_chart.series(Series::line(name, curve).color(color));
    }
    bar.finish_and_clear();
    let fit = chart.save(dir.join("regression.png"), size.pixels)?;
    let loss = loss_chart.save(dir.join("regression_loss.png"), size.pixels)?;
    Ok(vec![fit, loss])
}

fn main() -> Result<(), Error> {
    let dir = plot::output_dir(std::env::args().nth(1))?;
    for path in run(&dir, FULL)? {
        println!("{}", path.display());
    }
    Ok(())
}
