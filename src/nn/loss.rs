//! Loss functions, each a composite of primitives returning a rank-0 `Var`. The gradients
//! stated below are what the tape derives; none is written here.
//!
//! | loss | formula | gradient w.r.t. the prediction |
//! |---|---|---|
//! | [`half_sse`] | ½ Σ (t − y)² | y − t |
//! | [`mse`] | (1/n) Σ (y − t)² | 2(y − t)/n |
//! | [`cross_entropy`] | −(1/n) Σᵢ log_softmax(zᵢ)\[kᵢ\] | (softmax(zᵢ) − onehot(kᵢ))/n |
//! | [`binary_cross_entropy_with_logits`] | (1/n) Σ softplus(z) − t·z | (σ(z) − t)/n |
//! | [`hinge`] | (1/n) Σ relu(1 − t·s) | −t/n where t·s < 1, else 0 |
//!
//! Targets are `Var`s too; make them with [`Graph::constant`](crate::Graph::constant) so that
//! no gradient is computed for them. Prediction and target must have the same shape: a
//! `[n, 1]` prediction against an `[n]` target would otherwise broadcast to `[n, n]` and
//! silently compute the wrong loss, so it panics instead.

use crate::float::Float;
use crate::graph::Var;

#[cold]
#[track_caller]
fn shape_panic(op: &str, y: &[usize], t: &[usize]) -> ! {
    panic!("{op}: prediction {y:?} and target {t:?} must have the same shape")
}

#[track_caller]
fn same_shape<T: Float>(op: &str, y: Var<'_, T>, t: Var<'_, T>) {
    let (ys, ts) = (crate::ops::shape_of(y), crate::ops::shape_of(t));
    if ys != ts {
        shape_panic(op, &ys, &ts);
    }
}

/// Half the sum of squared errors, E = ½ Σ (t − y)², the tutorial's E_total.
/// ∂E/∂y = y − t.
///
/// ```
/// use tapegrad::{Graph, Tensor, nn};
/// let g = Graph::new();
/// let y = g.tensor(Tensor::from_vec(vec![0.75, 0.25], &[2]).unwrap());
/// let t = g.constant(Tensor::from_vec(vec![1.0, 0.0], &[2]).unwrap());
/// let e = nn::half_sse(y, t);
/// e.backward();
/// assert_eq!(e.item(), 0.0625); // ½(0.25² + 0.25²)
/// assert_eq!(y.grad().data(), &[-0.25, 0.25]);
/// ```
///
/// # Panics
/// When `y` and `t` differ in shape.
#[track_caller]
pub fn half_sse<'g, T: Float>(y: Var<'g, T>, t: Var<'g, T>) -> Var<'g, T> {
    same_shape("half_sse", y, t);
    (t - y).powi(2).sum().scale(T::from_f64(0.5))
}

/// The mean squared error, (1/n) Σ (y − t)² over all n elements. ∂/∂y = 2(y − t)/n.
///
/// ```
/// use tapegrad::{Graph, Tensor, nn};
/// let g = Graph::new();
/// let y = g.tensor(Tensor::from_vec(vec![1.0, 3.0], &[2]).unwrap());
/// let t = g.constant(Tensor::from_vec(vec![0.0, 0.0], &[2]).unwrap());
/// let e = nn::mse(y, t);
/// e.backward();
/// assert_eq!(e.item(), 5.0); // (1 + 9)/2
/// assert_eq!(y.grad().data(), &[1.0, 3.0]);
/// ```
///
/// # Panics
/// When `y` and `t` differ in shape.
#[track_caller]
pub fn mse<'g, T: Float>(y: Var<'g, T>, t: Var<'g, T>) -> Var<'g, T> {
    same_shape("mse", y, t);
    (y - t).powi(2).mean()
}

/// The mean cross-entropy of class scores (logits) against class indices:
/// −(1/n) Σᵢ log softmax(zᵢ)\[kᵢ\], the classes along the last axis, one index per row.
/// ∂/∂zᵢ = (softmax(zᵢ) − onehot(kᵢ))/n.
///
/// Computed through [`log_softmax`](crate::Var::log_softmax) and
/// [`gather`](crate::Var::gather), never as ln(softmax): it is finite for any finite logits
/// (for logits of ±1e30 the loss is 0 or about 1e30, never ∞ or NaN).
///
/// ```
/// use tapegrad::{Graph, Tensor, nn};
/// let g = Graph::new();
/// // Two rows of three classes; the first puts all its mass on its class.
/// let z = g.tensor(Tensor::from_vec(vec![1000.0, 0.0, 0.0, 0.0, 0.0, 0.0], &[2, 3]).unwrap());
/// let loss = nn::cross_entropy(z, &[0, 2]);
/// assert!((loss.item() - 3f64.ln() / 2.0).abs() < 1e-15); // (0 + ln 3)/2
/// ```
///
/// # Panics
/// When `logits` is rank 0, when `classes` does not have one entry per row (the product of
/// all axes but the last), or when an index is not below the number of classes.
#[track_caller]
pub fn cross_entropy<'g, T: Float>(logits: Var<'g, T>, classes: &[usize]) -> Var<'g, T> {
    let rank = crate::ops::shape_of(logits).len();
    if rank == 0 {
        rank0_panic("cross_entropy");
    }
    let shape = crate::ops::shape_of(logits);
    let axis = rank - 1;
    let (count, rows) = (shape[axis], shape[..axis].iter().product::<usize>());
    if classes.len() != rows {
        class_count_panic(&shape, rows, classes.len());
    }
    if let Some((row, &k)) = classes.iter().enumerate().find(|&(_, &k)| k >= count) {
        class_panic(&shape, row, k, count);
    }
    -logits.log_softmax(axis).gather(axis, classes).mean()
}

#[cold]
#[track_caller]
fn class_count_panic(shape: &[usize], rows: usize, given: usize) -> ! {
    panic!(
        "cross_entropy: {given} class indices for logits {shape:?}, which have {rows} rows \
         (one index per row)"
    )
}

#[cold]
#[track_caller]
fn class_panic(shape: &[usize], row: usize, class: usize, count: usize) -> ! {
    panic!(
        "cross_entropy: class {class} in row {row} is out of range: logits {shape:?} have \
         {count} classes (0..{count})"
    )
}

#[cold]
#[track_caller]
fn rank0_panic(op: &str) -> ! {
    panic!("{op}: logits of shape [] have no class axis (need at least [classes])")
}

/// Binary cross-entropy of logits z against targets t ∈ [0, 1], averaged over all
/// elements: (1/n) Σ −t·ln σ(z) − (1 − t)·ln(1 − σ(z)) = (1/n) Σ softplus(z) − t·z.
/// ∂/∂z = (σ(z) − t)/n.
///
/// The softplus form is the stable one: no σ is rounded to 0 or 1 before its logarithm,
/// so the loss is finite for any finite logit.
///
/// ```
/// use tapegrad::{Graph, Tensor, nn};
/// let g = Graph::new();
/// let z = g.tensor(Tensor::from_vec(vec![0.0, 1000.0], &[2]).unwrap());
/// let t = g.constant(Tensor::from_vec(vec![1.0, 1.0], &[2]).unwrap());
/// let loss = nn::binary_cross_entropy_with_logits(z, t);
/// loss.backward();
/// assert_eq!(loss.item(), 2f64.ln() / 2.0); // (ln 2 + 0)/2
/// assert_eq!(z.grad().data(), &[-0.25, 0.0]); // (σ(z) − t)/2
/// ```
///
/// # Panics
/// When `logits` and `targets` differ in shape.
#[track_caller]
pub fn binary_cross_entropy_with_logits<'g, T: Float>(
    logits: Var<'g, T>,
    targets: Var<'g, T>,
) -> Var<'g, T> {
    same_shape("binary_cross_entropy_with_logits", logits, targets);
    (logits.softplus() - targets * logits).mean()
}

/// The hinge loss of scores s against labels t ∈ {−1, +1}, averaged:
/// (1/n) Σ max(0, 1 − t·s). ∂/∂s = −t/n where the margin t·s is below 1, else 0 (0 at the
/// kink t·s = 1, from relu'(0) = 0). The loss of micrograd's moons demo.
///
/// ```
/// use tapegrad::{Graph, Tensor, nn};
/// let g = Graph::new();
/// let s = g.tensor(Tensor::from_vec(vec![2.0, 0.5, -0.5], &[3]).unwrap());
/// let t = g.constant(Tensor::from_vec(vec![1.0, 1.0, 1.0], &[3]).unwrap());
/// let loss = nn::hinge(s, t);
/// loss.backward();
/// assert_eq!(loss.item(), 2.0 / 3.0); // (0 + 0.5 + 1.5)/3
/// assert_eq!(s.grad().data(), &[0.0, -1.0 / 3.0, -1.0 / 3.0]);
/// ```
///
/// # Panics
/// When `scores` and `labels` differ in shape.
#[track_caller]
pub fn hinge<'g, T: Float>(scores: Var<'g, T>, labels: Var<'g, T>) -> Var<'g, T> {
    same_shape("hinge", scores, labels);
    (-(labels * scores)).shift(T::ONE).relu().mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    fn t2<'g>(g: &'g Graph, data: &[f64], shape: &[usize]) -> Var<'g, f64> {
        g.constant(Tensor::from_vec(data.to_vec(), shape).unwrap())
    }

    #[test]
    fn half_sse_and_mse_grads_match_finite_difference() {
        for shape in [&[][..], &[3], &[2, 3]] {
            let t = draw(shape, -1.0, 1.0, 7);
            let t2 = t.clone();
            check(
                move |g, v| half_sse(v[0], g.constant(t.clone())),
                &[draw(shape, -1.0, 1.0, 8)],
            );
            check(
                move |g, v| mse(v[0], g.constant(t2.clone())),
                &[draw(shape, -1.0, 1.0, 9)],
            );
        }
    }

    #[test]
    fn half_sse_is_the_tutorials_e_total() {
        // The worked example's outputs before training, targets 0.01 and 0.99.
        let g = Graph::new();
        let y = g.tensor(
            Tensor::from_vec(vec![0.75136506955231575, 0.77292846532146253], &[2]).unwrap(),
        );
        let e = half_sse(y, t2(&g, &[0.01, 0.99], &[2]));
        e.backward();
        assert!((e.item() - 0.29837110876000272).abs() < 1e-15);
        // ∂E/∂out_o1 = out_o1 − t1 = 0.74136507.
        assert!((y.grad().data()[0] - 0.74136506955231575).abs() < 1e-15);
    }

    #[test]
    fn cross_entropy_grad_matches_finite_difference() {
        check(
            |_, v| cross_entropy(v[0], &[2, 0]),
            &[draw(&[2, 3], -2.0, 2.0, 1)],
        );
        check(
            |_, v| cross_entropy(v[0], &[1]),
            &[draw(&[4], -2.0, 2.0, 2)],
        );
    }

    #[test]
    fn cross_entropy_literal() {
        // Uniform logits over 4 classes: loss ln 4, gradient (1/4 − onehot)/1.
        let g = Graph::new();
        let z = g.tensor(Tensor::zeros(&[1, 4]));
        let loss = cross_entropy(z, &[3]);
        loss.backward();
        assert!((loss.item() - 4f64.ln()).abs() < 1e-15);
        assert_eq!(z.grad().data(), &[0.25, 0.25, 0.25, -0.75]);
    }

    #[test]
    fn cross_entropy_is_finite_for_logits_of_1e30() {
        let g = Graph::new();
        let z =
            g.tensor(Tensor::from_vec(vec![1e30, -1e30, 0.0, -1e30, 1e30, 0.0], &[2, 3]).unwrap());
        // Row 0 right (loss 0); row 1 wrong by 1e30 (loss 1e30).
        let loss = cross_entropy(z, &[0, 0]);
        loss.backward();
        assert_eq!(loss.item(), 1e30);
        // (softmax − onehot)/2: row 0 [0, 0, 0]; row 1 [−1/2, 1/2, 0].
        assert_eq!(z.grad().data(), &[0.0, 0.0, 0.0, -0.5, 0.5, 0.0]);
    }

    #[test]
    fn bce_with_logits_grad_matches_finite_difference() {
        let t = draw(&[2, 3], 0.0, 1.0, 5);
        check(
            move |g, v| binary_cross_entropy_with_logits(v[0], g.constant(t.clone())),
            &[draw(&[2, 3], -3.0, 3.0, 6)],
        );
        check(
            |g, v| binary_cross_entropy_with_logits(v[0], g.constant(Tensor::scalar(1.0))),
            &[draw(&[], -3.0, 3.0, 7)],
        );
    }

    #[test]
    fn bce_with_logits_is_finite_at_extremes() {
        let g = Graph::new();
        let z = g.tensor(Tensor::from_vec(vec![1e30, -1e30, 1000.0, -1000.0], &[4]).unwrap());
        let t = t2(&g, &[1.0, 0.0, 0.0, 1.0], &[4]);
        let loss = binary_cross_entropy_with_logits(z, t);
        loss.backward();
        // Right (0), right (0), wrong by 1000, wrong by 1000: mean 500.
        assert_eq!(loss.item(), 500.0);
        // (σ(z) − t)/4 = [0, 0, 1/4, −1/4].
        assert_eq!(z.grad().data(), &[0.0, 0.0, 0.25, -0.25]);
    }

    #[test]
    fn hinge_grad_matches_finite_difference() {
        // Labels ±1; scores keep margins away from the kink at 1.
        let labels = Tensor::from_vec(vec![1.0, -1.0, 1.0, -1.0, 1.0, -1.0], &[2, 3]).unwrap();
        let scores = Tensor::from_vec(vec![0.2, 0.3, 1.7, -1.6, -0.4, 0.1], &[2, 3]).unwrap();
        check(
            move |g, v| hinge(v[0], g.constant(labels.clone())),
            &[scores],
        );
    }

    #[test]
    fn hinge_is_zero_past_the_margin_and_exact_at_extremes() {
        let g = Graph::new();
        let s = g.tensor(Tensor::from_vec(vec![1e30, -1e30, 1000.0, 1.0], &[4]).unwrap());
        let t = t2(&g, &[1.0, 1.0, -1.0, 1.0], &[4]);
        let loss = hinge(s, t);
        loss.backward();
        // [0, 1 + 1e30, 1001, 0] / 4: 1 + 1e30 rounds to 1e30.
        assert_eq!(loss.item(), (1e30 + 1001.0) / 4.0);
        // At the kink t·s = 1 the gradient is 0 (relu'(0) = 0).
        assert_eq!(s.grad().data(), &[0.0, -0.25, 0.25, 0.0]);
    }

    #[test]
    #[should_panic(expected = "mse: prediction [3, 1] and target [3] must have the same shape")]
    fn mse_rejects_shapes_that_would_broadcast() {
        let g = Graph::new();
        let _ = mse(g.tensor(Tensor::zeros(&[3, 1])), t2(&g, &[0.0; 3], &[3]));
    }

    #[test]
    #[should_panic(
        expected = "cross_entropy: class 7 in row 1 is out of range: logits [2, 3] have 3 classes (0..3)"
    )]
    fn cross_entropy_names_the_bad_class_and_its_row() {
        let g = Graph::new();
        let _ = cross_entropy(g.tensor(Tensor::zeros(&[2, 3])), &[0, 7]);
    }

    #[test]
    #[should_panic(
        expected = "cross_entropy: 3 class indices for logits [2, 3], which have 2 rows (one index per row)"
    )]
    fn cross_entropy_names_a_label_count_that_differs_from_the_rows() {
        let g = Graph::new();
        let _ = cross_entropy(g.tensor(Tensor::zeros(&[2, 3])), &[0, 1, 2]);
    }
}
