//! The calculus the tutorial teaches before it trains anything, each idea run on the tape and
//! checked against its definition:
//!
//! 1. the derivative as the limit of Δy/Δx;
//! 2. partial derivatives;
//! 3. directional derivatives, and the gradient as the direction of fastest increase;
//! 4. gradient descent as stepping against the gradient, for three learning rates.
//!
//! Two pictures go to a directory you name (default `target/plots/`): the loss curve with
//! tangent lines and descent steps, and the bowl's contours with three descent paths.
//!
//! Run: `cargo run --release --example calculus [-- OUT_DIR]`

use std::f64::consts::TAU;
use std::path::{Path, PathBuf};
use tapegrad::plot::{self, Chart, Colormap, Grid, Legend, Series, save_panels};
use tapegrad::{Descent, GradientDescent, Graph, Tensor, Var, directional_derivative};

fn main() -> Result<(), tapegrad::Error> {
    derivative_by_definition();
    partial_derivatives();
    directional_derivatives();
    gradient_descent();
    let dir = plot::output_dir(std::env::args().nth(1))?;
    println!();
    for (path, _) in pictures(&dir, 1.0)? {
        println!("wrote {}", path.display());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 1. The derivative by its definition

/// f(x) = x³ − 2x, in plain f64 for the difference quotients.
fn cubic(x: f64) -> f64 {
    x * x * x - 2.0 * x
}

fn derivative_by_definition() {
    let x0 = 1.5;
    let g = Graph::new();
    let x = g.scalar(x0);
    let y = x.powi(3) - 2.0 * x;
    y.backward();
    let tape = x.grad().item();

    println!("== 1. The derivative by its definition: f(x) = x³ − 2x at x0 = {x0} ==");
    println!("f'(x0) from the tape: {tape} (by hand: 3·x0² − 2 = 4.75)\n");
    println!("{:>7}  {:>22}  {:>9}", "Δx", "Δy/Δx", "error");
    let steps: [f64; 17] = [
        1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13,
        1e-14, 1e-15, 1e-16,
    ];
    let mut best = (f64::INFINITY, 0.0);
    for dx in steps {
        let q = (cubic(x0 + dx) - cubic(x0)) / dx;
        let err = (q - tape).abs();
        if err < best.0 {
            best = (err, dx);
        }
        println!("{dx:>7.0e}  {q:>22.16}  {err:>9.1e}");
    }
    let tiny = steps[steps.len() - 1];
    let vanish = if x0 + tiny == x0 {
        format!(", until at Δx = {tiny:.0e} x0 + Δx rounds to x0 and Δy/Δx = 0")
    } else {
        String::new()
    };
    println!(
        "The quotient converges to the tape's {tape} (error ≈ 4.5·Δx) down to Δx = {:.0e} \
         (error {:.0e}); below that rounding wins and it drifts away{vanish}.",
        best.1, best.0
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Partial derivatives

/// The two-variable function of parts 2 and 3: f(x, y) = x²·y + e^(x·y).
fn surface<'g>(x: Var<'g>, y: Var<'g>) -> Var<'g> {
    x * x * y + (x * y).exp()
}

fn surface_f64(x: f64, y: f64) -> f64 {
    x * x * y + (x * y).exp()
}

/// The point of parts 2 and 3.
const P: (f64, f64) = (1.0, 0.5);

/// ∇f at `P`, from one backward pass.
fn surface_grad() -> (f64, f64) {
    let g = Graph::new();
    let (x, y) = (g.scalar(P.0), g.scalar(P.1));
    surface(x, y).backward();
    (x.grad().item(), y.grad().item())
}

fn partial_derivatives() {
    let (a, b) = P;
    let (dx, dy) = surface_grad();
    let h = 1e-7;
    let f0 = surface_f64(a, b);
    let by_def = (
        (surface_f64(a + h, b) - f0) / h,
        (surface_f64(a, b + h) - f0) / h,
    );
    let e = (a * b).exp();
    let by_hand = (2.0 * a * b + b * e, a * a + a * e);
    println!("\n== 2. Partial derivatives of f(x, y) = x²·y + e^(x·y) at (x, y) = ({a}, {b}) ==");
    println!(
        "{:>6}  {:>19}  {:>19}  {:>19}",
        "", "tape", "definition, h=1e-7", "by hand"
    );
    println!(
        "{:>6}  {dx:>19.15}  {:>19.15}  {:>19.15}   (by hand: 2xy + y·e^(xy))",
        "∂f/∂x", by_def.0, by_hand.0
    );
    println!(
        "{:>6}  {dy:>19.15}  {:>19.15}  {:>19.15}   (by hand: x² + x·e^(xy))",
        "∂f/∂y", by_def.1, by_hand.1
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Directional derivatives

/// The same f, as a function of one tensor p = (x, y).
fn surface_of_vector<'g>(_g: &'g Graph, p: Var<'g>) -> Var<'g> {
    surface(p.gather(0, &[0]), p.gather(0, &[1])).sum()
}

fn unit(angle: f64) -> Tensor<f64> {
    Tensor::from_vec(vec![angle.cos(), angle.sin()], &[2]).expect("two elements")
}

fn directional_derivatives() {
    let p = Tensor::from_vec(vec![P.0, P.1], &[2]).expect("two elements");
    let (gx, gy) = surface_grad();
    let norm = gx.hypot(gy);
    let grad_angle = gy.atan2(gx);
    let along = |u: &Tensor<f64>| {
        directional_derivative(surface_of_vector, &p, u).expect("unit directions are nonzero")
    };

    println!(
        "\n== 3. Directional derivatives of the same f at ({}, {}) ==",
        P.0, P.1
    );
    println!(
        "{:>6}  {:>17}  {:>13}  {:>17}",
        "angle", "u", "D_u f (tape)", "definition h=1e-7"
    );
    let h = 1e-7;
    let mut best = (f64::NEG_INFINITY, 0.0);
    for k in 0..8 {
        let angle = TAU * k as f64 / 8.0;
        let u = unit(angle);
        let d = along(&u);
        let (ux, uy) = (angle.cos(), angle.sin());
        let q = (surface_f64(P.0 + h * ux, P.1 + h * uy) - surface_f64(P.0, P.1)) / h;
        if d > best.0 {
            best = (d, angle);
        }
        println!(
            "{:>5}°  ({ux:>+6.3}, {uy:>+6.3})  {d:>+13.8}  {q:>+17.8}",
            45 * k
        );
    }
    println!(
        "best of the 8: {:.0}°, D = {:.8}; the 8 miss ∇f's angle, so look closer:",
        best.1.to_degrees(),
        best.0
    );
    let n = 3600;
    let mut fine = (f64::NEG_INFINITY, 0.0);
    for k in 0..n {
        let angle = TAU * k as f64 / n as f64;
        let d = along(&unit(angle));
        if d > fine.0 {
            fine = (d, angle);
        }
    }
    println!(
        "best of {n} directions: {:.1}°, D = {:.8}",
        fine.1.to_degrees(),
        fine.0
    );
    println!(
        "∇f/|∇f| = ({:.6}, {:.6}), at {:.1}°; |∇f| = {norm:.8}; D along ∇f/|∇f| = {:.8}",
        gx / norm,
        gy / norm,
        grad_angle.to_degrees(),
        along(&unit(grad_angle))
    );
    println!(
        "D along ∇f turned by 90° = {:.1e}: no change across the gradient",
        along(&unit(grad_angle + TAU / 4.0))
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Gradient descent

/// The three learning rates of each run, with what they do.
pub struct Setup {
    /// (η, what it does).
    pub rates: [(f64, &'static str); 3],
    /// Where every run starts.
    pub start: Tensor<f64>,
    /// The step budget.
    pub max_steps: usize,
}

/// A loss as a plain function of the tape and the parameters.
pub type LossFn = for<'g> fn(&'g Graph, Var<'g>) -> Var<'g>;

const TARGET: f64 = 1e-4;

/// The one-parameter loss curve L(w) = (w − 3)².
pub fn curve_loss<'g>(_g: &'g Graph, w: Var<'g>) -> Var<'g> {
    (w - 3.0).powi(2).sum()
}

/// The two-parameter bowl L(x, y) = x² + 5y².
pub fn bowl_loss<'g>(g: &'g Graph, p: Var<'g>) -> Var<'g> {
    let weights = g.constant(Tensor::from_vec(vec![1.0, 5.0], &[2]).expect("two elements"));
    (weights * p * p).sum()
}

pub fn curve_setup() -> Setup {
    Setup {
        rates: [(0.02, "crawls"), (0.3, "converges"), (0.95, "oscillates")],
        start: Tensor::scalar(0.0),
        max_steps: 30,
    }
}

pub fn bowl_setup() -> Setup {
    Setup {
        rates: [(0.01, "crawls"), (0.15, "converges"), (0.205, "diverges")],
        start: Tensor::from_vec(vec![-4.0, 1.0], &[2]).expect("two elements"),
        max_steps: 30,
    }
}

pub fn run_all(setup: &Setup, f: LossFn) -> Vec<Descent<f64>> {
    setup
        .rates
        .iter()
        .map(|&(lr, _)| {
            // Every point is kept: the example prints and plots the paths.
            let gd = GradientDescent::new(lr)
                .target_loss(TARGET)
                .max_steps(setup.max_steps)
                .keep_every(1);
            gd.run(f, &setup.start)
        })
        .collect()
}

fn show(x: &Tensor<f64>) -> String {
    match x.data() {
        [w] => format!("{w:>+8.4}"),
        [a, b] => format!("({a:>+7.3}, {b:>+7.3})"),
        d => format!("{d:?}"),
    }
}

/// Prints the three paths side by side: every step up to 8, then every 5th, and each run's
/// last step.
fn print_paths(setup: &Setup, runs: &[Descent<f64>]) {
    let width = show(&setup.start).len() + 11;
    let mut head = format!("{:>4}", "step");
    for &(lr, what) in &setup.rates {
        head += &format!("  {:>width$}", format!("η = {lr} ({what})"));
    }
    println!("{head}");
    let longest = runs.iter().map(Descent::steps).max().unwrap_or(0);
    for k in 0..=longest {
        let last = runs.iter().any(|r| r.steps() == k);
        if !(k <= 8 || k % 5 == 0 || last) {
            continue;
        }
        let mut row = format!("{k:>4}");
        for r in runs {
            let cell = match r.path.get(k) {
                Some(p) => format!("{} L={:<9.3e}", show(&p.x), p.loss),
                None => String::new(),
            };
            row += &format!("  {cell:>width$}");
        }
        println!("{}", row.trim_end());
    }
    for (r, &(lr, _)) in runs.iter().zip(&setup.rates) {
        println!(
            "η = {lr}: {} after {} steps, L = {:.3e}",
            r.stop,
            r.steps(),
            r.last().loss
        );
    }
}

fn gradient_descent() {
    println!("\n== 4. Gradient descent: w ← w − η·∇L(w), target L ≤ {TARGET:e} ==");
    println!("\nOne parameter, L(w) = (w − 3)², from w = 0 (stable for η < 2/L'' = 1):");
    let setup = curve_setup();
    let curve = run_all(&setup, curve_loss);
    print_paths(&setup, &curve);

    println!("\nTwo parameters, the bowl L(x, y) = x² + 5y², from (−4, 1) (stable for η < 2/10):");
    let setup = bowl_setup();
    let bowl = run_all(&setup, bowl_loss);
    print_paths(&setup, &bowl);
}

// ---------------------------------------------------------------------------------------------
// Pictures

/// A file written, with its (width, height) in pixels.
pub type Picture = (PathBuf, (u32, u32));

/// The one-parameter loss curve with tangent lines (slopes from the tape) and the descent
/// steps, one panel per learning rate; and the bowl's contours with the three descent paths.
/// `scale` multiplies the picture sizes (1.0 for the README's). Returns each file with its
/// size in pixels.
pub fn pictures(dir: &Path, scale: f64) -> Result<Vec<Picture>, tapegrad::Error> {
    let px = |w: f64, h: f64| ((w * scale).round() as u32, (h * scale).round() as u32);
    let mut written = Vec::new();

    let setup = curve_setup();
    let runs = run_all(&setup, curve_loss);
    let (lo, hi, bottom, top) = (-0.5, 6.5, -0.5, 10.0);
    // The chart pins points outside its range to the border, so draw only what fits.
    let curve: Vec<(f64, f64)> = (0..=200)
        .map(|k| lo + (hi - lo) * k as f64 / 200.0)
        .map(|w| (w, (w - 3.0) * (w - 3.0)))
        .filter(|&(_, l)| l <= top)
        .collect();
    let charts: Vec<Chart> = runs
        .iter()
        .zip(&setup.rates)
        .map(|(run, &(lr, what))| {
            let mut chart = Chart::new(format!("η = {lr}: {what}"))
                .x_label("w")
                .y_label("L(w) = (w − 3)²")
                .x_range(lo, hi)
                .y_range(bottom, top)
                .legend(Legend::UpperRight)
                .series(Series::line("L(w)", curve.clone()).color((90, 90, 90)));
            // Tangent lines at the first three points: slope = the tape's dL/dw there.
            for (k, p) in run.path.iter().take(3).enumerate() {
                let (w, l, slope) = (p.x.item(), p.loss, p.grad.item());
                // One unit either side, cut where the line would leave the chart.
                let steep = slope.abs().max(1e-9);
                let (up, down) = (
                    ((top - l) / steep).min(1.0),
                    ((l - bottom) / steep).min(1.0),
                );
                let (left, right) = if slope < 0.0 { (up, down) } else { (down, up) };
                let line = vec![(w - left, l - slope * left), (w + right, l + slope * right)];
                let label = if k == 0 { "tangent (tape's slope)" } else { "" };
                chart = chart.series(Series::dashed(label, line).color(plot::PALETTE[1]));
            }
            let steps: Vec<(f64, f64)> = run.path.iter().map(|p| (p.x.item(), p.loss)).collect();
            let label = format!("{} steps: {}", run.steps(), run.stop);
            chart
                .series(
                    Series::line("", steps.clone())
                        .color(plot::PALETTE[3])
                        .size(1),
                )
                .series(Series::scatter(label, steps).color(plot::PALETTE[3]))
        })
        .collect();
    let size = px(1500.0, 460.0);
    written.push((
        save_panels(dir.join("calculus_loss_curve.png"), size, (1, 3), &charts)?,
        size,
    ));

    let setup = bowl_setup();
    let runs = run_all(&setup, bowl_loss);
    let (xr, yr) = ((-5.0, 2.0), (-5.0, 5.0));
    // Bands of ln(L + 0.1), so the rings stay evenly spaced from the rim down to the minimum.
    let grid = Grid::from_fn(xr, yr, 350, 500, |x, y| (x * x + 5.0 * y * y + 0.1).ln())
        .colormap(Colormap::Bands(16));
    let colors = [(255, 255, 255), (214, 39, 40), (255, 127, 14)];
    let mut chart = Chart::new("L(x, y) = x² + 5y²: three learning rates from (−4, 1)")
        .x_label("x")
        .y_label("y")
        .x_range(xr.0, xr.1)
        .y_range(yr.0, yr.1)
        .legend(Legend::UpperRight)
        .grid(grid);
    for ((run, &(lr, what)), color) in runs.iter().zip(&setup.rates).zip(colors) {
        let path: Vec<(f64, f64)> = run
            .path
            .iter()
            .map(|p| (p.x.data()[0], p.x.data()[1]))
            .collect();
        let label = format!("η = {lr}: {what} ({}, {} steps)", run.stop, run.steps());
        // One series per step: a thick polyline through sharp zigzags draws spikes at its
        // corners.
        for (k, pair) in path.windows(2).enumerate() {
            let label = if k == 0 { label.as_str() } else { "" };
            chart = chart.series(Series::line(label, pair.to_vec()).color(color));
        }
        chart = chart.series(Series::scatter("", path).color(color).size(3));
    }
    let size = px(800.0, 760.0);
    written.push((chart.save(dir.join("calculus_contour.png"), size)?, size));
    Ok(written)
}
