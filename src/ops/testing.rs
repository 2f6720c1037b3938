//! Shared checks for the op tests: inputs at ranks 0, 1 and 2, and the three-way check
//! (backward and the recorded path against finite differences, and second order).

use crate::gradcheck::{TestFn, gradcheck, hessian_check, tangent_check};
use crate::tensor::Tensor;

/// The shapes every elementwise op is checked at.
pub(crate) const RANKS: [&[usize]; 3] = [&[], &[3], &[2, 3]];

/// Deterministic values spread over [lo, hi] (a fixed-seed LCG; no two neighbours equal).
pub(crate) fn draw(shape: &[usize], lo: f64, hi: f64, seed: u64) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let data = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect();
    Tensor::from_vec(data, shape).unwrap()
}

/// Asserts that `f`'s gradients at `inputs` match central differences, that the recorded
/// path matches `backward`, that second derivatives match differences of the gradient, and
/// that forward mode (the tangent rules) matches differences, reverse mode and second order.
#[track_caller]
pub(crate) fn check(f: impl TestFn, inputs: &[Tensor<f64>]) {
    gradcheck(&f, inputs, 1e-6).assert_ok();
    let v: Vec<_> = inputs
        .iter()
        .enumerate()
        .map(|(i, x)| draw(x.shape(), -1.0, 1.0, 99 + i as u64))
        .collect();
    let err = hessian_check(&f, inputs, &v, 1e-5);
    assert!(err < 1e-5, "second-order check: error {err:.3e}");
    let err = tangent_check(&f, inputs, &v, 1e-6);
    assert!(err < 1e-5, "forward-mode (tangent) check: error {err:.3e}");
}

/// Checks a unary `f` at ranks 0, 1 and 2 with inputs drawn from [lo, hi].
#[track_caller]
pub(crate) fn check_unary(f: impl TestFn, lo: f64, hi: f64) {
    for (k, shape) in RANKS.iter().enumerate() {
        check(&f, &[draw(shape, lo, hi, k as u64)]);
    }
}

/// Checks a binary `f` on same-shape inputs at ranks 0, 1 and 2, and on the broadcasting
/// pairs `[3,1]·[1,4]`, `[]·[2,3]` and `[2,3]·[3]`, inputs drawn from [lo, hi].
#[track_caller]
pub(crate) fn check_binary(f: impl TestFn, lo: f64, hi: f64) {
    let pairs: [(&[usize], &[usize]); 6] = [
        (&[], &[]),
        (&[3], &[3]),
        (&[2, 3], &[2, 3]),
        (&[3, 1], &[1, 4]),
        (&[], &[2, 3]),
        (&[2, 3], &[3]),
    ];
    for (k, (a, b)) in pairs.iter().enumerate() {
        let k = k as u64;
        check(&f, &[draw(a, lo, hi, 2 * k), draw(b, lo, hi, 2 * k + 1)]);
    }
}
