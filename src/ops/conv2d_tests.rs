//! Tests of `conv2d`, `conv1d` and the two adjoint primitives their rules use.

use crate::ops::testing::{check, draw};
use crate::{Graph, Tensor};

/// The definition, as a direct loop: y[n, o, a, b] = Σ_{c, i, j} w[o, c, i, j] ·
/// x[n, g·cg + c, a·s − p + i·d, b·s − p + j·d], 0 outside the input.
fn naive(
    x: &Tensor<f64>,
    w: &Tensor<f64>,
    p: usize,
    s: usize,
    d: usize,
    groups: usize,
) -> Vec<f64> {
    let ([n, c, h, wd], [o, cg, kh, kw]) = (
        <[usize; 4]>::try_from(x.shape()).unwrap(),
        <[usize; 4]>::try_from(w.shape()).unwrap(),
    );
    let (oh, ow) = (
        (h + 2 * p - d * (kh - 1) - 1) / s + 1,
        (wd + 2 * p - d * (kw - 1) - 1) / s + 1,
    );
    let og = o / groups;
    let (xd, wdata) = (x.data(), w.data());
    let mut out = Vec::new();
    for ni in 0..n {
        for oi in 0..o {
            for a in 0..oh {
                for b in 0..ow {
                    let mut acc = 0.0;
                    for ci in 0..cg {
                        for i in 0..kh {
                            for j in 0..kw {
                                let (y, xx) = (a * s + i * d, b * s + j * d);
                                if y < p || xx < p || y - p >= h || xx - p >= wd {
                                    continue;
                                }
                                let cin = (oi / og) * cg + ci;
                                acc += wdata[((oi * cg + ci) * kh + i) * kw + j]
                                    * xd[((ni * c + cin) * h + y - p) * wd + xx - p];
                            }
                        }
                    }
                    out.push(acc);
                }
            }
        }
    }
    out
}

type Case = ([usize; 4], [usize; 4], usize, usize, usize, usize);

/// (input shape, weight shape, padding, stride, dilation, groups): batch, channels,
/// padding, stride, dilation and groups above 1, non-square kernels and inputs.
/// The last has taps that only ever read padding (a 1×1 input under a 1×5 kernel).
const CASES: [Case; 5] = [
    ([2, 2, 4, 5], [3, 2, 2, 3], 1, 1, 1, 1),
    ([2, 4, 5, 5], [4, 2, 2, 2], 1, 2, 2, 2),
    ([1, 3, 6, 4], [6, 1, 3, 1], 2, 3, 1, 3),
    ([2, 2, 3, 3], [2, 2, 3, 3], 0, 1, 1, 1),
    ([2, 1, 1, 1], [2, 1, 1, 5], 2, 1, 1, 1),
];

#[test]
fn conv2d_forward_matches_the_definition() {
    for (k, (xs, ws, p, s, d, groups)) in CASES.into_iter().enumerate() {
        let (x, w) = (
            draw(&xs, -1.0, 1.0, 2 * k as u64),
            draw(&ws, -1.0, 1.0, 2 * k as u64 + 1),
        );
        let g = Graph::new();
        let y = g
            .tensor(x.clone())
            .conv2d(g.tensor(w.clone()), p, s, d, groups);
        let want = naive(&x, &w, p, s, d, groups);
        assert_eq!(y.value().len(), want.len(), "case {k}");
        for (a, b) in y.value().data().iter().zip(&want) {
            assert!((a - b).abs() < 1e-13, "case {k}: {a} vs {b}");
        }
    }
}

#[test]
fn conv2d_grad_and_second_order_match_finite_differences() {
    for (k, (xs, ws, p, s, d, groups)) in CASES.into_iter().enumerate() {
        let k = k as u64;
        check(
            |_, v| v[0].conv2d(v[1], p, s, d, groups).tanh(),
            &[draw(&xs, -1.0, 1.0, 10 + k), draw(&ws, -1.0, 1.0, 20 + k)],
        );
    }
}

#[test]
fn conv1d_grad_and_second_order_match_finite_differences() {
    check(
        |_, v| v[0].conv1d(v[1], 1, 2, 2, 2).tanh(),
        &[
            draw(&[2, 2, 7], -1.0, 1.0, 30),
            draw(&[4, 1, 3], -1.0, 1.0, 31),
        ],
    );
}

#[test]
fn second_order_through_the_adjoints_twice() {
    // A loss quadratic in the weight through two convolutions: the recorded gradient's
    // gradient runs conv_transpose2d and conv2d_weight through their own rules.
    check(
        |_, v| {
            let h = v[0].conv2d(v[1], 1, 1, 1, 1).tanh();
            h.conv2d(v[1], 0, 2, 1, 1).powi(2)
        },
        &[
            draw(&[1, 2, 5, 5], -1.0, 1.0, 40),
            draw(&[2, 2, 3, 3], -0.5, 0.5, 41),
        ],
    );
}

#[test]
fn conv2d_literal_with_padding_and_stride() {
    // x = 1..9 on a 3×3 grid, w = [[1, 0], [0, −1]] (top-left minus bottom-right), padding
    // 1, stride 2: outputs at padded corners (0,0), (0,2), (2,0), (2,2) read
    // x[-1,-1]−x[0,0] = −1, x[-1,1]−x[0,2] = −3, x[1,-1]−x[2,0] = −7, x[1,1]−x[2,2] = 5−9 = −4.
    // ∂Σy/∂x: each x[a,b] gets +1 per window reading it at the top-left tap and −1 at the
    // bottom-right one: x[0,0], x[0,2], x[2,0], x[2,2] get −1; x[1,1] gets +1; others 0.
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec((1..=9).map(f64::from).collect(), &[1, 1, 3, 3]).unwrap());
    let w = g.tensor(Tensor::from_vec(vec![1.0, 0.0, 0.0, -1.0], &[1, 1, 2, 2]).unwrap());
    let y = x.conv2d(w, 1, 2, 1, 1);
    y.sum().backward();
    assert_eq!(y.value().data(), &[-1.0, -3.0, -7.0, -4.0]);
    assert_eq!(
        x.grad().data(),
        &[-1.0, 0.0, -1.0, 0.0, 1.0, 0.0, -1.0, 0.0, -1.0]
    );
    // ∂Σy/∂w[i, j] = the sum, over the four windows, of the input under tap (i, j): tap
    // (0,0) reads 0, 0, 0, 5 → 5; (0,1) reads 0, 0, 4, 6 → 10; (1,0) reads 0, 2, 0, 8 → 10;
    // (1,1) reads 1, 3, 7, 9 → 20.
    assert_eq!(w.grad().data(), &[5.0, 10.0, 10.0, 20.0]);
}

#[test]
#[should_panic(
    expected = "conv2d: input [8, 3, 28, 28] has 3 channels but weight [16, 1, 3, 3] expects 1 (groups = 1)"
)]
fn conv2d_channel_mismatch_panics() {
    let g = Graph::new();
    let x = g.constant(Tensor::zeros(&[8, 3, 28, 28]));
    let _ = x.conv2d(g.tensor(Tensor::zeros(&[16, 1, 3, 3])), 0, 1, 1, 1);
}

#[test]
#[should_panic(
    expected = "conv2d: weight [3, 2, 3, 3] has 3 output channels, which groups = 2 does not divide"
)]
fn conv2d_groups_not_dividing_outputs_panics() {
    let g = Graph::new();
    let x = g.constant(Tensor::zeros(&[1, 4, 5, 5]));
    let _ = x.conv2d(g.tensor(Tensor::zeros(&[3, 2, 3, 3])), 0, 1, 1, 2);
}

#[test]
#[should_panic(expected = "conv2d: stride must be at least 1 (got 0)")]
fn conv2d_zero_stride_panics() {
    let g = Graph::new();
    let x = g.constant(Tensor::zeros(&[1, 1, 5, 5]));
    let _ = x.conv2d(g.tensor(Tensor::zeros(&[1, 1, 3, 3])), 0, 0, 1, 1);
}

#[test]
#[should_panic(
    expected = "conv2d: kernel 3 with dilation 2 is longer than axis 3 of input [1, 1, 5, 4] padded by 0 on each side"
)]
fn conv2d_kernel_longer_than_input_panics() {
    let g = Graph::new();
    let x = g.constant(Tensor::zeros(&[1, 1, 5, 4]));
    let _ = x.conv2d(g.tensor(Tensor::zeros(&[1, 1, 3, 3])), 0, 1, 2, 1);
}

#[test]
#[should_panic(expected = "conv1d: input [3, 7] must have 3 axes [batch, channels, length]")]
fn conv1d_rank_panics() {
    let g = Graph::new();
    let x = g.constant(Tensor::zeros(&[3, 7]));
    let _ = x.conv1d(g.tensor(Tensor::zeros(&[1, 3, 3])), 0, 1, 1, 1);
}

#[test]
#[should_panic(
    expected = "conv2d: padding 18446744073709551615 makes axis 2 of input [1, 1, 3, 3] too long to index"
)]
fn conv2d_padding_overflow_panics_instead_of_wrapping() {
    let g = Graph::new();
    let x = g.constant(Tensor::zeros(&[1, 1, 3, 3]));
    let _ = x.conv2d(g.tensor(Tensor::zeros(&[1, 1, 3, 3])), usize::MAX, 1, 1, 1);
}

#[test]
fn tangent_of_the_gradient_is_the_hessian_vector_product() {
    // Forward over reverse runs the tangent rules of the adjoints (conv_transpose2d,
    // conv2d_weight, and max_unpool2d through the pool); reverse over reverse runs their
    // backward rules. Both give H·v for v = (vx, vw), and must agree.
    let g = Graph::new();
    let x = g.tensor(draw(&[2, 2, 5, 5], -1.0, 1.0, 50));
    let w = g.tensor(draw(&[4, 1, 2, 2], -1.0, 1.0, 51));
    let (vx, vw) = (
        g.constant(draw(&[2, 2, 5, 5], -1.0, 1.0, 52)),
        g.constant(draw(&[4, 1, 2, 2], -1.0, 1.0, 53)),
    );
    let y = x
        .conv2d(w, 1, 1, 2, 2)
        .tanh()
        .max_pool2d(2, 1)
        .powi(2)
        .sum();
    let grads = g.grad(y, &[x, w]);
    let dot = (grads[0] * vx).sum() + (grads[1] * vw).sum();
    let rr = g.grad(dot, &[x, w]);
    for (k, &gk) in grads.iter().enumerate() {
        let fr = g.tangent(gk, &[(x, vx), (w, vw)]);
        let (a, b) = (fr.value(), rr[k].value());
        for (p, q) in a.data().iter().zip(b.data()) {
            assert!(
                (p - q).abs() < 1e-12 * (1.0 + q.abs()),
                "input {k}: {p} vs {q}"
            );
        }
    }
}
