//! `sum_to` along axes that are neither leading nor last takes the strided path (the index
//! odometer), where each output element collects several inputs that are not adjacent. These
//! cases pin that path with hand-derived sums, forward and as the adjoint of `broadcast_to`:
//! a kernel that overwrote instead of accumulating would keep only the last input of each
//! sum.

use tapegrad::{Graph, Tensor};

/// x[i, j, k] = 12i + 4j + k for i < 2, j < 3, k < 4: the numbers 0..24 in row-major order.
fn ramp() -> Tensor<f64> {
    Tensor::from_vec((0..24).map(f64::from).collect(), &[2, 3, 4]).unwrap()
}

#[test]
fn sum_over_a_middle_axis_accumulates() {
    let g = Graph::new();
    let y = g.tensor(ramp()).sum_to(&[2, 1, 4]);
    // Σ_j (12i + 4j + k) = 36i + 3k + 4·(0 + 1 + 2) = 36i + 3k + 12.
    let want: Vec<f64> = (0..2)
        .flat_map(|i| (0..4).map(move |k| f64::from(36 * i + 3 * k + 12)))
        .collect();
    assert_eq!(y.shape(), [2, 1, 4]);
    assert_eq!(y.value().data(), &want[..]);
    assert_eq!(&y.value().data()[..4], &[12.0, 15.0, 18.0, 21.0]);
}

#[test]
fn sum_over_the_first_and_last_axes_accumulates() {
    let g = Graph::new();
    let y = g.tensor(ramp()).sum_to(&[1, 3, 1]);
    // Σ_i Σ_k (12i + 4j + k) = 4·12·(0 + 1) + 8·4j + 2·(0 + 1 + 2 + 3) = 60 + 32j.
    assert_eq!(y.value().data(), &[60.0, 92.0, 124.0]);
}

#[test]
fn the_gradient_of_a_middle_axis_broadcast_is_summed_back() {
    // y = Σ w ⊙ broadcast(x) with x of shape [2, 1, 4] repeated along axis 1, w = ramp:
    // ∂y/∂x[i, 0, k] = Σ_j w[i, j, k] = 36i + 3k + 12, through the strided sum_to.
    let g = Graph::new();
    let x = g.tensor(Tensor::ones(&[2, 1, 4]));
    let w = g.constant(ramp());
    (x.broadcast_to(&[2, 3, 4]) * w).sum().backward();
    assert_eq!(
        x.grad().data(),
        &[12.0, 15.0, 18.0, 21.0, 48.0, 51.0, 54.0, 57.0]
    );
}

#[test]
fn summing_empty_rows_gives_zeros() {
    // [2, 0] summed along its last axis to [2, 1]: each row is an empty sum, 0. (The per-row
    // fast path must not split the data into chunks of length 0.)
    let g = Graph::new();
    let x = g.tensor(Tensor::zeros(&[2, 0]));
    let y = x.sum_to(&[2, 1]);
    assert_eq!((y.shape(), y.value().data()), (vec![2, 1], &[0.0, 0.0][..]));
}
