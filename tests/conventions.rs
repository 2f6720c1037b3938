//! The conventions table (`docs/conventions.md`): one test per row, asserting the exact value
//! and gradient we return at each edge case. The doc names the test of every row.

use tapegrad::nn::cross_entropy;
use tapegrad::{Graph, Tensor, Var};

const INF: f64 = f64::INFINITY;
const NAN: f64 = f64::NAN;

/// The value and the gradient of the scalar function `f` at `x0`, by `backward`, and the
/// gradient by the recorded path (`g.grad`), which must agree bit for bit.
fn at(f: impl for<'g> Fn(Var<'g>) -> Var<'g>, x0: f64) -> (f64, f64) {
    let g = Graph::new();
    let x = g.scalar(x0);
    let y = f(x);
    y.backward();
    let (value, grad) = (y.item(), x.grad().item());
    let recorded = g.grad(y, &[x])[0].item();
    assert!(
        recorded.to_bits() == grad.to_bits() || (recorded.is_nan() && grad.is_nan()),
        "recorded path {recorded} vs backward {grad} at {x0}"
    );
    (value, grad)
}

/// Values and gradients of Σ f(x)ᵢ·wᵢ over a row `xs`, with the weights `ws`.
fn row(f: impl for<'g> Fn(Var<'g>) -> Var<'g>, xs: &[f64], ws: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(xs.to_vec(), &[1, xs.len()]).unwrap());
    let w = g.constant(Tensor::from_vec(ws.to_vec(), &[1, ws.len()]).unwrap());
    let y = f(x);
    (y * w).sum().backward();
    (y.value().into_vec(), x.grad().into_vec())
}

#[test]
fn relu_grad_at_zero_is_zero() {
    assert_eq!(at(|x| x.relu(), 0.0), (0.0, 0.0));
    assert_eq!(at(|x| x.relu(), -0.0), (0.0, 0.0));
    assert_eq!(at(|x| x.relu(), 1e-300), (1e-300, 1.0));
}

#[test]
fn leaky_relu_grad_at_zero_is_the_slope() {
    assert_eq!(at(|x| x.leaky_relu(0.1), 0.0), (0.0, 0.1));
}

#[test]
fn elu_grad_at_zero_is_alpha() {
    assert_eq!(at(|x| x.elu(2.0), 0.0), (0.0, 2.0));
}

#[test]
fn abs_grad_at_zero_is_zero() {
    assert_eq!(at(|x| x.abs(), 0.0), (0.0, 0.0));
    assert_eq!(at(|x| x.abs(), -0.0), (0.0, 0.0));
}

#[test]
fn sign_grad_is_zero_everywhere() {
    for x0 in [-2.0, -0.0, 0.0, 1e-300, 3.0] {
        let (v, d) = at(|x| x.sign(), x0);
        assert_eq!(d, 0.0);
        assert_eq!(v, if x0 == 0.0 { 0.0 } else { x0.signum() });
    }
}

#[test]
fn max_with_ties_sends_the_gradient_to_the_first_arg_max() {
    let (v, d) = row(|x| x.max_keepdim(1), &[1.0, 3.0, 3.0, 3.0], &[2.0]);
    assert_eq!(v, [3.0]);
    assert_eq!(d, [0.0, 2.0, 0.0, 0.0]);
    // Along axis 0 of a [2, 2] with a tie in the second column.
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(vec![1.0, 5.0, 2.0, 5.0], &[2, 2]).unwrap());
    x.max_keepdim(0).sum().backward();
    assert_eq!(x.grad().data(), &[0.0, 1.0, 1.0, 0.0]);
}

#[test]
fn sqrt_grad_at_zero_is_plus_infinity() {
    assert_eq!(at(|x| x.sqrt(), 0.0), (0.0, INF));
}

#[test]
fn x_to_the_zero_has_grad_zero_even_at_zero() {
    assert_eq!(at(|x| x.powi(0), 0.0), (1.0, 0.0));
    assert_eq!(at(|x| x.powf(0.0), 0.0), (1.0, 0.0));
    assert_eq!(at(|x| x.powi(0), 2.5), (1.0, 0.0));
}

#[test]
fn x_squared_has_grad_zero_at_zero() {
    assert_eq!(at(|x| x.powi(2), 0.0), (0.0, 0.0));
    assert_eq!(at(|x| x * x, 0.0), (0.0, 0.0));
    assert_eq!(at(|x| x.powf(2.0), 0.0), (0.0, 0.0));
}

#[test]
fn sigmoid_at_large_inputs_is_its_exact_limit_with_grad_zero() {
    for (x0, limit) in [(1000.0, 1.0), (-1000.0, 0.0), (1e30, 1.0), (-1e30, 0.0)] {
        assert_eq!(at(|x| x.sigmoid(), x0), (limit, 0.0), "sigmoid({x0})");
    }
}

#[test]
fn tanh_at_large_inputs_is_its_exact_limit_with_grad_zero() {
    for (x0, limit) in [(1000.0, 1.0), (-1000.0, -1.0), (1e30, 1.0), (-1e30, -1.0)] {
        assert_eq!(at(|x| x.tanh(), x0), (limit, 0.0), "tanh({x0})");
    }
}

#[test]
fn softsign_at_1e30_is_exactly_one_and_its_slope_is_accurate_in_the_tails() {
    // softsign approaches ±1 only polynomially: at ±1000 it is ±1000/1001 (correctly
    // rounded), slope 1/1001²; at ±1e30 it rounds to ±1, slope 1/(1 + 10³⁰)² = 1e-60.
    // For |x| ≥ 1 the slope comes out of the chain rule as one product, 1/(1 + |x|)², not as
    // the quotient rule's difference 1/(1 + |x|) − |x|/(1 + |x|)² (which gave exactly 0 at
    // 1e30 and was right only to 1e-10 at 1000), so it is correct to the last bits.
    for (x0, value, slope) in [
        (1e30, 1.0, 1e-60),
        (-1e30, -1.0, 1e-60),
        (1000.0, 1000.0 / 1001.0, 1.0 / (1001.0 * 1001.0)),
        (-1000.0, -1000.0 / 1001.0, 1.0 / (1001.0 * 1001.0)),
    ] {
        let (v, d) = at(|x| x.softsign(), x0);
        assert_eq!(v, value, "softsign({x0})");
        assert!(
            ((d - slope) / slope).abs() < 1e-15,
            "softsign'({x0}) = {d} vs {slope}"
        );
    }
}

#[test]
fn softplus_at_plus_minus_1000_is_exact() {
    assert_eq!(at(|x| x.softplus(), 1000.0), (1000.0, 1.0));
    assert_eq!(at(|x| x.softplus(), -1000.0), (0.0, 0.0));
    assert_eq!(at(|x| x.softplus(), 0.0), (2f64.ln(), 0.5));
}

#[test]
fn log_softmax_of_huge_logits_is_finite_and_exact() {
    for big in [1000.0, 1e30] {
        let (v, d) = row(|x| x.log_softmax(1), &[big, 0.0], &[1.0, 0.0]);
        assert_eq!(v, [0.0, -big]);
        // ∂/∂x of log_softmax(x)₀ = δ₀ⱼ − softmax(x)ⱼ = [1 − 1, 0 − 0].
        assert_eq!(d, [0.0, 0.0]);
        let (_, d) = row(|x| x.log_softmax(1), &[big, 0.0], &[0.0, 1.0]);
        assert_eq!(d, [-1.0, 1.0]);
    }
}

#[test]
fn cross_entropy_of_huge_logits_is_finite_and_exact() {
    for big in [1000.0, 1e30] {
        for (class, loss, grad) in [(0, 0.0, [0.0, 0.0]), (1, big, [1.0, -1.0])] {
            let g = Graph::new();
            let x = g.tensor(Tensor::from_vec(vec![big, 0.0], &[1, 2]).unwrap());
            let l = cross_entropy(x, &[class]);
            l.backward();
            assert_eq!(l.item(), loss, "logits [{big}, 0], class {class}");
            assert_eq!(x.grad().data(), &grad, "logits [{big}, 0], class {class}");
        }
    }
}

#[test]
fn softmax_with_masked_entries_is_finite_with_grad_zero_on_the_mask() {
    let xs = [0.5, -INF, 1.5, -INF];
    let (v, d) = row(|x| x.softmax(1), &xs, &[1.0, 2.0, 3.0, 4.0]);
    let e = (-1.0f64).exp();
    assert_eq!(v[1], 0.0);
    assert_eq!(v[3], 0.0);
    assert!((v[0] - e / (1.0 + e)).abs() < 1e-16 && (v[2] - 1.0 / (1.0 + e)).abs() < 1e-16);
    assert!(d.iter().all(|g| g.is_finite()), "{d:?}");
    assert_eq!((d[1], d[3]), (0.0, 0.0));
    // s₀(w₀ − Σ sⱼwⱼ) on an unmasked entry.
    let mean = v[0] * 1.0 + v[2] * 3.0;
    assert!((d[0] - v[0] * (1.0 - mean)).abs() < 1e-15);
}

#[test]
fn softmax_of_an_all_masked_row_is_nan() {
    let (v, _) = row(|x| x.softmax(1), &[-INF, -INF], &[1.0, 1.0]);
    assert!(v.iter().all(|s| s.is_nan()), "{v:?}");
}

#[test]
fn division_by_zero_follows_ieee() {
    // 1/x at 0: value +∞, derivative −1/x² = −∞.
    assert_eq!(at(|x| 1.0 / x, 0.0), (INF, -INF));
    // 0/0 is NaN, and so is its derivative in the denominator; in the numerator it is 1/0.
    let g = Graph::new();
    let (a, b) = (g.scalar(0.0), g.scalar(0.0));
    let y = a / b;
    y.backward();
    assert!(y.item().is_nan());
    assert_eq!(a.grad().item(), INF);
    assert!(b.grad().item().is_nan());
}

#[test]
fn a_zero_gradient_meeting_an_infinite_slope() {
    // y = √x · m + 3x at x = 0, with the mask m = step(x − 1) = 0: y = 3x near 0, so
    // dy/dx = 3. The √ node's gradient is 0 · ... = 0 and its slope 1/(2√x) is ∞ at 0.
    // `backward` does not send 0 · ∞ (a node whose gradient is 0 sends nothing).
    fn f(x: Var<'_>) -> Var<'_> {
        x.sqrt() * (x - 1.0).step() + x * 3.0
    }
    let g = Graph::new();
    let x = g.scalar(0.0);
    let y = f(x);
    y.backward();
    assert_eq!((y.item(), x.grad().item()), (0.0, 3.0));
    // Elementwise on a tensor: a gradient that is zero everywhere sends nothing too.
    let (_, dx) = row(f, &[0.0, 0.0], &[1.0, 1.0]);
    assert_eq!(dx, [3.0, 3.0]);
    // A tensor gradient that is zero in some elements only still sends 0 · ∞ = NaN there
    // (the rules work on whole tensors), and so does the recorded path, which records every
    // product (its second derivatives need them): NaN, as in PyTorch and JAX.
    let (_, dx) = row(f, &[0.0, 4.0], &[1.0, 1.0]);
    assert!(dx[0].is_nan());
    assert_eq!(dx[1], 3.25, "1/(2·√4) + 3 where the mask is 1");
    assert!(g.grad(y, &[x])[0].item().is_nan());
}

/// A named unary function of a node.
type Unary = fn(Var<'_>) -> Var<'_>;

#[test]
fn nan_input_propagates_to_value_and_gradient_without_panicking() {
    let unary: [(&str, Unary); 16] = [
        ("exp", |x| x.exp()),
        ("ln", |x| x.ln()),
        ("ln_1p", |x| x.ln_1p()),
        ("tanh", |x| x.tanh()),
        ("sqrt", |x| x.sqrt()),
        ("abs", |x| x.abs()),
        ("powi(3)", |x| x.powi(3)),
        ("powf(1.5)", |x| x.powf(1.5)),
        ("sigmoid", |x| x.sigmoid()),
        ("relu", |x| x.relu()),
        ("leaky_relu", |x| x.leaky_relu(0.1)),
        ("elu", |x| x.elu(1.0)),
        ("softplus", |x| x.softplus()),
        ("softsign", |x| x.softsign()),
        ("x·x", |x| x * x),
        ("1/x", |x| 1.0 / x),
    ];
    for (name, f) in unary {
        let (v, d) = at(f, NAN);
        assert!(v.is_nan() && d.is_nan(), "{name}(NaN) = {v}, gradient {d}");
    }
    // Reductions and matmul carry the NaN to every output it reaches.
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(vec![1.0, NAN, 2.0, 3.0], &[2, 2]).unwrap());
    let w = g.tensor(Tensor::from_vec(vec![0.5, -1.0, 2.0, 1.0], &[2, 2]).unwrap());
    let y = x.matmul(w).log_softmax(1).sum();
    y.backward();
    assert!(y.item().is_nan());
    assert!(w.grad().data().iter().all(|v| v.is_nan()));
}

#[test]
fn zero_gradient_ops_give_zero_gradient_even_at_nan() {
    // sign, step and hardmax are piecewise constant: nothing flows back, NaN or not.
    assert_eq!(at(|x| x.sign(), NAN).1, 0.0);
    assert_eq!(at(|x| x.step(), NAN).1, 0.0);
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(vec![1.0, NAN], &[2]).unwrap());
    x.hardmax(0).sum().backward();
    assert_eq!(x.grad().data(), &[0.0, 0.0]);
}

#[test]
fn max_with_a_nan_returns_nan_and_routes_the_gradient_to_it() {
    let (v, d) = row(|x| x.max_keepdim(1), &[1.0, NAN, 2.0], &[1.0]);
    assert!(v[0].is_nan());
    assert_eq!(d, [0.0, 1.0, 0.0]);
}

#[test]
fn sigmoid_grad_at_zero_is_a_quarter() {
    assert_eq!(at(|x| x.sigmoid(), 0.0), (0.5, 0.25));
}

#[test]
fn ln_at_zero_is_minus_infinity_with_grad_plus_infinity() {
    assert_eq!(at(|x| x.ln(), 0.0), (-INF, INF));
}

// Reductions over axes (issue 18, helper "shape").

#[test]
fn max_and_min_over_several_axes_send_the_gradient_to_the_first_tie_in_row_major_order() {
    // [[1, 4], [4, 0]]: the maximum 4 is at (0,1) and (1,0); (0,1) comes first in row-major
    // order. [[0, 2], [0, 2]]: the minimum 0 at (0,0) and (1,0); (0,0) comes first.
    for (f, data, want) in [
        (0, [1.0, 4.0, 4.0, 0.0], [0.0, 1.0, 0.0, 0.0]),
        (1, [0.0, 2.0, 0.0, 2.0], [1.0, 0.0, 0.0, 0.0]),
    ] {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(data.to_vec(), &[2, 2]).unwrap());
        let y = if f == 0 {
            x.max_dims(&[0, 1], false)
        } else {
            x.min_dims(&[-1, 0], false)
        };
        y.backward();
        assert_eq!(x.grad().data(), &want);
        assert_eq!(g.grad(y, &[x])[0].value().data(), &want);
    }
}

#[test]
fn argmax_and_argmin_take_the_first_tie_and_find_nan() {
    let x = Tensor::from_vec(vec![2.0, 7.0, 7.0, 1.0, NAN, 5.0], &[2, 3]).unwrap();
    assert_eq!(x.argmax(1), vec![1, 1]);
    assert_eq!(x.argmin(1), vec![0, 1]);
    let g = Graph::new();
    assert_eq!(g.tensor(x.clone()).argmin(0), vec![1, 1, 1]);
}

#[test]
fn prod_with_zeros_has_the_product_of_the_others_as_gradient() {
    // [2, 0, 3, 5]: Π = 0, ∂/∂x₁ = 2·3·5 = 30, the others include the zero: 0.
    // [0, 2, 0]: every ∂/∂xᵢ still has a zero factor: 0.
    for (data, want) in [
        (vec![2.0, 0.0, 3.0, 5.0], vec![0.0, 30.0, 0.0, 0.0]),
        (vec![0.0, 2.0, 0.0], vec![0.0, 0.0, 0.0]),
    ] {
        let g = Graph::new();
        let n = data.len();
        let x = g.tensor(Tensor::from_vec(data, &[n]).unwrap());
        let p = x.prod_dims(&[0], false);
        p.backward();
        assert_eq!(p.item(), 0.0);
        assert_eq!(x.grad().data(), &want[..]);
        assert_eq!(g.grad(p, &[x])[0].value().data(), &want[..]);
    }
}

#[test]
fn norm_at_zero_has_gradient_zero() {
    let g = Graph::new();
    let x = g.tensor(Tensor::zeros(&[3]));
    let n = x.norm(&[0], false);
    n.backward();
    assert_eq!((n.item(), x.grad().data()), (0.0, &[0.0; 3][..]));
    assert_eq!(g.grad(n, &[x])[0].value().data(), &[0.0; 3]);
}

#[test]
fn logsumexp_is_exact_at_1e30_and_minus_infinity_for_an_all_masked_row() {
    let (v, d) = row(|x| x.logsumexp(&[1], false), &[1e30, 0.0], &[1.0]);
    assert_eq!((v, d), (vec![1e30], vec![1.0, 0.0]));
    let (v, d) = row(|x| x.logsumexp(&[1], false), &[-1e30, 0.0], &[1.0]);
    assert_eq!((v, d), (vec![0.0], vec![0.0, 1.0]));
    let (v, d) = row(|x| x.logsumexp(&[1], false), &[-INF, -INF], &[1.0]);
    assert_eq!(v, vec![-INF]);
    assert!(d.iter().all(|g| g.is_nan()));
}

#[test]
fn std_of_equal_values_has_gradient_nan() {
    let (v, d) = row(|x| x.std(&[1], 1, false), &[2.0, 2.0, 2.0], &[1.0]);
    assert_eq!(v, vec![0.0]);
    assert!(d.iter().all(|g| g.is_nan()));
    // One value with correction 1: 0 / 0. Two different values with correction 2: x / 0.
    let (v, _) = row(|x| x.var(&[1], 1, false), &[3.0], &[1.0]);
    assert!(v[0].is_nan());
    let (v, _) = row(|x| x.var(&[1], 2, false), &[1.0, 3.0], &[1.0]);
    assert_eq!(v, vec![INF]);
}

// ---- Issue 18, elementwise and piecewise (helper "elem"). ----

fn consts<'g>(g: &'g Graph, xs: &[f64]) -> Var<'g> {
    g.constant(Tensor::from_vec(xs.to_vec(), &[xs.len()]).unwrap())
}

/// Values and the gradients to both sides of Σ f(a, b), by `backward` and by the recorded
/// path, which must agree bit for bit (NaN with NaN).
fn pair(
    f: impl for<'g> Fn(Var<'g>, Var<'g>) -> Var<'g>,
    a: &[f64],
    b: &[f64],
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(a.to_vec(), &[a.len()]).unwrap());
    let y = g.tensor(Tensor::from_vec(b.to_vec(), &[b.len()]).unwrap());
    let z = f(x, y);
    z.sum().backward();
    let (da, db) = (x.grad().into_vec(), y.grad().into_vec());
    let rec = g.grad(z.sum(), &[x, y]);
    for (got, want) in [
        (rec[0].value().into_vec(), &da),
        (rec[1].value().into_vec(), &db),
    ] {
        for (r, w) in got.iter().zip(want.iter()) {
            assert!(
                r.to_bits() == w.to_bits() || (r.is_nan() && w.is_nan()),
                "{r} vs {w}"
            );
        }
    }
    (z.value().into_vec(), da, db)
}

#[test]
fn maximum_and_minimum_split_a_tie_in_half() {
    let (v, da, db) = pair(|a, b| a.maximum(b), &[2.0, 1.0, 3.0], &[2.0, 2.0, 2.0]);
    assert_eq!(
        (v, da, db),
        (
            vec![2.0, 2.0, 3.0],
            vec![0.5, 0.0, 1.0],
            vec![0.5, 1.0, 0.0]
        )
    );
    let (v, da, db) = pair(|a, b| a.minimum(b), &[2.0, 1.0, 3.0], &[2.0, 2.0, 2.0]);
    assert_eq!(
        (v, da, db),
        (
            vec![2.0, 1.0, 2.0],
            vec![0.5, 1.0, 0.0],
            vec![0.5, 0.0, 1.0]
        )
    );
}

#[test]
fn maximum_with_a_nan_is_nan_and_sends_the_whole_gradient_to_both() {
    let (v, da, db) = pair(|a, b| a.maximum(b), &[NAN, 1.0], &[0.0, NAN]);
    assert!(v.iter().all(|x| x.is_nan()));
    assert_eq!((da, db), (vec![1.0, 1.0], vec![1.0, 1.0]));
}

#[test]
fn clamp_at_a_bound_has_grad_zero_as_pytorch() {
    assert_eq!(at(|x| x.clamp(0.0, 1.0), 0.0), (0.0, 0.0));
    assert_eq!(at(|x| x.clamp(0.0, 1.0), 1.0), (1.0, 0.0));
    assert_eq!(at(|x| x.clamp(0.0, 1.0), 0.5), (0.5, 1.0));
    assert_eq!(at(|x| x.clamp(0.0, 1.0), 1.5), (1.0, 0.0));
    assert_eq!(at(|x| x.clamp(0.0, 1.0), -0.5), (0.0, 0.0));
}

#[test]
fn clamp_of_nan_is_nan_with_grad_zero() {
    let (v, d) = at(|x| x.clamp(0.0, 1.0), NAN);
    assert!(v.is_nan());
    assert_eq!(d, 0.0);
}

#[test]
fn comparisons_with_nan_are_false_and_have_no_gradient() {
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(vec![NAN, 1.0], &[2]).unwrap());
    let y = consts(&g, &[1.0, NAN]);
    let all = [x.gt(y), x.ge(y), x.lt(y), x.le(y), x.eq_mask(y)];
    for c in all {
        assert_eq!(c.value().data(), &[0.0, 0.0]);
    }
    let s = all.iter().fold(x.sum(), |acc, c| acc + c.sum());
    s.backward();
    assert_eq!(
        x.grad().data(),
        &[1.0, 1.0],
        "only the x.sum() term reaches x"
    );
}

#[test]
fn where_cond_gives_the_untaken_branch_exactly_zero_even_when_it_is_inf_or_nan() {
    let (v, da, db) = pair(
        |a, b| consts(a.graph(), &[1.0, 0.0, 1.0]).where_cond(a, b),
        &[2.0, INF, NAN],
        &[NAN, 3.0, -INF],
    );
    assert!(v[0] == 2.0 && v[1] == 3.0 && v[2].is_nan());
    assert_eq!((da, db), (vec![1.0, 0.0, 1.0], vec![0.0, 1.0, 0.0]));
}

#[test]
fn where_cond_over_ln_at_zero_the_famous_trap() {
    // where_cond(x > 0, ln x, 0) at x = 0: the value is 0. ln's rule sends 0/x = 0/0 = NaN.
    fn trap<'g>(x: Var<'g>) -> Var<'g> {
        let zero = x.graph().constant(Tensor::scalar(0.0));
        x.gt(zero).where_cond(x.ln(), zero)
    }
    // A scalar through `backward`: ln's gradient is 0, so it sends nothing: 0.
    let g = Graph::new();
    let x = g.scalar(0.0);
    let y = trap(x);
    y.backward();
    assert_eq!((y.item(), x.grad().item()), (0.0, 0.0));
    // The recorded path records 0/0: NaN, as PyTorch and JAX.
    assert!(g.grad(y, &[x])[0].item().is_nan());
    // A tensor whose ln branch is taken somewhere: ln's gradient [0, 1] is not all zero, so
    // it sends [0/0, 1/1]: NaN at 0 through `backward` too.
    let x = g.tensor(Tensor::from_vec(vec![0.0, 1.0], &[2]).unwrap());
    let y = trap(x).sum();
    y.backward();
    let d = x.grad().into_vec();
    assert!(d[0].is_nan() && d[1] == 1.0, "{d:?}");
    // The fix: keep the untaken branch finite; every path then gives 0.
    fn safe<'g>(x: Var<'g>) -> Var<'g> {
        let zero = x.graph().constant(Tensor::scalar(0.0));
        x.gt(zero).where_cond(x.clamp_min(1e-300).ln(), zero)
    }
    assert_eq!(at(safe, 0.0), (0.0, 0.0));
}

#[test]
fn pow_at_zero_and_negative_bases() {
    let (v, dx, dy) = pair(|x, y| x.pow(y), &[0.0, 0.0, -2.0], &[0.0, 2.0, 3.0]);
    assert_eq!(v, vec![1.0, 0.0, -8.0]);
    assert_eq!(dx, vec![0.0, 0.0, 12.0]);
    assert!(dy[0] == 0.0 && dy[1] == 0.0 && dy[2].is_nan(), "{dy:?}");
}

#[test]
fn rounding_ops_have_grad_zero_and_round_halves_to_even() {
    for x0 in [-1.5, 0.0, 2.0, 2.5] {
        assert_eq!(at(|x| x.floor(), x0).1, 0.0);
        assert_eq!(at(|x| x.ceil(), x0).1, 0.0);
        assert_eq!(at(|x| x.round(), x0).1, 0.0);
    }
    assert_eq!(at(|x| x.round(), 2.5).0, 2.0);
    assert_eq!(at(|x| x.round(), -0.5).0, 0.0);
    assert_eq!(at(|x| x.round(), 3.5).0, 4.0);
}

#[test]
fn erf_at_large_inputs_is_its_exact_limit_with_grad_zero() {
    assert_eq!(at(|x| x.erf(), 30.0), (1.0, 0.0));
    assert_eq!(at(|x| x.erf(), -30.0), (-1.0, 0.0));
}

#[test]
fn atan2_at_the_origin_is_zero() {
    let g = Graph::new();
    let (y, x) = (g.scalar(0.0), g.scalar(0.0));
    let a = y.atan2(x);
    a.backward();
    assert_eq!(a.item(), 0.0);
    // backward: the angle branch is untaken, its zero gradient sends nothing.
    assert_eq!((y.grad().item(), x.grad().item()), (0.0, 0.0));
    // The recorded path: NaN (0/0 inside atan(y/x)), as PyTorch's x/(x² + y²).
    let d = g.grad(a, &[y, x]);
    assert!(d[0].item().is_nan() && d[1].item().is_nan());
}

#[test]
fn hypot_at_the_origin_is_zero_with_grad_nan() {
    let (v, dx, dy) = pair(|x, y| x.hypot(y), &[0.0], &[0.0]);
    assert_eq!(v, vec![0.0]);
    assert!(dx[0].is_nan() && dy[0].is_nan());
}

#[test]
fn log_sigmoid_at_plus_minus_1000_is_exact() {
    assert_eq!(at(|x| x.log_sigmoid(), -1000.0), (-1000.0, 1.0));
    assert_eq!(at(|x| x.log_sigmoid(), 1000.0), (0.0, 0.0));
}

#[test]
fn sinh_beyond_710_is_infinite_with_grad_nan() {
    let (v, d) = at(|x| x.sinh(), 800.0);
    assert_eq!(v, INF);
    assert!(d.is_nan());
    assert_eq!(at(|x| x.sinh(), 700.0).0, 700f64.sinh());
}

// Convolution and pooling (helper "conv").

#[test]
fn max_pool_ties_send_the_gradient_to_the_first_arg_max() {
    // Windows of 2, stride 1, over [2, 2, 1, 1]: [2, 2] → the first 2 (index 0); [2, 1] →
    // index 1; [1, 1] → index 2. Weights 1, 10, 100 show which window sent what.
    let (y, dx) = row(
        |x| x.reshape(&[1, 1, 4]).max_pool1d(2, 1).reshape(&[1, 3]),
        &[2.0, 2.0, 1.0, 1.0],
        &[1.0, 10.0, 100.0],
    );
    assert_eq!(y, [2.0, 2.0, 1.0]);
    assert_eq!(dx, [1.0, 10.0, 100.0, 0.0]);
    // 2-D: a 2×2 window of four equal values sends everything to its top-left element, by
    // both passes.
    let g = Graph::new();
    let x = g.tensor(Tensor::full(&[1, 1, 2, 2], 3.0));
    let y = x.max_pool2d(2, 2).sum();
    y.backward();
    assert_eq!(x.grad().data(), &[1.0, 0.0, 0.0, 0.0]);
    assert_eq!(g.grad(y, &[x])[0].value().data(), &[1.0, 0.0, 0.0, 0.0]);
}

#[test]
fn max_pool_with_a_nan_picks_the_nan() {
    let (y, dx) = row(
        |x| x.reshape(&[1, 1, 3]).max_pool1d(3, 1).reshape(&[1, 1]),
        &[5.0, NAN, INF],
        &[1.0],
    );
    assert!(y[0].is_nan());
    assert_eq!(dx, [0.0, 1.0, 0.0]);
}

#[test]
fn conv_padding_is_a_constant_zero() {
    // x = [1, 2, 3], w = [1, 1, 1], padding 1: y = [0+1+2, 1+2+3, 2+3+0] = [3, 6, 5]; each x
    // gets one unit per window reading it: x0 and x2 are read by two windows, x1 by three.
    let (y, dx) = row(
        |x| {
            let w = x.graph().constant(Tensor::ones(&[1, 1, 3]));
            x.reshape(&[1, 1, 3]).conv1d(w, 1, 1, 1, 1).reshape(&[1, 3])
        },
        &[1.0, 2.0, 3.0],
        &[1.0, 1.0, 1.0],
    );
    assert_eq!(y, [3.0, 6.0, 5.0]);
    assert_eq!(dx, [2.0, 3.0, 2.0]);
}
