//! Tests of the reduction and join composites (`src/reduce.rs`, `src/join.rs`): finite
//! differences and second order through the shared `check`, hand-derived literals, and the
//! edge cases their docs promise.

use crate::ops::testing::{check, draw};
use crate::{Graph, Tensor, Var};

fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape).unwrap()
}

#[test]
fn sum_and_mean_over_axes_match_finite_differences() {
    check(
        |_, v| v[0].sum_dims(&[], false).exp(),
        &[draw(&[], -1.0, 1.0, 1)],
    );
    check(
        |_, v| v[0].sum_dims(&[0], false).exp(),
        &[draw(&[3], -1.0, 1.0, 2)],
    );
    let x = draw(&[2, 3, 4], -1.0, 1.0, 3);
    for keep in [false, true] {
        check(|_, v| v[0].sum_dims(&[0, -1], keep).powi(2), &[x.clone()]);
        check(|_, v| v[0].mean_dims(&[1], keep).powi(3), &[x.clone()]);
        check(|_, v| v[0].mean_dims(&[2, 0, 1], keep).exp(), &[x.clone()]);
    }
}

#[test]
fn sum_dims_literal_and_shapes() {
    // Rows of [[1,2,3],[4,5,6]] sum to [6, 15], columns to [5, 7, 9].
    let g = Graph::new();
    let x = g.tensor(t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]));
    assert_eq!(x.sum_dims(&[1], false).value().data(), &[6.0, 15.0]);
    assert_eq!(x.sum_dims(&[-2], true).value().shape(), &[1, 3]);
    assert_eq!(x.sum_dims(&[0, 1], false).value().shape(), &[] as &[usize]);
    assert_eq!(x.mean_dims(&[0], false).value().data(), &[2.5, 3.5, 4.5]);
    // An empty list reduces nothing, as NumPy's axis=().
    assert_eq!(x.sum_dims(&[], false).value(), x.value());
}

#[test]
fn max_and_min_over_axes_match_finite_differences() {
    // Drawn values have no ties, so max and min are smooth there.
    let x = draw(&[3, 4], -1.0, 1.0, 4);
    for keep in [false, true] {
        check(|_, v| v[0].max_dims(&[0, 1], keep).exp(), &[x.clone()]);
        check(|_, v| v[0].min_dim(-1, keep).exp(), &[x.clone()]);
        check(|_, v| v[0].max_dim(0, keep).powi(3), &[x.clone()]);
    }
    check(
        |_, v| v[0].reshape(&[1]).min_dims(&[0], false).exp(),
        &[draw(&[], -1.0, 1.0, 5)],
    );
}

#[test]
fn max_and_min_ties_go_to_the_first_in_row_major_order() {
    // [[1, 4], [4, 0]]: the maximum 4 is at (0,1) and (1,0); (0,1) comes first. The
    // minimum over all is 0, alone; over axis 0 the column minima are 1 and 0.
    let g = Graph::new();
    let x = g.tensor(t(&[1.0, 4.0, 4.0, 0.0], &[2, 2]));
    x.max_dims(&[0, 1], false).backward();
    assert_eq!(x.grad().data(), &[0.0, 1.0, 0.0, 0.0]);
    let y = g.tensor(t(&[2.0, 1.0, 1.0, 3.0], &[2, 2]));
    let m = y.min_dims(&[1, 0], false);
    m.backward();
    assert_eq!(m.item(), 1.0);
    assert_eq!(y.grad().data(), &[0.0, 1.0, 0.0, 0.0]);
}

#[test]
fn prod_matches_finite_differences_with_and_without_zeros() {
    check(
        |_, v| v[0].prod_dims(&[0], false),
        &[draw(&[5], -1.5, 1.5, 6)],
    );
    let x = draw(&[3, 4], -1.5, 1.5, 7);
    check(|_, v| v[0].prod_dims(&[1], true).sum(), &[x.clone()]);
    check(|_, v| v[0].prod_dims(&[0, 1], false), &[x]);
    // One zero and two zeros: a product is a polynomial, so differences are exact enough.
    check(
        |_, v| v[0].prod_dims(&[0], false),
        &[t(&[2.0, 0.0, 3.0, -1.5], &[4])],
    );
    check(
        |_, v| v[0].prod_dims(&[0], false),
        &[t(&[0.0, 1.5, 0.0], &[3])],
    );
}

#[test]
fn prod_gradient_with_zeros_is_the_product_of_the_others() {
    // x = [2, 0, 3, 5]: ∂/∂xᵢ Π = Πⱼ≠ᵢ xⱼ = [0, 30, 0, 0]. With two zeros all are 0.
    let g = Graph::new();
    let x = g.tensor(t(&[2.0, 0.0, 3.0, 5.0], &[4]));
    let p = x.prod_dims(&[0], false);
    p.backward();
    assert_eq!(
        (p.item(), x.grad().data().to_vec()),
        (0.0, vec![0.0, 30.0, 0.0, 0.0])
    );
    let y = g.tensor(t(&[0.0, 2.0, 0.0], &[3]));
    y.prod_dims(&[-1], false).backward();
    assert_eq!(y.grad().data(), &[0.0, 0.0, 0.0]);
    // Second order through the recorded path: ∂²Π/∂x₀∂x₂ = x₁·x₃ = 0, ∂²/∂x₁∂x₂ = x₀·x₃ = 10.
    let d = g.grad(p, &[x])[0];
    let h = g.grad(d.narrow(0, 1, 1).sum(), &[x])[0];
    assert_eq!(h.value().data(), &[15.0, 0.0, 10.0, 6.0]);
    // An empty axis has product 1.
    let e = g.tensor(Tensor::zeros(&[2, 0]));
    assert_eq!(e.prod_dims(&[1], false).value().data(), &[1.0, 1.0]);
}

#[test]
fn logsumexp_matches_finite_differences_and_is_stable() {
    let x = draw(&[2, 3], -2.0, 2.0, 8);
    for keep in [false, true] {
        check(|_, v| v[0].logsumexp(&[1], keep).powi(2), &[x.clone()]);
        check(|_, v| v[0].logsumexp(&[0, 1], keep).exp(), &[x.clone()]);
    }
    check(
        |_, v| v[0].reshape(&[1]).logsumexp(&[0], false).exp(),
        &[draw(&[], -1.0, 1.0, 9)],
    );
    // ln(e¹⁰⁰⁰ + e⁰) = 1000 + ln(1 + e⁻¹⁰⁰⁰) = 1000 in f64; gradient softmax = [1, e⁻¹⁰⁰⁰ = 0].
    let g = Graph::new();
    let y = g.tensor(t(&[1000.0, 0.0, -1e30, 1e30], &[2, 2]));
    let l = y.logsumexp(&[1], false);
    l.sum().backward();
    assert_eq!(l.value().data(), &[1000.0, 1e30]);
    assert_eq!(y.grad().data(), &[1.0, 0.0, 0.0, 1.0]);
    // A row of −∞ gives −∞, as in PyTorch.
    let z = g.tensor(t(&[f64::NEG_INFINITY, f64::NEG_INFINITY], &[2]));
    assert_eq!(z.logsumexp(&[0], false).item(), f64::NEG_INFINITY);
}

#[test]
fn var_std_and_norm_match_finite_differences() {
    let x = draw(&[3, 4], -1.0, 1.0, 10);
    for keep in [false, true] {
        for c in [0, 1] {
            check(|_, v| v[0].var(&[1], c, keep).sum(), &[x.clone()]);
            check(|_, v| v[0].std(&[0, 1], c, keep).sum(), &[x.clone()]);
        }
        check(|_, v| v[0].norm(&[0], keep).sum(), &[x.clone()]);
    }
    check(
        |_, v| v[0].var(&[0], 1, false),
        &[draw(&[4], -1.0, 1.0, 11)],
    );
    check(
        |_, v| v[0].norm(&[], false).sum(),
        &[draw(&[], 0.5, 1.0, 12)],
    );
}

#[test]
fn var_std_literals() {
    // [1, 2, 3, 6]: mean 3, squared deviations 4 + 1 + 0 + 9 = 14; var = 14/3 (correction
    // 1) or 14/4; ∂var/∂xᵢ = 2(xᵢ − 3)/3 = [−4/3, −2/3, 0, 2].
    let g = Graph::new();
    let x = g.tensor(t(&[1.0, 2.0, 3.0, 6.0], &[4]));
    let v = x.var(&[0], 1, false);
    v.backward();
    assert_eq!(v.item(), 14.0 / 3.0);
    let want = [-4.0 / 3.0, -2.0 / 3.0, 0.0, 2.0];
    for (a, b) in x.grad().data().iter().zip(want) {
        assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    }
    assert_eq!(x.var(&[0], 0, true).value().data(), &[3.5]);
    assert_eq!(x.std(&[0], 0, false).item(), 3.5f64.sqrt());
    // n ≤ correction divides by 0, as PyTorch: ∞ for a positive sum, NaN for 0.
    let one = g.tensor(t(&[2.0], &[1]));
    assert!(one.var(&[0], 1, false).item().is_nan());
}

#[test]
fn norm_at_zero_has_value_and_gradient_zero() {
    // Row 0 is [3, 4]: norm 5, gradient x/5. Row 1 is zero: norm 0, gradient 0 (PyTorch's
    // subgradient; x/‖x‖ would be 0/0).
    let g = Graph::new();
    let x = g.tensor(t(&[3.0, 4.0, 0.0, 0.0], &[2, 2]));
    let n = x.norm(&[1], true);
    n.sum().backward();
    assert_eq!(n.value().data(), &[5.0, 0.0]);
    let r = g.grad(n.sum(), &[x])[0].value();
    for grad in [x.grad(), r] {
        let want = [0.6, 0.8, 0.0, 0.0];
        for (a, b) in grad.data().iter().zip(want) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
        assert_eq!(&grad.data()[2..], &[0.0, 0.0]); // exactly
    }
}

#[test]
fn argmax_and_argmin_give_gather_indices() {
    let x = t(&[1.0, 5.0, 5.0, 7.0, f64::NAN, 2.0], &[2, 3]);
    assert_eq!(x.argmax(1), vec![1, 1]); // a tie goes to the first; NaN counts as largest
    assert_eq!(x.argmin(-1), vec![0, 1]); // ... and as smallest
    assert_eq!(x.argmax(0), vec![1, 1, 0]);
    let g = Graph::new();
    let v = g.tensor(t(&[3.0, 1.0, 2.0, 0.0, 8.0, 4.0], &[3, 2]));
    let i = v.argmax(0);
    assert_eq!(i, vec![2, 2]);
    assert_eq!(v.gather(0, &i).value(), v.max_keepdim(0).value());
    assert_eq!(v.argmin(1), vec![1, 1, 1]);
}

#[test]
fn cat_stack_and_split_match_finite_differences() {
    let (a, b) = (draw(&[2, 3], -1.0, 1.0, 13), draw(&[2, 3], -1.0, 1.0, 14));
    let w = draw(&[2, 2, 3], -1.0, 1.0, 15);
    check(
        move |g, v| (Var::stack(&[v[0], v[1]], 1) * g.constant(w.clone())).exp(),
        &[a.clone(), b.clone()],
    );
    check(
        |_, v| Var::cat(&[v[0], v[1], v[0], v[1], v[0]], -1).powi(3),
        &[a.clone(), b.clone()],
    );
    check(
        |_, v| {
            let p = v[0].split(2, 1);
            p[0].sum_dims(&[1], true) * p[1] + v[1].chunk(2, 0)[1].powi(2)
        },
        &[a, b],
    );
}

#[test]
fn cat_stack_chunk_split_literals() {
    let g = Graph::new();
    let x = g.tensor(t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]));
    let y = g.tensor(t(&[7.0, 8.0, 9.0], &[1, 3]));
    let c = Var::cat(&[x, y, y], 0);
    assert_eq!(c.shape(), vec![4, 3]);
    assert_eq!(&c.value().data()[6..], &[7.0, 8.0, 9.0, 7.0, 8.0, 9.0]);
    // Σ of the cat: every element counted once per copy; y appears twice.
    c.sum().backward();
    assert_eq!(y.grad().data(), &[2.0, 2.0, 2.0]);
    let s = Var::stack(&[x, x], -1);
    assert_eq!(s.shape(), vec![2, 3, 2]);
    assert_eq!(&s.value().data()[..4], &[1.0, 1.0, 2.0, 2.0]);
    let parts = x.chunk(2, 1);
    assert_eq!(
        (parts[0].shape(), parts[1].shape()),
        (vec![2, 2], vec![2, 1])
    );
    let sizes: Vec<_> = x
        .split_with_sizes(&[1, 0, 2], 1)
        .iter()
        .map(|p| p.shape())
        .collect();
    assert_eq!(sizes, vec![vec![2, 1], vec![2, 0], vec![2, 2]]);
    assert_eq!(Var::cat(&[x], 1).value(), x.value());
}

#[test]
fn squeeze_unsqueeze_flatten_shapes() {
    let g = Graph::new();
    let x = g.tensor(draw(&[2, 1, 3], -1.0, 1.0, 16));
    assert_eq!(x.squeeze(1).shape(), vec![2, 3]);
    assert_eq!(x.squeeze(0).shape(), vec![2, 1, 3]); // length 2: unchanged, as PyTorch
    assert_eq!(x.unsqueeze(-1).shape(), vec![2, 1, 3, 1]);
    assert_eq!(x.unsqueeze(0).shape(), vec![1, 2, 1, 3]);
    assert_eq!(x.squeeze_all().shape(), vec![2, 3]);
    assert_eq!(x.flatten(0, -1).shape(), vec![6]);
    assert_eq!(x.flatten(1, 2).shape(), vec![2, 3]);
    assert_eq!(g.scalar(1.0).flatten(0, -1).shape(), vec![1]);
    check(
        |_, v| v[0].unsqueeze(1).flatten(0, 1).squeeze(1).exp(),
        &[draw(&[3, 1], -1.0, 1.0, 17)],
    );
}

#[test]
fn matmul_beyond_2d_matches_finite_differences() {
    let d = |s: &[usize], k| draw(s, -1.0, 1.0, k);
    let cases: [(&[usize], &[usize]); 7] = [
        (&[3], &[3]),
        (&[3], &[3, 2]),
        (&[2, 3], &[3]),
        (&[2, 2, 3], &[3, 4]),
        (&[4], &[2, 4, 3]),
        (&[2, 1, 2, 3], &[3, 3, 2]),
        (&[3, 2], &[2, 2, 1]),
    ];
    for (k, (a, b)) in cases.iter().enumerate() {
        check(
            |_, v| v[0].matmul(v[1]).tanh(),
            &[d(a, 2 * k as u64), d(b, 2 * k as u64 + 1)],
        );
    }
}

#[test]
fn matmul_beyond_2d_literal_shapes_and_values() {
    // [3]·[3] is the dot product; [2,1,2,3]·[3,3,2] broadcasts the batch to [2, 3].
    let g = Graph::new();
    let v = g.tensor(t(&[1.0, 2.0, 3.0], &[3]));
    let dot = v.matmul(v);
    assert_eq!((dot.shape(), dot.item()), (vec![], 14.0));
    let a = g.tensor(draw(&[2, 1, 2, 3], -1.0, 1.0, 18));
    let b = g.tensor(draw(&[3, 3, 2], -1.0, 1.0, 19));
    let c = a.matmul(b);
    assert_eq!(c.shape(), vec![2, 3, 2, 2]);
    // Batch (1, 2) is a[1, 0] · b[2].
    let a1 = a.narrow(0, 1, 1).reshape(&[2, 3]);
    let b2 = b.narrow(0, 2, 1).reshape(&[3, 2]);
    let want = a1.matmul(b2).value();
    let got = c.narrow(0, 1, 1).narrow(1, 2, 1).reshape(&[2, 2]).value();
    for (x, y) in want.data().iter().zip(got.data()) {
        assert!((x - y).abs() < 1e-14);
    }
}

#[test]
#[should_panic(expected = "max_dims: axis 1 of shape [2, 0] has length 0")]
fn max_over_an_empty_axis_panics() {
    let g = Graph::new();
    let _ = g.tensor(Tensor::zeros(&[2, 0])).max_dims(&[1], false);
}

#[test]
#[should_panic(expected = "sum_dims: axes [1, -1] name axis 1 of shape [2, 3] twice")]
fn a_repeated_axis_panics() {
    let g = Graph::new();
    let _ = g.tensor(Tensor::zeros(&[2, 3])).sum_dims(&[1, -1], false);
}

#[test]
#[should_panic(expected = "stack: every value must have the same shape, got [2] and [3]")]
fn stack_of_different_shapes_panics() {
    let g = Graph::new();
    let _ = Var::stack(
        &[g.tensor(Tensor::zeros(&[2])), g.tensor(Tensor::zeros(&[3]))],
        0,
    );
}

#[test]
#[should_panic(expected = "argmax: axis 0 of shape [0] has length 0")]
fn argmax_of_nothing_panics() {
    let _ = Tensor::<f64>::zeros(&[0]).argmax(0);
}
