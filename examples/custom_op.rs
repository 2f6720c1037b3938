//! Three custom ops, each checked against finite differences of the function its backward
//! rule differentiates: a straight-through estimator, a spiking neuron's surrogate gradient,
//! and a numerically careful ln(1 + eˣ) (also to second order, and in forward mode). The
//! spike's rule runs on plain tensors, so it is checked through `backward` only: `g.grad`
//! through it panics, naming the op.
//!
//! Run: `cargo run --release --example custom_op`

#[path = "common/custom_ops.rs"]
mod custom_ops;

use custom_ops::{Log1pExp, Spike, StraightThrough};
use tapegrad::gradcheck::{gradcheck, hessian_check, tangent_check};
use tapegrad::{Graph, Tensor, Var};

/// Σ log1pexp(x)², so that second derivatives are not trivially zero.
fn f<'g>(g: &'g Graph, v: &[Var<'g>]) -> Var<'g> {
    g.custom(Log1pExp, &[v[0]]).powi(2).sum()
}

fn main() {
    let x = Tensor::from_vec(vec![-1.5, -0.2, 0.3, 2.0], &[4]).unwrap();

    // Straight-through: the gradient is the identity's, so it must match the differences of
    // f(x) = x (the function the rule pretends was applied).
    let g = Graph::new();
    let v = g.tensor(x.clone());
    let y = g.custom(StraightThrough, &[v]);
    (y * y.detach()).sum().backward(); // ∂/∂v of Σ y·sign(v) = sign(v), passed straight through
    println!(
        "straight_through: value {:?}, gradient {:?}",
        y.value().data(),
        v.grad().data()
    );
    let ste = gradcheck(
        |g, v| g.custom(StraightThrough, &[v[0]]).sum(),
        &[x.clone()],
        1e-6,
    );
    let id = gradcheck(|_, v| v[0].sum(), &[x.clone()], 1e-6);
    let gap = ste.inputs[0]
        .analytic
        .data()
        .iter()
        .zip(id.inputs[0].numeric.data())
        .map(|(a, n)| (a - n).abs())
        .fold(0.0, f64::max);
    assert!(gap < 1e-8, "{gap}");
    println!("  its gradient is the identity's: largest gap to its finite differences {gap:.1e}");

    // Spike: the gradient must match the differences of the surrogate.
    let spike = Spike { alpha: 2.0 };
    let g = Graph::new();
    let v = g.tensor(x.clone());
    g.custom(Spike { alpha: 2.0 }, &[v]).sum().backward();
    let grad = v.grad();
    let h = 1e-6;
    let worst = grad
        .data()
        .iter()
        .zip(x.data())
        .map(|(a, &xi)| (a - (spike.surrogate(xi + h) - spike.surrogate(xi - h)) / (2.0 * h)).abs())
        .fold(0.0, f64::max);
    println!(
        "spike: gradient {:?}, largest gap to the surrogate's differences {worst:.1e}",
        grad.data()
    );
    assert!(worst < 1e-8);

    // log1pexp: a true gradient, checked to first and second order and in forward mode.
    let first = gradcheck(f, &[x.clone()], 1e-6);
    assert!(first.within(1e-8, 1e-6));
    let dir = vec![Tensor::from_vec(vec![1.0, -0.5, 0.25, 2.0], &[4]).unwrap()];
    let second = hessian_check(f, &[x.clone()], &dir, 1e-5);
    let forward = tangent_check(f, &[x.clone()], &dir, 1e-6);
    println!(
        "log1pexp: first-order gap {:.1e}, second-order gap {second:.1e}, forward-mode gap {forward:.1e}",
        first.max_abs()
    );
    assert!(second < 1e-6 && forward < 1e-6);
    let g = Graph::new();
    let big = g.tensor(Tensor::from_vec(vec![-1000.0, 1000.0], &[2]).unwrap());
    let y = g.custom(Log1pExp, &[big]);
    y.sum().backward();
    println!(
        "log1pexp at ±1000: value {:?}, gradient {:?}",
        y.value().data(),
        big.grad().data()
    );
}
