//! Tests of the pools: `max_pool2d`/`max_pool1d` (and `max_unpool2d`, their rule) and the
//! composites `avg_pool2d`/`avg_pool1d`.

use crate::ops::testing::{check, draw};
use crate::{Graph, Tensor};

#[test]
fn max_pool_grad_and_second_order_match_finite_differences() {
    // Drawn values have no ties, so a step of 1e-6 does not move an arg-max. Overlapping
    // (kernel 2, stride 1) and strided windows with a remainder (kernel 3, stride 2 on 6).
    let x = draw(&[2, 2, 5, 6], -1.0, 1.0, 1);
    check(
        |_, v| v[0].max_pool2d(2, 1).tanh(),
        std::slice::from_ref(&x),
    );
    check(|_, v| v[0].max_pool2d(3, 2).tanh(), &[x]);
    check(
        |_, v| v[0].max_pool1d(2, 3).tanh(),
        &[draw(&[2, 3, 8], -1.0, 1.0, 2)],
    );
    // Second order through max_unpool2d's own rule: the pooled value enters a conv whose
    // weight is also an input.
    check(
        |_, v| v[0].max_pool2d(2, 2).conv2d(v[1], 0, 1, 1, 1).powi(2),
        &[
            draw(&[1, 2, 4, 4], -1.0, 1.0, 3),
            draw(&[1, 2, 2, 2], -1.0, 1.0, 4),
        ],
    );
}

#[test]
fn avg_pool_grad_and_second_order_match_finite_differences() {
    check(
        |_, v| v[0].avg_pool2d(2, 1).tanh(),
        &[draw(&[2, 2, 4, 5], -1.0, 1.0, 5)],
    );
    check(
        |_, v| v[0].avg_pool1d(3, 2).tanh(),
        &[draw(&[2, 2, 7], -1.0, 1.0, 6)],
    );
}

#[test]
fn max_pool_literal_with_overlapping_windows_and_a_tie() {
    // x = [1, 3, 3, 2], kernel 2, stride 1: windows [1,3] → 3 at index 1, [3,3] → the first
    // 3 (index 1, ties go to the first), [3,2] → index 2. Σy = 3 + 3 + 3 = 9 and its
    // gradient counts the windows picking each index: [0, 2, 1, 0].
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(vec![1.0, 3.0, 3.0, 2.0], &[1, 1, 4]).unwrap());
    let y = x.max_pool1d(2, 1);
    y.sum().backward();
    assert_eq!(y.value().data(), &[3.0, 3.0, 3.0]);
    assert_eq!(x.grad().data(), &[0.0, 2.0, 1.0, 0.0]);
}

#[test]
fn max_pool_propagates_nan() {
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec(vec![1.0, f64::NAN, 5.0, 2.0], &[1, 1, 2, 2]).unwrap());
    let y = x.max_pool2d(2, 2);
    y.backward();
    assert!(y.item().is_nan());
    assert_eq!(x.grad().data(), &[0.0, 1.0, 0.0, 0.0]);
}

#[test]
fn avg_pool_literal() {
    // Mean of each 2×2 block of 1..16 on a 4×4 grid, stride 2: blocks (1,2,5,6) → 3.5,
    // (3,4,7,8) → 5.5, (9,10,13,14) → 11.5, (11,12,15,16) → 13.5; each input is in one block
    // and gets 1/4 of its gradient.
    let g = Graph::new();
    let x = g.tensor(Tensor::from_vec((1..=16).map(f64::from).collect(), &[1, 1, 4, 4]).unwrap());
    let y = x.avg_pool2d(2, 2);
    y.sum().backward();
    assert_eq!(y.value().data(), &[3.5, 5.5, 11.5, 13.5]);
    assert_eq!(x.grad().data(), &[0.25; 16]);
}

#[test]
#[should_panic(expected = "max_pool2d: kernel 3 is longer than axis 3 of input [1, 1, 4, 2]")]
fn max_pool_kernel_too_long_panics() {
    let g = Graph::new();
    let _ = g.tensor(Tensor::zeros(&[1, 1, 4, 2])).max_pool2d(3, 1);
}

#[test]
#[should_panic(expected = "avg_pool1d: stride must be at least 1 (got 0)")]
fn avg_pool_zero_stride_panics() {
    let g = Graph::new();
    let _ = g.tensor(Tensor::zeros(&[1, 1, 4])).avg_pool1d(2, 0);
}

#[test]
#[should_panic(
    expected = "max_pool2d: input [4, 4] must have 4 axes [batch, channels, height, width]"
)]
fn max_pool_rank_panics() {
    let g = Graph::new();
    let _ = g.tensor(Tensor::zeros(&[4, 4])).max_pool2d(2, 2);
}
