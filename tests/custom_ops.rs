//! Custom ops: both flavours of backward rule, forward mode, names in exports, misuse.

#[path = "../examples/common/custom_ops.rs"]
mod custom_ops;

use custom_ops::{Log1pExp, Spike, StraightThrough};
use tapegrad::gradcheck::{gradcheck, hessian_check, tangent_check};
use tapegrad::{CustomOp, Graph, Rule, Tensor, Var, jvp};

fn t(data: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), &[data.len()]).unwrap()
}

/// x·y with its own rule (two inputs): ∂/∂x = y·g, ∂/∂y = x·g.
struct Product;

impl CustomOp<f64> for Product {
    fn name(&self) -> &'static str {
        "product"
    }
    fn forward(&self, x: &[&Tensor<f64>]) -> Tensor<f64> {
        let d = x[0].data().iter().zip(x[1].data()).map(|(a, b)| a * b);
        Tensor::from_vec(d.collect(), x[0].shape()).unwrap()
    }
    fn backward(&self, r: &mut Rule<'_, f64>) {
        let (x, y, g) = (r.input(0), r.input(1), r.upstream());
        if r.needs(0) {
            let gx = r.mul(g, y);
            r.send(0, gx);
        }
        if r.needs(1) {
            let gy = r.mul(g, x);
            r.send(1, gy);
        }
    }
}

fn product<'g>(g: &'g Graph, v: &[Var<'g>]) -> Var<'g> {
    g.custom(Product, &[v[0], v[1]]).exp().sum()
}

fn log1pexp_squared<'g>(g: &'g Graph, v: &[Var<'g>]) -> Var<'g> {
    g.custom(Log1pExp, &[v[0]]).powi(2).sum()
}

#[test]
fn a_two_input_custom_op_matches_finite_differences_to_second_order() {
    let inputs = [t(&[0.3, -0.4, 1.1]), t(&[0.7, 0.2, -0.5])];
    gradcheck(product, &inputs, 1e-6).assert_ok();
    let v = [t(&[1.0, 0.5, -1.0]), t(&[0.25, -2.0, 1.0])];
    assert!(hessian_check(product, &inputs, &v, 1e-5) < 1e-6);
}

#[test]
fn log1pexp_is_right_to_second_order_and_in_forward_mode() {
    let x = [t(&[-3.0, -0.1, 0.4, 5.0])];
    gradcheck(log1pexp_squared, &x, 1e-6).assert_ok();
    let v = [t(&[1.0, -1.0, 0.5, 2.0])];
    assert!(hessian_check(log1pexp_squared, &x, &v, 1e-5) < 1e-6);
    assert!(tangent_check(log1pexp_squared, &x, &v, 1e-6) < 1e-6);
    // jvp: d/dx ln(1 + eˣ) = σ(x), so J·v = σ(x)·v.
    let (_, jv) = jvp(
        |g, x| g.custom(Log1pExp, &[x]),
        &t(&[0.0, 2.0]),
        &t(&[1.0, 3.0]),
    );
    let s = 1.0 / (1.0 + (-2.0f64).exp());
    assert!((jv.data()[0] - 0.5).abs() < 1e-15);
    assert!((jv.data()[1] - 3.0 * s).abs() < 1e-15);
}

#[test]
fn the_straight_through_estimator_passes_the_gradient_unchanged() {
    let g = Graph::new();
    let x = g.tensor(t(&[-0.5, 0.0, 2.0]));
    let w = g.constant(t(&[1.0, 2.0, 3.0]));
    let y = g.custom(StraightThrough, &[x]);
    (y * w).sum().backward();
    assert_eq!(y.value().data(), &[-1.0, 0.0, 1.0]);
    assert_eq!(x.grad().data(), &[1.0, 2.0, 3.0]);
}

#[test]
fn a_custom_op_shows_under_its_own_name() {
    let g = Graph::new();
    let x = g.tensor(t(&[1.0, -1.0]));
    let y = g.custom(StraightThrough, &[x]);
    assert_eq!(y.name(), format!("straight_through#{}", y.id()));
    let dot = tapegrad::dot::Dot::new(&g).output(y.sum()).to_string();
    assert!(dot.contains("straight_through"), "{dot}");
}

#[test]
fn a_tensor_rule_works_in_backward_on_scalars_too() {
    let g = Graph::new();
    let x = g.scalar(0.0);
    let y = g.custom(Spike { alpha: 2.0 }, &[x]) * 3.0;
    y.backward();
    // The surrogate's slope at 0 is α/2 = 1; times the upstream 3.
    assert_eq!((y.item(), x.grad().item()), (0.0, 3.0));
    // Elsewhere it is the surrogate's derivative.
    let spike = Spike { alpha: 2.0 };
    let x = g.scalar(0.7);
    g.custom(Spike { alpha: 2.0 }, &[x]).backward();
    let h = 1e-6;
    let fd = (spike.surrogate(0.7 + h) - spike.surrogate(0.7 - h)) / (2.0 * h);
    assert!((x.grad().item() - fd).abs() < 1e-8);
}

#[test]
#[should_panic(
    expected = "spike: this custom op's backward runs on plain tensors (Rule::tensor), so Graph::grad cannot differentiate through it"
)]
fn graph_grad_through_a_tensor_rule_panics_naming_the_op() {
    let g = Graph::new();
    let x = g.scalar(0.5);
    let y = g.custom(Spike { alpha: 2.0 }, &[x]);
    let _ = g.grad(y, &[x]);
}

#[test]
#[should_panic(expected = "spike: this custom op has no tangent rule")]
fn forward_mode_through_an_op_without_a_tangent_rule_panics_naming_it() {
    let _ = jvp(
        |g, x| g.custom(Spike { alpha: 2.0 }, &[x]),
        &t(&[1.0]),
        &t(&[1.0]),
    );
}

#[test]
#[should_panic(expected = "product: a custom op takes one or two inputs, not 3")]
fn three_inputs_panic_naming_the_op() {
    let g = Graph::new();
    let x = g.scalar(1.0);
    let _ = g.custom(Product, &[x, x, x]);
}
