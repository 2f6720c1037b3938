//! The directional derivative, from one backward pass.
//!
//! It takes the function as a closure that builds a one-element loss from a variable leaf,
//! `|g, x| (x * x).sum()`, so the tape is created, used and dropped inside the call. Each
//! evaluation is one forward pass and one backward pass.

use crate::error::Error;
use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::tensor::Tensor;

/// The directional derivative of a scalar function `f` at `x` along the direction `u`:
///
/// D_u f(x) = lim_{h→0} (f(x + h·û) − f(x)) / h = ∇f(x) · û,  with û = u / |u|.
///
/// `f` builds a one-element output from the leaf it is given. Pass it as a closure written in
/// the call (`|_, x| (x * x).sum()`), as a `fn`, or, to keep a closure in a `let`, wrapped
/// in [`objective`] (a bare closure in a `let` loses the `for<'g>` signature and fails with
/// "implementation of `Fn` is not general enough"). The gradient ∇f(x) comes from
/// **one** backward pass, and the result is ∇f(x)·u / |u|: only the direction of `u`
/// matters, not its length. Over all directions, D_u f is largest along ∇f, where it equals
/// |∇f|, and it is zero along every direction orthogonal to ∇f.
///
/// ```
/// use tapegrad::{Graph, Tensor, Var, directional_derivative};
/// // f(x) = x₀² + x₁², ∇f(1, 2) = (2, 4); along u = (1, 1): 6/√2.
/// fn f<'g>(_g: &'g Graph, x: Var<'g>) -> Var<'g> {
///     (x * x).sum()
/// }
/// let x = Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap();
/// let u = Tensor::from_vec(vec![1.0, 1.0], &[2]).unwrap();
/// let d = directional_derivative(f, &x, &u).unwrap();
/// assert!((d - 6.0 / 2f64.sqrt()).abs() < 1e-15);
/// // A zero direction has no unit vector: an error, not a NaN.
/// assert!(directional_derivative(f, &x, &Tensor::zeros(&[2])).is_err());
/// ```
///
/// # Errors
/// [`Error::ZeroDirection`] when every element of `u` is 0; [`Error::NonFinite`] when `u`
/// holds a NaN or ±∞.
///
/// # Panics
/// When `x` and `u` have different shapes, or `f` returns more than one element.
#[track_caller]
pub fn directional_derivative<T: Float>(
    f: impl for<'g> Fn(&'g Graph<T>, Var<'g, T>) -> Var<'g, T>,
    x: &Tensor<T>,
    u: &Tensor<T>,
) -> Result<T, Error> {
    const OP: &str = "directional_derivative";
    if x.shape() != u.shape() {
        direction_shape(x.shape(), u.shape());
    }
    if let Some(index) = u.data().iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            context: format!("{OP}: the direction u"),
            index,
        });
    }
    // |u| is computed on u / max|uᵢ|, so that neither a tiny nor a huge u under- or
    // overflows to a false zero or ∞.
    let big = u
        .data()
        .iter()
        .fold(T::ZERO, |m, v| if v.abs() > m { v.abs() } else { m });
    if big == T::ZERO {
        return Err(Error::ZeroDirection {
            context: OP.into(),
            shape: u.shape().to_vec(),
        });
    }
    let (_, grad) = value_and_grad(OP, &mut Graph::default(), &f, x);
    let norm = u.data().iter().map(|&v| (v / big) * (v / big)).sum::<T>();
    let dot = grad
        .data()
        .iter()
        .zip(u.data())
        .map(|(&d, &v)| d * (v / big))
        .sum::<T>();
    Ok(dot / norm.sqrt())
}

/// Gives a closure the signature [`GradientDescent::run`](crate::GradientDescent::run) and
/// [`directional_derivative`] need, so it can be stored in a `let` and used more than once.
///
/// Those take `f: impl for<'g> Fn(&'g Graph, Var<'g>) -> Var<'g>`: one function for every
/// tape lifetime `'g`. A closure gets that higher-ranked signature only when Rust infers it
/// from such a bound at the closure's own expression. Written straight in the call, it does;
/// stored in a `let` first, it is given one particular lifetime instead, and the call fails
/// with "implementation of `Fn` is not general enough". Passing it through `objective` at
/// the `let` supplies the bound. The tape type is `f64` (as [`Graph::new`]'s), so float
/// literals in the body infer; for `f32`, write a `fn f<'g>(g: &'g Graph<f32>, x: Var<'g,
/// f32>) -> Var<'g, f32>`.
///
/// ```
/// use tapegrad::{GradientDescent, Stop, Tensor, directional_derivative, objective};
/// // Rosenbrock, f(a, b) = (1 − a)² + 100(b − a²)², minimum 0 at (1, 1).
/// let rosenbrock = objective(|_, x| {
///     let (a, b) = (x.at(0), x.at(1));
///     (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
/// });
/// let x0 = Tensor::from_vec(vec![-1.0, 1.0], &[2]).unwrap();
/// let e0 = Tensor::from_vec(vec![1.0, 0.0], &[2]).unwrap();
/// // ∂f/∂a at (−1, 1) = −2(1 − a) − 400a(b − a²) = −4.
/// assert_eq!(directional_derivative(&rosenbrock, &x0, &e0).unwrap(), -4.0);
/// let run = GradientDescent::new(1e-3).grad_tolerance(1e-6).max_steps(100_000).run(&rosenbrock, &x0);
/// assert_eq!(run.stop, Stop::GradientSmall);
/// assert!((run.last().x.data()[0] - 1.0).abs() < 1e-4);
/// ```
pub fn objective<F>(f: F) -> F
where
    F: for<'g> Fn(&'g Graph<f64>, Var<'g, f64>) -> Var<'g, f64>,
{
    f
}

/// f(x) and ∇f(x) from one forward and one backward pass on `g` (cleared first).
#[track_caller]
pub(crate) fn value_and_grad<T: Float>(
    op: &str,
    g: &mut Graph<T>,
    f: &impl for<'g> Fn(&'g Graph<T>, Var<'g, T>) -> Var<'g, T>,
    x: &Tensor<T>,
) -> (T, Tensor<T>) {
    g.clear();
    let g = &*g;
    let xv = g.tensor(x.clone());
    let y = f(g, xv);
    g.check_own(op, y);
    let shape = y.shape();
    if shape.iter().product::<usize>() != 1 {
        not_scalar(op, &shape);
    }
    y.backward();
    (y.item(), xv.grad())
}

#[cold]
#[track_caller]
fn direction_shape(x: &[usize], u: &[usize]) -> ! {
    panic!("directional_derivative: the point x has shape {x:?} but the direction u has {u:?}")
}

#[cold]
#[track_caller]
fn not_scalar(op: &str, shape: &[usize]) -> ! {
    panic!(
        "{op}: f returned shape {shape:?}, but it must return one element \
         (reduce it first, for example with .sum() or .mean())"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing::draw;

    /// A smooth function with no symmetry to hide behind: Σ xᵢ·e^(xᵢ/2) + tanh(Σ xᵢ)².
    fn f<'g>(_g: &'g Graph, x: Var<'g>) -> Var<'g> {
        (x * (x * 0.5).exp()).sum() + x.sum().tanh().powi(2)
    }

    fn eval(x: &Tensor<f64>) -> f64 {
        let g = Graph::new();
        f(&g, g.tensor(x.clone())).item()
    }

    fn grad(x: &Tensor<f64>) -> Tensor<f64> {
        value_and_grad("test", &mut Graph::new(), &f, x).1
    }

    fn dot(a: &Tensor<f64>, b: &Tensor<f64>) -> f64 {
        a.data().iter().zip(b.data()).map(|(x, y)| x * y).sum()
    }

    fn unit(u: &Tensor<f64>) -> Tensor<f64> {
        let n = dot(u, u).sqrt();
        u.map(|v| v / n)
    }

    /// x + h·u, elementwise.
    fn step(x: &Tensor<f64>, u: &Tensor<f64>, h: f64) -> Tensor<f64> {
        let data = x.data().iter().zip(u.data()).map(|(a, b)| a + h * b);
        Tensor::from_vec(data.collect(), x.shape()).unwrap()
    }

    #[test]
    fn directional_derivative_matches_the_difference_quotient_at_random_points() {
        for (k, shape) in [&[][..], &[3], &[2, 3]].iter().enumerate() {
            for seed in 0..10 {
                let x = draw(shape, -2.0, 2.0, 100 * k as u64 + seed);
                let u = draw(shape, -3.0, 3.0, 1000 + 100 * k as u64 + seed);
                let d = directional_derivative(f, &x, &u).unwrap();
                // The definition, (f(x + h·û) − f(x)) / h, with the central form for accuracy.
                let e = unit(&u);
                let h = 1e-5;
                let fd = (eval(&step(&x, &e, h)) - eval(&step(&x, &e, -h))) / (2.0 * h);
                assert!(
                    (d - fd).abs() <= 1e-8 * (1.0 + fd.abs()),
                    "shape {shape:?}, seed {seed}: tape {d} vs difference quotient {fd}"
                );
            }
        }
    }

    #[test]
    fn only_the_direction_of_u_matters_not_its_length() {
        let x = draw(&[4], -1.0, 1.0, 7);
        let u = draw(&[4], -1.0, 1.0, 8);
        let d = directional_derivative(f, &x, &u).unwrap();
        for c in [1e-200, 1e-3, 7.5, 1e200] {
            let du = directional_derivative(f, &x, &u.map(|v| v * c)).unwrap();
            assert!((du - d).abs() <= 1e-14 * d.abs(), "scale {c}: {du} vs {d}");
        }
    }

    #[test]
    fn largest_directional_derivative_is_the_gradient_norm_along_the_gradient() {
        for seed in 0..5 {
            let x = draw(&[2], -1.5, 1.5, seed);
            let gr = grad(&x);
            let norm = dot(&gr, &gr).sqrt();
            // 3600 unit directions around the circle, every tenth of a degree.
            let n = 3600;
            let (mut best, mut best_angle) = (f64::NEG_INFINITY, 0.0);
            for i in 0..n {
                let a = std::f64::consts::TAU * i as f64 / n as f64;
                let u = Tensor::from_vec(vec![a.cos(), a.sin()], &[2]).unwrap();
                let d = directional_derivative(f, &x, &u).unwrap();
                assert!(
                    d <= norm * (1.0 + 1e-12),
                    "seed {seed}: D_u f = {d} > |∇f| = {norm}"
                );
                if d > best {
                    (best, best_angle) = (d, a);
                }
            }
            // The grid misses the gradient's angle by at most half a step, δ = π/3600, so the
            // best value is at least |∇f|·cos δ and its angle is within δ of ∇f's.
            let half_step = std::f64::consts::PI / n as f64;
            assert!(
                best >= norm * half_step.cos(),
                "seed {seed}: best {best}, |∇f| {norm}"
            );
            let grad_angle = gr.data()[1]
                .atan2(gr.data()[0])
                .rem_euclid(std::f64::consts::TAU);
            let gap = (best_angle - grad_angle).abs();
            let gap = gap.min(std::f64::consts::TAU - gap);
            assert!(
                gap <= half_step * (1.0 + 1e-9),
                "seed {seed}: angle gap {gap}"
            );
            // Exactly along ∇f/|∇f| the value is |∇f|.
            let along = directional_derivative(f, &x, &unit(&gr)).unwrap();
            assert!((along - norm).abs() <= 1e-14 * norm, "{along} vs {norm}");
        }
    }

    #[test]
    fn no_random_unit_direction_beats_the_gradient_in_five_dimensions() {
        let x = draw(&[5], -1.0, 1.0, 3);
        let gr = grad(&x);
        let norm = dot(&gr, &gr).sqrt();
        let mut best = f64::NEG_INFINITY;
        for seed in 0..2000 {
            let u = draw(&[5], -1.0, 1.0, 10_000 + seed);
            best = best.max(directional_derivative(f, &x, &u).unwrap());
        }
        assert!(
            best <= norm * (1.0 + 1e-12) && best > 0.5 * norm,
            "best {best}, |∇f| {norm}"
        );
        let along = directional_derivative(f, &x, &gr).unwrap();
        assert!((along - norm).abs() <= 1e-14 * norm, "{along} vs {norm}");
    }

    #[test]
    fn directional_derivative_orthogonal_to_the_gradient_is_zero() {
        for seed in 0..20 {
            let x = draw(&[3], -1.5, 1.5, seed);
            let gr = grad(&x);
            // v minus its component along ∇f (one Gram–Schmidt step) is orthogonal to ∇f.
            let v = draw(&[3], -1.0, 1.0, 500 + seed);
            let u = step(&v, &gr, -dot(&v, &gr) / dot(&gr, &gr));
            let d = directional_derivative(f, &x, &u).unwrap();
            let scale = dot(&gr, &gr).sqrt();
            assert!(
                d.abs() <= 1e-14 * scale,
                "seed {seed}: D_u f = {d}, |∇f| = {scale}"
            );
        }
    }

    #[test]
    fn zero_direction_is_an_error_not_a_nan() {
        let x = Tensor::from_vec(vec![0.5, -1.0], &[2]).unwrap();
        let err = directional_derivative(f, &x, &Tensor::zeros(&[2])).unwrap_err();
        assert_eq!(
            err,
            Error::ZeroDirection {
                context: "directional_derivative".into(),
                shape: vec![2]
            }
        );
        assert!(err.to_string().contains("all zeros"), "{err}");
        // In f32 too, and at rank 0.
        let r = directional_derivative(|_, x| x * x, &Tensor::scalar(1.0f32), &Tensor::scalar(0.0));
        assert!(matches!(r, Err(Error::ZeroDirection { .. })));
    }

    #[test]
    fn non_finite_direction_is_an_error_naming_the_element() {
        let x = Tensor::zeros(&[3]);
        let u = Tensor::from_vec(vec![1.0, f64::NAN, 0.0], &[3]).unwrap();
        let err = directional_derivative(f, &x, &u).unwrap_err();
        assert!(matches!(err, Error::NonFinite { index: 1, .. }), "{err:?}");
    }

    #[test]
    #[should_panic(expected = "the point x has shape [3] but the direction u has [2]")]
    fn direction_of_another_shape_panics() {
        let _ = directional_derivative(f, &Tensor::zeros(&[3]), &Tensor::ones(&[2]));
    }

    #[test]
    #[should_panic(expected = "directional_derivative: f returned shape [2]")]
    fn vector_valued_function_panics() {
        let x = Tensor::zeros(&[2]);
        let _ = directional_derivative(|_, x| x * 2.0, &x, &Tensor::ones(&[2]));
    }
}
