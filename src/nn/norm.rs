//! Layer normalisation and dropout: composites with no derivative code. [`LayerNorm`] and
//! [`Dropout`] are their layers.

use super::params::{Bound, Params};
use crate::float::Float;
use crate::graph::Var;
use crate::tensor::Tensor;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

impl<'g, T: Float> Var<'g, T> {
    /// Normalises over the last axis: y = (x − μ) / √(σ² + eps), with μ and σ² the mean and
    /// the biased variance (divided by n, as PyTorch's `F.layer_norm`) of each row. No
    /// affine part: [`LayerNorm`] adds its weight and bias.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 3.0, 5.0, 5.0], &[2, 2]).unwrap());
    /// let y = x.layer_norm(0.0);
    /// // Row [1, 3]: μ = 2, σ² = 1, so [−1, 1]. Row [5, 5]: σ² = 0 and 0/0 = NaN (eps = 0).
    /// assert_eq!(&y.value().data()[..2], &[-1.0, 1.0]);
    /// assert!(y.value().data()[2].is_nan());
    /// ```
    ///
    /// # Panics
    /// When the value is rank 0 or its last axis has length 0.
    #[track_caller]
    pub fn layer_norm(self, eps: T) -> Self {
        let shape = self.shape();
        let axis = match shape.last() {
            Some(&n) if n > 0 => shape.len() - 1,
            _ => norm_panic(&shape),
        };
        let inv_n = T::ONE / T::from_usize(shape[axis]);
        let centred = self - self.sum_keepdim(axis).scale(inv_n);
        let var = (centred * centred).sum_keepdim(axis).scale(inv_n);
        centred / var.shift(eps).sqrt()
    }

    /// Inverted dropout for training: each element is kept with probability 1 − p and then
    /// divided by 1 − p, or set to 0, so the expected value is x. The keep mask is drawn from
    /// ChaCha8 seeded with `seed` (the same mask for the same seed and shape on every
    /// platform) and enters as a constant, so the gradient is the mask over 1 − p. For
    /// evaluation, do not call it: [`Dropout`] switches between the two.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::ones(&[1000]));
    /// let y = x.dropout(0.5, 7);
    /// let kept = y.value().data().iter().filter(|&&v| v == 2.0).count();
    /// let dropped = y.value().data().iter().filter(|&&v| v == 0.0).count();
    /// assert_eq!(kept + dropped, 1000);
    /// assert!((400..600).contains(&kept));
    /// ```
    ///
    /// # Panics
    /// When p is not in [0, 1].
    #[track_caller]
    pub fn dropout(self, p: f64, seed: u64) -> Self {
        if !(0.0..=1.0).contains(&p) {
            dropout_panic(p);
        }
        let shape = self.shape();
        let n = shape.iter().product();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // p = 1 drops everything; 1/(1 − p) would be ∞ and 0·∞ NaN.
        let keep = if p < 1.0 {
            T::from_f64(1.0 / (1.0 - p))
        } else {
            T::ZERO
        };
        let mask = (0..n)
            .map(|_| {
                if rng.random::<f64>() >= p {
                    keep
                } else {
                    T::ZERO
                }
            })
            .collect();
        let mask = Tensor::from_vec(mask, &shape).expect("length fits the shape");
        self * self.graph.constant(mask)
    }
}

#[cold]
#[track_caller]
fn norm_panic(shape: &[usize]) -> ! {
    panic!("layer_norm: shape {shape:?} has no non-empty last axis to normalise over")
}

#[cold]
#[track_caller]
fn dropout_panic(p: f64) -> ! {
    panic!("dropout: p must be in [0, 1] (got {p})")
}

/// Layer normalisation over the last axis with a learned scale and shift:
/// y = [`layer_norm`](Var::layer_norm)(x) · weight + bias, with `"{name}.weight"` (ones) and
/// `"{name}.bias"` (zeros) of shape `[features]`, as PyTorch's `nn.LayerNorm(features)`.
///
/// ```
/// use tapegrad::{Graph, Tensor, nn::{LayerNorm, Params}};
/// let mut params = Params::<f64>::new();
/// let ln = LayerNorm::new(&mut params, "ln", 2, 1e-5);
/// let g = Graph::new();
/// let y = ln.forward(&params.bind(&g), g.constant(Tensor::from_vec(vec![0.0, 4.0], &[1, 2]).unwrap()));
/// // μ = 2, σ² = 4: (∓2)/√(4 + 1e-5) ≈ ∓1.
/// assert!((y.value().data()[1] - 1.0).abs() < 1e-5);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNorm {
    /// The length of the last axis.
    pub features: usize,
    /// Added to the variance.
    pub eps: f64,
    weight: usize,
    bias: usize,
}

impl LayerNorm {
    /// Adds `"{name}.weight"` (ones) and `"{name}.bias"` (zeros), each `[features]`.
    ///
    /// # Panics
    /// When `params` already holds one of the names.
    #[track_caller]
    pub fn new<T: Float>(params: &mut Params<T>, name: &str, features: usize, eps: f64) -> Self {
        let weight = params.add(format!("{name}.weight"), Tensor::ones(&[features]));
        let bias = params.add(format!("{name}.bias"), Tensor::zeros(&[features]));
        LayerNorm {
            features,
            eps,
            weight,
            bias,
        }
    }

    /// layer_norm(x) · weight + bias, broadcast over every axis but the last.
    ///
    /// # Panics
    /// When the last axis of x is not `features` long (the message of the broadcast).
    #[track_caller]
    pub fn forward<'g, T: Float>(&self, p: &Bound<'g, T>, x: Var<'g, T>) -> Var<'g, T> {
        x.layer_norm(T::from_f64(self.eps)) * p[self.weight] + p[self.bias]
    }
}

/// Dropout with PyTorch's train/eval switch: in training, [`forward`](Dropout::forward) is
/// [`Var::dropout`] with the step's seed; in evaluation it returns x unchanged. A new layer
/// trains; [`eval`](Dropout::eval) and [`train`](Dropout::train) switch, as on a PyTorch
/// module.
///
/// ```
/// use tapegrad::{Graph, Tensor, nn::Dropout};
/// let g = Graph::new();
/// let x = g.tensor(Tensor::ones(&[100]));
/// let mut drop = Dropout::new(0.3);
/// assert!(drop.forward(x, 1).value().data().contains(&0.0));
/// drop.eval();
/// assert_eq!(drop.forward(x, 1).value(), x.value());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    /// The probability of zeroing an element.
    pub p: f64,
    /// Whether `forward` drops (training) or passes x through (evaluation).
    pub training: bool,
}

impl Dropout {
    /// A training dropout layer with probability `p`.
    pub fn new(p: f64) -> Self {
        Dropout { p, training: true }
    }

    /// Switches to training: `forward` drops.
    pub fn train(&mut self) {
        self.training = true;
    }

    /// Switches to evaluation: `forward` is the identity.
    pub fn eval(&mut self) {
        self.training = false;
    }

    /// x with dropout (mask seeded by `seed`, one seed per step) in training, x in evaluation.
    ///
    /// # Panics
    /// In training, when p is not in [0, 1].
    #[track_caller]
    pub fn forward<'g, T: Float>(&self, x: Var<'g, T>, seed: u64) -> Var<'g, T> {
        if self.training {
            x.dropout(self.p, seed)
        } else {
            x
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn layer_norm_grad_and_second_order_match_finite_differences() {
        check(
            |_, v| v[0].layer_norm(1e-3).tanh(),
            &[draw(&[3, 4], -1.0, 1.0, 1)],
        );
        check(
            |_, v| v[0].layer_norm(1e-3).powi(3),
            &[draw(&[5], -1.0, 1.0, 2)],
        );
    }

    #[test]
    fn layer_norm_rows_have_mean_0_and_variance_1() {
        let g = Graph::new();
        let y = g
            .tensor(draw(&[4, 6], -3.0, 5.0, 3))
            .layer_norm(0.0)
            .value();
        for row in y.data().chunks(6) {
            let mean = row.iter().sum::<f64>() / 6.0;
            let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 6.0;
            assert!(
                mean.abs() < 1e-14 && (var - 1.0).abs() < 1e-13,
                "{mean} {var}"
            );
        }
    }

    #[test]
    fn dropout_gradient_is_the_scaled_mask_and_the_seed_fixes_it() {
        let g = Graph::new();
        let x = g.tensor(Tensor::ones(&[64]));
        let y = x.dropout(0.25, 11);
        y.sum().backward();
        // On ones, y is the mask itself: each element 0 or 1/(1 − 0.25) = 4/3.
        assert_eq!(x.grad().data(), y.value().data());
        assert!(y.value().data().iter().all(|&v| v == 0.0 || v == 4.0 / 3.0));
        assert_eq!(x.dropout(0.25, 11).value(), y.value());
        assert_ne!(x.dropout(0.25, 12).value(), y.value());
        assert!(x.dropout(1.0, 5).value().data().iter().all(|&v| v == 0.0));
        assert_eq!(x.dropout(0.0, 5).value(), x.value());
    }

    #[test]
    #[should_panic(expected = "dropout: p must be in [0, 1] (got 1.5)")]
    fn dropout_with_p_above_1_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::ones(&[3])).dropout(1.5, 0);
    }

    #[test]
    #[should_panic(expected = "layer_norm: shape [] has no non-empty last axis")]
    fn layer_norm_of_a_scalar_panics() {
        let g = Graph::new();
        let _ = g.scalar(1.0).layer_norm(1e-5);
    }
}
