//! Tests of the elementwise composites: finite differences at ranks 0–2 and under
//! broadcasting, second order, hand-derived literals and misuse panics.

use crate::ops::testing::{RANKS, check, check_binary, check_unary, draw};
use crate::{Graph, Tensor};

#[test]
fn clamp_grad_matches_finite_difference() {
    // Drawn values never sit on a bound.
    check_unary(|_, v| v[0].clamp(-0.5, 0.7) * v[0], -2.0, 2.0);
}

#[test]
fn clamp_literal_at_both_bounds() {
    // clamp(x, 0, 1) at x = 0 and x = 1: gradient 0 (at the bounds, as PyTorch 2.15 gives);
    // at x = −1 and 2: 0. With lo = hi = 0.5 no x passes the gradient (PyTorch: [0, 0, 0]).
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(vec![-1.0, 0.0, 1.0, 2.0], &[4]).unwrap());
    x.clamp(0.0, 1.0).sum().backward();
    assert_eq!(x.grad().data(), &[0.0, 0.0, 0.0, 0.0]);
    let y = g.tensor(Tensor::from_vec(vec![0.4, 0.5, 0.6], &[3]).unwrap());
    let z = y.clamp(0.5, 0.5);
    z.sum().backward();
    assert_eq!(z.value().data(), &[0.5, 0.5, 0.5]);
    assert_eq!(y.grad().data(), &[0.0, 0.0, 0.0]);
}

#[test]
#[should_panic(expected = "clamp: the bounds lo = 2 and hi = 1 are not ordered")]
fn clamp_panics_on_unordered_bounds() {
    let g = Graph::new();
    let _ = g.scalar(1.0).clamp(2.0, 1.0);
}

#[test]
#[should_panic(expected = "clamp: the bounds lo = NaN and hi = 1 are not ordered")]
fn clamp_panics_on_a_nan_bound() {
    let g = Graph::new();
    let _ = g.scalar(1.0).clamp(f64::NAN, 1.0);
}

#[test]
fn where_cond_grad_matches_finite_difference_with_broadcasting() {
    // c [2,1] against branches [3] and [2,3]: each branch gets G where it is taken.
    let c = Tensor::from_vec(vec![1.0, 0.0], &[2, 1]).unwrap();
    for (k, (sa, sb)) in [(&[3][..], &[2, 3][..]), (&[], &[3]), (&[2, 3], &[])]
        .into_iter()
        .enumerate()
    {
        let (a, b) = (
            draw(sa, -2.0, 2.0, k as u64),
            draw(sb, -2.0, 2.0, 10 + k as u64),
        );
        let c = c.clone();
        check(
            move |g, v| g.constant(c.clone()).where_cond(v[0].sin(), v[1] * v[1]),
            &[a, b],
        );
    }
}

#[test]
fn where_cond_literal_over_infinite_and_nan_branches() {
    // The untaken branch is +∞ or NaN: the value is the taken one, and the untaken branch's
    // leaf gets exactly 0. y = Σ where([1, 0], a, b) = a₀ + b₁ = 2 + 3; da = [1, 0], db = [0, 1].
    let g = Graph::new();
    let c = g.constant(Tensor::from_vec(vec![1.0, 0.0], &[2]).unwrap());
    let a = g.tensor(Tensor::from_vec(vec![2.0, f64::INFINITY], &[2]).unwrap());
    let b = g.tensor(Tensor::from_vec(vec![f64::NAN, 3.0], &[2]).unwrap());
    let y = c.where_cond(a, b).sum();
    y.backward();
    assert_eq!(y.item(), 5.0);
    assert_eq!(a.grad().data(), &[1.0, 0.0]);
    assert_eq!(b.grad().data(), &[0.0, 1.0]);
}

#[test]
#[should_panic(
    expected = "where_cond: condition [2], on_true [3] and on_false [] do not broadcast"
)]
fn where_cond_panics_naming_the_three_shapes() {
    let g = Graph::new();
    let c = g.constant(Tensor::from_vec(vec![1.0, 0.0], &[2]).unwrap());
    let a = g.tensor(Tensor::from_vec(vec![1.0; 3], &[3]).unwrap());
    let _ = c.where_cond(a, g.scalar(0.0));
}

#[test]
fn asin_acos_grads_match_finite_difference() {
    check_unary(|_, v| v[0].asin(), -0.9, 0.9);
    check_unary(|_, v| v[0].acos(), -0.9, 0.9);
}

#[test]
fn asin_acos_literals_at_the_ends() {
    // asin(±1) = ±π/2, acos(1) = 0, acos(−1) = π; asin'(0) = 1, acos'(0) = −1.
    use std::f64::consts::{FRAC_PI_2, PI};
    let g = Graph::new();
    assert_eq!(g.scalar(1.0).asin().item(), FRAC_PI_2);
    assert_eq!(g.scalar(-1.0).asin().item(), -FRAC_PI_2);
    assert_eq!(g.scalar(1.0).acos().item(), 0.0);
    assert_eq!(g.scalar(-1.0).acos().item(), PI);
    let x = g.scalar(0.0);
    let d = g.grad(x.asin() + x.acos().scale(2.0), &[x])[0];
    assert_eq!(d.item(), 1.0 - 2.0);
    assert!(g.scalar(1.5).asin().item().is_nan());
}

#[test]
fn atan2_grad_matches_finite_difference_in_every_quadrant() {
    // Points away from the negative x axis (where atan2 jumps by 2π) and the origin.
    for (k, shape) in RANKS.iter().enumerate() {
        let mut y = draw(shape, 0.3, 2.0, k as u64);
        let x = draw(shape, -2.0, 2.0, 7 + k as u64);
        for (i, v) in y.data_mut().iter_mut().enumerate() {
            if i % 2 == 1 {
                *v = -*v;
            }
        }
        check(|_, v| v[0].atan2(v[1]), &[y, x]);
    }
    check_binary(|_, v| v[0].atan2(v[1].abs() + 0.3), -2.0, 2.0);
}

#[test]
fn atan2_literal_in_four_quadrants_and_at_the_origin() {
    // atan2 of (y, x) = (1, 1), (1, −1), (−1, −1), (−1, 1), (0, −2), (0, 0):
    // π/4, 3π/4, −3π/4, −π/4, π, 0. At (1, −1): ∂/∂y = x/r² = −½, ∂/∂x = −y/r² = −½.
    use std::f64::consts::{FRAC_PI_4, PI};
    let g = Graph::new();
    let y = g.tensor(Tensor::from_vec(vec![1.0, 1.0, -1.0, -1.0, 0.0, 0.0], &[6]).unwrap());
    let x = g.tensor(Tensor::from_vec(vec![1.0, -1.0, -1.0, 1.0, -2.0, 0.0], &[6]).unwrap());
    let a = y.atan2(x).value().into_vec();
    let want = [
        FRAC_PI_4,
        3.0 * FRAC_PI_4,
        -3.0 * FRAC_PI_4,
        -FRAC_PI_4,
        PI,
        0.0,
    ];
    for (got, w) in a.iter().zip(want) {
        assert!((got - w).abs() < 1e-15, "{a:?}");
    }
    let (ys, xs) = (g.scalar(1.0), g.scalar(-1.0));
    let d = g.grad(ys.atan2(xs), &[ys, xs]);
    assert!((d[0].item() + 0.5).abs() < 1e-15 && (d[1].item() + 0.5).abs() < 1e-15);
    // On the y axis (x = 0) the gradient is finite: ∂/∂y = 0, ∂/∂x = −y/y² = −½ at y = 2.
    let (ys, xs) = (g.scalar(2.0), g.scalar(0.0));
    let a = ys.atan2(xs);
    a.backward();
    assert!((a.item() - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
    assert_eq!(ys.grad().item(), 0.0);
    assert!((xs.grad().item() + 0.5).abs() < 1e-15);
}

#[test]
fn hypot_grad_matches_finite_difference() {
    check_binary(|_, v| v[0].hypot(v[1]), 0.2, 2.0);
    check_binary(|_, v| v[0].hypot(v[1]), -2.0, -0.2);
}

#[test]
fn hypot_literal_without_overflow_and_at_the_origin() {
    // hypot(3, 4) = 5 with gradient (3/5, 4/5); at 1e300 the squares would overflow.
    let g = Graph::new();
    let (x, y) = (g.scalar(3e300), g.scalar(-4e300));
    let h = x.hypot(y);
    h.backward();
    assert_eq!(h.item(), 5e300);
    assert_eq!((x.grad().item(), y.grad().item()), (0.6, -0.8));
    let (x, y) = (g.scalar(0.0), g.scalar(0.0));
    let h = x.hypot(y);
    assert_eq!(h.item(), 0.0);
    assert!(
        g.grad(h, &[x])[0].item().is_nan(),
        "0/0 at the origin, as PyTorch"
    );
}

#[test]
#[should_panic(expected = "hypot: shapes [2] and [3] do not broadcast")]
fn hypot_panics_on_shapes_that_do_not_broadcast() {
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(vec![1.0; 2], &[2]).unwrap());
    let y = g.tensor(Tensor::from_vec(vec![1.0; 3], &[3]).unwrap());
    let _ = x.hypot(y);
}

#[test]
#[should_panic(expected = "atan2: shapes [2] and [3] do not broadcast")]
fn atan2_panics_on_shapes_that_do_not_broadcast() {
    let g = Graph::new();
    let y = g.tensor(Tensor::from_vec(vec![1.0; 2], &[2]).unwrap());
    let x = g.tensor(Tensor::from_vec(vec![1.0; 3], &[3]).unwrap());
    let _ = y.atan2(x);
}

#[test]
fn sinh_cosh_grads_match_finite_difference() {
    check_unary(|_, v| v[0].sinh(), -3.0, 3.0);
    check_unary(|_, v| v[0].cosh(), -3.0, 3.0);
}

#[test]
fn sinh_cosh_literal() {
    // At x = ln 2: eˣ = 2, e⁻ˣ = ½, so sinh = (2 − ½)/2 = ¾ and cosh = (2 + ½)/2 = 5/4;
    // sinh' = cosh, cosh' = sinh.
    let g = Graph::new();
    let x = g.scalar(2f64.ln());
    let (s, c) = (x.sinh(), x.cosh());
    let (ds, dc) = (g.grad(s, &[x])[0], g.grad(c, &[x])[0]);
    for (got, want) in [(s, 0.75), (c, 1.25), (ds, 1.25), (dc, 0.75)] {
        assert!(
            (got.item() - want).abs() < 1e-15,
            "{} vs {want}",
            got.item()
        );
    }
    assert_eq!(g.scalar(-1e-300).sinh().item(), -1e-300);
}

#[test]
fn log2_log10_exp2_grads_match_finite_difference() {
    check_unary(|_, v| v[0].log2(), 0.2, 5.0);
    check_unary(|_, v| v[0].log10(), 0.2, 5.0);
    check_unary(|_, v| v[0].exp2(), -3.0, 3.0);
}

#[test]
fn log2_log10_exp2_literals() {
    // log₂ 8 = 3 and log₁₀ 1000 = 3 (within 1e-15), with derivatives 1/(8 ln 2) and
    // 1/(1000 ln 10); 2⁻³ = ⅛ exactly, with derivative ⅛ ln 2.
    let g = Graph::new();
    let (a, b, c) = (g.scalar(8.0), g.scalar(1000.0), g.scalar(-3.0));
    let (la, lb, ec) = (a.log2(), b.log10(), c.exp2());
    assert!((la.item() - 3.0).abs() < 1e-15 && (lb.item() - 3.0).abs() < 1e-15);
    assert_eq!(ec.item(), 0.125);
    let d = [
        g.grad(la, &[a])[0],
        g.grad(lb, &[b])[0],
        g.grad(ec, &[c])[0],
    ];
    let want = [
        1.0 / (8.0 * 2f64.ln()),
        1.0 / (1000.0 * 10f64.ln()),
        0.125 * 2f64.ln(),
    ];
    for (got, w) in d.iter().zip(want) {
        assert!((got.item() - w).abs() < 1e-16, "{} vs {w}", got.item());
    }
}

#[test]
fn the_new_ops_run_in_f32_and_agree_with_f64() {
    // Each op's value and gradient at a few points, in f32 against f64, to f32 precision.
    type F<T> = for<'g> fn(crate::Var<'g, T>) -> crate::Var<'g, T>;
    fn both(f32s: F<f32>, f64s: F<f64>, x0: f64) {
        let (g32, g64) = (Graph::<f32>::default(), Graph::<f64>::new());
        let (x32, x64) = (g32.scalar(x0 as f32), g64.scalar(x0));
        let (y32, y64) = (f32s(x32), f64s(x64));
        y32.backward();
        y64.backward();
        let close = |a: f32, b: f64| ((a as f64) - b).abs() <= 1e-5 * b.abs().max(1.0);
        assert!(close(y32.item(), y64.item()), "value at {x0}");
        assert!(
            close(x32.grad().item(), x64.grad().item()),
            "gradient at {x0}"
        );
    }
    for x0 in [-0.7, 0.3, 0.9] {
        both(
            |x| x.sin() + x.cos() * x.tan(),
            |x| x.sin() + x.cos() * x.tan(),
            x0,
        );
        both(|x| x.atan() * x.erf(), |x| x.atan() * x.erf(), x0);
        both(
            |x| x.asin() + x.acos().sinh(),
            |x| x.asin() + x.acos().sinh(),
            x0,
        );
        both(
            |x| x.gelu() + x.silu().exp2(),
            |x| x.gelu() + x.silu().exp2(),
            x0,
        );
        both(
            |x| x.maximum(x * x).clamp(-0.5, 0.5),
            |x| x.maximum(x * x).clamp(-0.5, 0.5),
            x0,
        );
        both(|x| x.exp().pow(x).log2(), |x| x.exp().pow(x).log2(), x0);
    }
}
