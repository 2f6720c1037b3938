//! Where a layer's first parameters come from: a seeded generator and the initialisation
//! schemes.

use super::layers::Activation;
use crate::float::Float;
use crate::tensor::Tensor;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random generator layers draw their initial parameters from: ChaCha8 seeded with a
/// `u64`, so the same seed gives the same numbers on every platform and every version of
/// tapegrad's dependencies. It is tapegrad's own type, so no caller needs a `rand` crate, let
/// alone our version of it.
///
/// ```
/// use tapegrad::nn::{Generator, Init, Linear, Params};
/// let mut params = Params::<f64>::new();
/// let mut rng = Generator::new(7);
/// let fc1 = Linear::new(&mut params, "fc1", 4, 3, Init::XavierUniform, &mut rng);
/// let fc2 = Linear::new(&mut params, "fc2", 3, 1, Init::XavierUniform, &mut rng);
/// assert_eq!((fc1.outputs, fc2.inputs), (3, 3));
/// ```
#[derive(Clone, Debug)]
pub struct Generator(ChaCha8Rng);

impl Generator {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Generator(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A draw from U(−a, a), as `a·(2u − 1)` with u uniform in [0, 1).
    fn symmetric(&mut self, a: f64) -> f64 {
        a * (2.0 * self.0.random::<f64>() - 1.0)
    }
}

/// How a layer's weights and biases are drawn.
///
/// Each is drawn in `f64` from a uniform distribution U(−a, a) and rounded to the tape's type,
/// so f32 and f64 models from one seed hold the same numbers up to rounding. Biases start at 0
/// except under [`Init::PyTorch`], which draws them too (after the layer's weights, as
/// PyTorch does).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Glorot & Bengio (2010): a = √(6 / (fan_in + fan_out)), keeping the variance of
    /// activations and gradients about equal across tanh/sigmoid layers. Biases 0.
    XavierUniform,
    /// He et al. (2015): a = √(6 / fan_in), for relu layers, which zero half their inputs.
    /// Biases 0.
    HeUniform,
    /// U(−a, a) with the given a; micrograd uses a = 1. Biases 0.
    Uniform(f64),
    /// `torch.nn.Linear`'s default: weight and bias both U(−a, a) with a = 1/√fan_in.
    /// (PyTorch draws the weight by `kaiming_uniform_` with slope √5, whose bound
    /// gain·√(3/fan_in) with gain = √(2/(1 + 5)) is the same 1/√fan_in.)
    PyTorch,
}

impl Init {
    /// The usual choice for layers followed by `act`: He for the relu family (which zeroes
    /// part of its input), Xavier for everything else.
    ///
    /// ```
    /// use tapegrad::nn::{Activation, Init};
    /// assert_eq!(Init::for_activation(Activation::Relu), Init::HeUniform);
    /// assert_eq!(Init::for_activation(Activation::Tanh), Init::XavierUniform);
    /// ```
    pub fn for_activation(act: Activation) -> Self {
        match act {
            Activation::Relu | Activation::LeakyRelu(_) => Init::HeUniform,
            _ => Init::XavierUniform,
        }
    }

    /// The bound a of the weights' U(−a, a) for a layer with these fan-in and fan-out.
    ///
    /// ```
    /// use tapegrad::nn::Init;
    /// assert_eq!(Init::HeUniform.bound(3, 5), 2f64.sqrt()); // √(6/3)
    /// assert_eq!(Init::PyTorch.bound(4, 5), 0.5); // 1/√4
    /// ```
    pub fn bound(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            Init::XavierUniform => (6.0 / (fan_in + fan_out) as f64).sqrt(),
            Init::HeUniform => (6.0 / fan_in as f64).sqrt(),
            Init::Uniform(a) => a,
            Init::PyTorch => 1.0 / (fan_in as f64).sqrt(),
        }
    }

    /// The bound a of the biases' U(−a, a): 1/√fan_in for [`Init::PyTorch`], 0 (biases start
    /// at zero) for the others.
    ///
    /// ```
    /// use tapegrad::nn::Init;
    /// assert_eq!(Init::PyTorch.bias_bound(16), 0.25);
    /// assert_eq!(Init::XavierUniform.bias_bound(16), 0.0);
    /// ```
    pub fn bias_bound(self, fan_in: usize) -> f64 {
        match self {
            Init::PyTorch => 1.0 / (fan_in as f64).sqrt(),
            _ => 0.0,
        }
    }

    /// A `[fan_out, fan_in]` weight tensor drawn from `rng`.
    ///
    /// ```
    /// use tapegrad::nn::{Generator, Init};
    /// let w = Init::HeUniform.weight::<f64>(3, 2, &mut Generator::new(0));
    /// assert_eq!(w.shape(), &[2, 3]);
    /// assert!(w.data().iter().all(|x| x.abs() < 2f64.sqrt()));
    /// ```
    pub fn weight<T: Float>(self, fan_in: usize, fan_out: usize, rng: &mut Generator) -> Tensor<T> {
        let a = self.bound(fan_in, fan_out);
        let data = (0..fan_in * fan_out)
            .map(|_| T::from_f64(rng.symmetric(a)))
            .collect();
        Tensor::from_vec(data, &[fan_out, fan_in]).expect("length fits the shape")
    }

    /// A `[fan_out]` bias tensor: zeros, with no draw from `rng` (so adding a bias leaves the
    /// weights of later layers as they were), or under [`Init::PyTorch`] drawn from
    /// U(±1/√fan_in).
    ///
    /// ```
    /// use tapegrad::nn::{Generator, Init};
    /// let b = Init::PyTorch.bias::<f64>(4, 3, &mut Generator::new(0));
    /// assert!(b.data().iter().all(|x| x.abs() < 0.5) && b.data().iter().any(|&x| x != 0.0));
    /// assert_eq!(Init::HeUniform.bias::<f64>(4, 3, &mut Generator::new(0)).data(), &[0.0; 3]);
    /// ```
    pub fn bias<T: Float>(self, fan_in: usize, fan_out: usize, rng: &mut Generator) -> Tensor<T> {
        let a = self.bias_bound(fan_in);
        if a == 0.0 {
            return Tensor::zeros(&[fan_out]);
        }
        let data = (0..fan_out)
            .map(|_| T::from_f64(rng.symmetric(a)))
            .collect();
        Tensor::from_vec(data, &[fan_out]).expect("length fits the shape")
    }
}
