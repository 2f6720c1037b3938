//! Finite-difference checks of gradients, for users and for every op test in this crate.
//!
//! [`gradcheck`] compares, for each input element, the gradient from [`Var::backward`] with
//! the central difference (f(x + ε) − f(x − ε)) / 2ε, computed in `f64`. It also runs the
//! recorded path, [`Graph::grad`], and reports how far it lies from `backward`.
//! [`hessian_check`] does the same one order up: the Hessian-vector product H·v obtained by
//! differentiating the recorded gradient, against (∇f(x + εv) − ∇f(x − εv)) / 2ε.
//!
//! A function with a non-scalar output is reduced to Σⱼ wⱼ·yⱼ with fixed, unequal weights
//! wⱼ, so that every output element is checked, not just their sum.

use crate::graph::{Graph, Var};
use crate::tensor::Tensor;

/// The function under test: builds its output from leaves on a fresh graph.
pub trait TestFn: for<'g> Fn(&'g Graph<f64>, &[Var<'g, f64>]) -> Var<'g, f64> {}
impl<F> TestFn for F where F: for<'g> Fn(&'g Graph<f64>, &[Var<'g, f64>]) -> Var<'g, f64> {}

/// The result of comparing one input's gradient with finite differences.
#[derive(Debug, Clone)]
pub struct InputCheck {
    /// The gradient from `backward`.
    pub analytic: Tensor<f64>,
    /// The central-difference estimate.
    pub numeric: Tensor<f64>,
    /// The gradient from the recorded path, `Graph::grad`.
    pub recorded: Tensor<f64>,
    /// max |analytic − numeric|.
    pub max_abs: f64,
    /// max |analytic − numeric| / max(|analytic|, |numeric|) over elements where either is
    /// nonzero.
    pub max_rel: f64,
    /// max |recorded − analytic|: the two interpreters of the backward rules should agree to
    /// rounding.
    pub recorded_gap: f64,
}

/// The result of [`gradcheck`]: one [`InputCheck`] per input.
#[derive(Debug, Clone)]
pub struct GradCheck {
    /// One entry per input, in order.
    pub inputs: Vec<InputCheck>,
}

impl GradCheck {
    /// Whether every element satisfies |analytic − numeric| ≤ atol + rtol·|numeric| (the
    /// criterion of PyTorch's gradcheck).
    pub fn within(&self, atol: f64, rtol: f64) -> bool {
        self.inputs.iter().all(|c| {
            c.analytic
                .data()
                .iter()
                .zip(c.numeric.data())
                .all(|(a, n)| (a - n).abs() <= atol + rtol * n.abs())
        })
    }

    /// The largest absolute error over all inputs.
    pub fn max_abs(&self) -> f64 {
        self.inputs.iter().map(|c| c.max_abs).fold(0.0, f64::max)
    }

    /// The largest relative error over all inputs.
    pub fn max_rel(&self) -> f64 {
        self.inputs.iter().map(|c| c.max_rel).fold(0.0, f64::max)
    }

    /// Panics with a table of both gradients unless `within(1e-5, 1e-3)` holds (PyTorch's
    /// default tolerances) and the recorded path agrees with `backward` to 1e-10 relative.
    #[track_caller]
    pub fn assert_ok(&self) {
        let recorded_ok = self.inputs.iter().all(|c| {
            let scale = c.analytic.data().iter().fold(1.0f64, |m, x| m.max(x.abs()));
            c.recorded_gap <= 1e-10 * scale
        });
        if !self.within(1e-5, 1e-3) || !recorded_ok {
            let mut msg = String::from("gradcheck failed\n");
            for (i, c) in self.inputs.iter().enumerate() {
                msg += &format!(
                    "input {i}: max_abs {:.3e}, max_rel {:.3e}, recorded_gap {:.3e}\n  analytic {:?}\n  numeric  {:?}\n  recorded {:?}\n",
                    c.max_abs,
                    c.max_rel,
                    c.recorded_gap,
                    c.analytic.data(),
                    c.numeric.data(),
                    c.recorded.data()
                );
            }
            panic!("{msg}");
        }
    }
}

/// Evaluates `f` at `inputs` as a scalar: the output itself, or Σⱼ wⱼ·yⱼ.
fn reduce<'g>(g: &'g Graph<f64>, y: Var<'g, f64>) -> Var<'g, f64> {
    let n = y.value().len();
    if n == 1 {
        return y.reshape(&[]);
    }
    let w: Vec<f64> = (0..n).map(weight).collect();
    let w = g.constant(Tensor::from_vec(w, &y.shape()).expect("weights fit the shape"));
    (y * w).sum()
}

/// The fixed weight of output element `j`: in [0.5, 1.5), different for neighbours.
fn weight(j: usize) -> f64 {
    0.5 + ((j * 7919 + 13) % 17) as f64 / 17.0
}

fn eval(f: &impl TestFn, inputs: &[Tensor<f64>]) -> f64 {
    let g = Graph::new();
    let vars: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
    let y = f(&g, &vars);
    reduce(&g, y).item()
}

/// The gradient of the reduced output at `inputs`, by `backward`.
fn gradient(f: &impl TestFn, inputs: &[Tensor<f64>]) -> Vec<Tensor<f64>> {
    let g = Graph::new();
    let vars: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
    let y = reduce(&g, f(&g, &vars));
    y.backward();
    vars.iter().map(|v| v.grad()).collect()
}

/// Compares the gradients of `f` at `inputs` with central differences of step `eps`.
///
/// ```
/// use tapegrad::{gradcheck::gradcheck, Tensor};
/// let x = Tensor::from_vec(vec![0.5, -1.0, 2.0], &[3]).unwrap();
/// let report = gradcheck(|_g, v| (v[0] * v[0]).exp().sum(), &[x], 1e-6);
/// assert!(report.within(1e-5, 1e-3));
/// ```
pub fn gradcheck(f: impl TestFn, inputs: &[Tensor<f64>], eps: f64) -> GradCheck {
    let analytic = gradient(&f, inputs);
    let recorded: Vec<Tensor<f64>> = {
        let g = Graph::new();
        let vars: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
        let y = reduce(&g, f(&g, &vars));
        g.grad(y, &vars).iter().map(|v| v.value()).collect()
    };
    let mut out = Vec::with_capacity(inputs.len());
    for (i, a) in analytic.into_iter().enumerate() {
        let mut numeric = vec![0.0; inputs[i].len()];
        for (j, slot) in numeric.iter_mut().enumerate() {
            let mut xs = inputs.to_vec();
            let x0 = xs[i].data()[j];
            xs[i].data_mut()[j] = x0 + eps;
            let up = eval(&f, &xs);
            xs[i].data_mut()[j] = x0 - eps;
            let down = eval(&f, &xs);
            *slot = (up - down) / (2.0 * eps);
        }
        let numeric = Tensor::from_vec(numeric, inputs[i].shape()).expect("same shape");
        let (mut max_abs, mut max_rel) = (0.0f64, 0.0f64);
        for (x, n) in a.data().iter().zip(numeric.data()) {
            let d = (x - n).abs();
            max_abs = max_abs.max(d);
            let m = x.abs().max(n.abs());
            if m > 0.0 {
                max_rel = max_rel.max(d / m);
            }
        }
        let r = recorded[i].clone();
        let recorded_gap = a
            .data()
            .iter()
            .zip(r.data())
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        out.push(InputCheck {
            analytic: a,
            numeric,
            recorded: r,
            max_abs,
            max_rel,
            recorded_gap,
        });
    }
    GradCheck { inputs: out }
}

/// Checks second derivatives: for a direction `v` (one tensor per input), compares H·v from
/// differentiating the recorded gradient with (∇f(x + εv) − ∇f(x − εv)) / 2ε. Returns the
/// largest |analytic − numeric| / (1 + |numeric|) over all elements.
///
/// ```
/// use tapegrad::{gradcheck::hessian_check, Tensor};
/// let x = vec![Tensor::from_vec(vec![0.3, -0.7], &[2]).unwrap()];
/// let v = vec![Tensor::from_vec(vec![1.0, 0.5], &[2]).unwrap()];
/// let err = hessian_check(|_g, x| x[0].tanh().powi(3).sum(), &x, &v, 1e-5);
/// assert!(err < 1e-6);
/// ```
pub fn hessian_check(f: impl TestFn, inputs: &[Tensor<f64>], v: &[Tensor<f64>], eps: f64) -> f64 {
    let analytic: Vec<Tensor<f64>> = {
        let g = Graph::new();
        let vars: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
        let y = reduce(&g, f(&g, &vars));
        let grads = g.grad(y, &vars);
        let mut s = None;
        for (gi, vi) in grads.iter().zip(v) {
            let term = (*gi * g.constant(vi.clone())).sum();
            s = Some(match s {
                None => term,
                Some(acc) => acc + term,
            });
        }
        let s = s.expect("at least one input");
        g.grad(s, &vars).iter().map(|h| h.value()).collect()
    };
    let shifted = |sign: f64| {
        let xs: Vec<Tensor<f64>> = inputs
            .iter()
            .zip(v)
            .map(|(x, d)| {
                let data = x
                    .data()
                    .iter()
                    .zip(d.data())
                    .map(|(a, b)| a + sign * eps * b)
                    .collect();
                Tensor::from_vec(data, x.shape()).expect("same shape")
            })
            .collect();
        gradient(&f, &xs)
    };
    let (up, down) = (shifted(1.0), shifted(-1.0));
    let mut worst = 0.0f64;
    for ((a, u), d) in analytic.iter().zip(&up).zip(&down) {
        for ((x, p), m) in a.data().iter().zip(u.data()).zip(d.data()) {
            let n = (p - m) / (2.0 * eps);
            worst = worst.max((x - n).abs() / (1.0 + n.abs()));
        }
    }
    worst
}

/// Checks forward mode: for a direction `v` (one tensor per input), compares the tangent of
/// `f`'s output from [`Graph::tangent`] with
/// - central differences (f(x + εv) − f(x − εv)) / 2ε, element by element;
/// - reverse mode: ⟨J·v, w⟩ against ⟨v, Jᵀ·w⟩ from `backward`, for fixed weights w;
/// - second order: the gradient of ⟨J·v, w⟩ (the recorded tangent, differentiated) against
///   H·v from differentiating the recorded gradient twice.
///
/// Returns the largest |a − b| / (1 + |b|) over all three.
///
/// ```
/// use tapegrad::{gradcheck::tangent_check, Tensor};
/// let x = vec![Tensor::from_vec(vec![0.3, -0.7], &[2]).unwrap()];
/// let v = vec![Tensor::from_vec(vec![1.0, 0.5], &[2]).unwrap()];
/// let err = tangent_check(|_g, x| x[0].tanh().powi(3), &x, &v, 1e-6);
/// assert!(err < 1e-6);
/// ```
pub fn tangent_check(f: impl TestFn, inputs: &[Tensor<f64>], v: &[Tensor<f64>], eps: f64) -> f64 {
    let g = Graph::new();
    let vars: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
    let y = f(&g, &vars);
    let seeds: Vec<_> = vars
        .iter()
        .zip(v)
        .map(|(&x, d)| (x, g.constant(d.clone())))
        .collect();
    let t = g.tangent(y, &seeds);
    let tangent = t.value();
    let mut worst = 0.0f64;
    let mut gap = |a: f64, b: f64| worst = worst.max((a - b).abs() / (1.0 + b.abs()));
    // Central differences of every output element.
    let value_at = |sign: f64| {
        let g = Graph::new();
        let vars: Vec<_> = inputs
            .iter()
            .zip(v)
            .map(|(x, d)| {
                let data = x
                    .data()
                    .iter()
                    .zip(d.data())
                    .map(|(a, b)| a + sign * eps * b);
                g.tensor(Tensor::from_vec(data.collect(), x.shape()).expect("same shape"))
            })
            .collect();
        f(&g, &vars).value()
    };
    let (up, down) = (value_at(1.0), value_at(-1.0));
    for ((&a, &p), &m) in tangent.data().iter().zip(up.data()).zip(down.data()) {
        gap(a, (p - m) / (2.0 * eps));
    }
    // ⟨J·v, w⟩ against ⟨v, Jᵀ·w⟩.
    let tw = reduce(&g, t);
    let yw = reduce(&g, y);
    yw.backward();
    let reverse: f64 = vars
        .iter()
        .zip(v)
        .map(|(x, d)| {
            x.grad()
                .data()
                .iter()
                .zip(d.data())
                .map(|(a, b)| a * b)
                .sum::<f64>()
        })
        .sum();
    gap(tw.item(), reverse);
    // ∇⟨J·v, w⟩ (through the recorded tangent rules) against H·v (through two reverse
    // passes).
    let forward_over_reverse = g.grad(tw, &vars);
    let grads = g.grad(yw, &vars);
    let mut s = None;
    for (gi, vi) in grads.iter().zip(v) {
        let term = (*gi * g.constant(vi.clone())).sum();
        s = Some(match s {
            None => term,
            Some(acc) => acc + term,
        });
    }
    let hv = g.grad(s.expect("at least one input"), &vars);
    for (a, b) in forward_over_reverse.iter().zip(&hv) {
        for (&x, &y) in a.value().data().iter().zip(b.value().data()) {
            gap(x, y);
        }
    }
    worst
}
