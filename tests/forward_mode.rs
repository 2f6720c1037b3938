//! Forward mode and the derivative objects built on both modes: `jvp`, `jacobian`,
//! `hessian`, `hvp`, `value_and_grad` and `Graph::tangent`, against hand-derived values.

use tapegrad::{Graph, Tensor, Var, hessian, hvp, jacobian, jvp, value_and_grad};

fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape).unwrap()
}

/// Rosenbrock, f(x, y) = (1 − x)² + 100·(y − x²)², on a `[2]` tensor.
fn rosenbrock<'g>(g: &'g Graph, v: Var<'g>) -> Var<'g> {
    let x = v.gather(0, &[0]).sum();
    let y = v.gather(0, &[1]).sum();
    let _ = g;
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}

#[test]
fn rosenbrock_hessian_matches_the_hand_derived_one() {
    // ∂²f/∂x² = 2 − 400(y − x²) + 800x², ∂²f/∂x∂y = −400x, ∂²f/∂y² = 200.
    let (x, y) = (0.5, -0.25);
    let h = hessian(rosenbrock, &t(&[x, y], &[2]));
    let want = [
        2.0 - 400.0 * (y - x * x) + 800.0 * x * x,
        -400.0 * x,
        -400.0 * x,
        200.0,
    ];
    assert_eq!(h.shape(), &[2, 2]);
    for (a, b) in h.data().iter().zip(want) {
        assert!((a - b).abs() < 1e-12, "{:?} vs {want:?}", h.data());
    }
}

#[test]
fn hvp_is_the_hessian_times_v() {
    let x = t(&[0.3, 0.8], &[2]);
    let v = t(&[-1.0, 2.0], &[2]);
    let h = hessian(rosenbrock, &x);
    let hv = hvp(rosenbrock, &x, &v);
    let d = h.data();
    let want = [-d[0] + d[1] * 2.0, -d[2] + d[3] * 2.0];
    for (a, b) in hv.data().iter().zip(want) {
        assert!((a - b).abs() < 1e-12);
    }
}

#[test]
fn value_and_grad_gives_rosenbrocks_gradient() {
    // ∇f = (−2(1 − x) − 400x(y − x²), 200(y − x²)).
    let (x, y) = (-1.2, 1.0);
    let (f, grad) = value_and_grad(rosenbrock, &t(&[x, y], &[2]));
    assert!((f - ((1.0f64 - x).powi(2) + 100.0 * (y - x * x).powi(2))).abs() < 1e-12);
    let want = [
        -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
        200.0 * (y - x * x),
    ];
    for (a, b) in grad.data().iter().zip(want) {
        assert!((a - b).abs() < 1e-10);
    }
}

/// The one-hot vector of length `n` with a 1 at `k`, as a constant.
fn e(g: &Graph, n: usize, k: usize) -> Var<'_> {
    let mut v = vec![0.0; n];
    v[k] = 1.0;
    g.constant(t(&v, &[n]))
}

/// f(x) = (x₀·x₁, x₁ + x₂²): J = [[x₁, x₀, 0], [0, 1, 2x₂]].
fn f<'g>(g: &'g Graph, x: Var<'g>) -> Var<'g> {
    let p = x.gather(0, &[0]) * x.gather(0, &[1]);
    let q = x.gather(0, &[1]) + x.gather(0, &[2]).powi(2);
    e(g, 2, 0) * p + e(g, 2, 1) * q
}

/// h(x) = (x₀², x₀·x₁, 3x₁): J = [[2x₀, 0], [x₁, x₀], [0, 3]].
fn h<'g>(g: &'g Graph, x: Var<'g>) -> Var<'g> {
    let (a, b) = (x.gather(0, &[0]), x.gather(0, &[1]));
    e(g, 3, 0) * a.powi(2) + e(g, 3, 1) * (a * b) + e(g, 3, 2) * (3.0 * b)
}

/// f has fewer outputs than inputs (reverse mode), h more (forward mode).
#[test]
fn jacobian_is_right_in_both_modes() {
    let j = jacobian(f, &t(&[2.0, 3.0, 5.0], &[3]));
    assert_eq!(j.shape(), &[2, 3]);
    assert_eq!(j.data(), &[3.0, 2.0, 0.0, 0.0, 1.0, 10.0]);
    let j = jacobian(h, &t(&[2.0, 7.0], &[2]));
    assert_eq!(j.shape(), &[3, 2]);
    assert_eq!(j.data(), &[4.0, 0.0, 7.0, 2.0, 0.0, 3.0]);
}

#[test]
fn jvp_pushes_a_tangent_through_a_matrix_expression_in_f32() {
    // y = W·x with tanh: ẏ = (1 − y²) ⊙ (W·ẋ).
    let w = Tensor::<f32>::from_vec(vec![1.0, 2.0, -1.0, 0.5], &[2, 2]).unwrap();
    let x = Tensor::<f32>::from_vec(vec![0.1, -0.2], &[2, 1]).unwrap();
    let v = Tensor::<f32>::from_vec(vec![1.0, 1.0], &[2, 1]).unwrap();
    let wc = w.clone();
    let (y, jv) = jvp(move |g, x| g.constant(wc.clone()).matmul(x).tanh(), &x, &v);
    let wx = [1.0f32 * 0.1 + 2.0 * -0.2, -0.1 + 0.5 * -0.2];
    let wv = [3.0f32, -0.5];
    for k in 0..2 {
        let yk = wx[k].tanh();
        assert!((y.data()[k] - yk).abs() < 1e-6);
        assert!((jv.data()[k] - (1.0 - yk * yk) * wv[k]).abs() < 1e-6);
    }
}

#[test]
fn a_tangent_of_an_unrelated_node_is_zero() {
    let g = Graph::new();
    let x = g.scalar(1.0);
    let z = g.scalar(2.0);
    let y = z.exp();
    let t = g.tangent(y, &[(x, g.constant(Tensor::scalar(1.0)))]);
    assert_eq!(t.item(), 0.0);
}

#[test]
#[should_panic(expected = "jvp: x has shape [2] but the direction v has shape [3]")]
fn jvp_with_a_direction_of_another_shape_panics() {
    let _ = jvp(
        |_, x| x.exp(),
        &t(&[1.0, 2.0], &[2]),
        &t(&[1.0, 2.0, 3.0], &[3]),
    );
}
