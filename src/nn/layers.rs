//! Layers and models: [`Linear`], [`Mlp`], their initialisation ([`Init`]) and the
//! activation between layers ([`Activation`]). Composites only: a layer is a few `Var`
//! operations on its parameters' leaves.
//!
//! A model owns its [`Params`]; its `forward` reads their leaves from a [`Bound`]. One
//! training step, by hand:
//!
//! ```
//! use tapegrad::{Graph, Tensor, nn, optim::{Optimizer, Sgd}};
//! use tapegrad::nn::{Activation, Init, Mlp};
//!
//! let mut model = Mlp::new(&[2, 4, 1], Activation::Tanh, Init::XavierUniform, 7);
//! let mut opt = Sgd::new(0.1);
//! let x = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2]).unwrap();
//! let t = Tensor::from_vec(vec![1.0, 1.0], &[2, 1]).unwrap();
//! let mut g = Graph::new();
//! let mut losses = vec![];
//! for _ in 0..20 {
//!     g.clear();
//!     let p = model.params().bind(&g);
//!     let y = model.forward(&p, g.constant(x.clone()));
//!     let loss = nn::mse(y, g.constant(t.clone()));
//!     loss.backward();
//!     losses.push(loss.item());
//!     model.params_mut().read_grads(&p);
//!     opt.step(model.params_mut());
//! }
//! assert!(losses[19] < losses[0] / 10.0);
//! assert_eq!(model.params().names().collect::<Vec<_>>(),
//!            ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"]);
//! ```

use super::params::{Bound, Params};
use crate::float::Float;
use crate::graph::Var;
use crate::tensor::Tensor;
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How a layer's weights are drawn. Biases start at 0.
///
/// Weights are drawn in `f64` from a uniform distribution U(−a, a) and rounded to the tape's
/// type, so f32 and f64 models from one seed hold the same numbers up to rounding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Glorot & Bengio (2010): a = √(6 / (fan_in + fan_out)), keeping the variance of
    /// activations and gradients about equal across tanh/sigmoid layers.
    XavierUniform,
    /// He et al. (2015): a = √(6 / fan_in), for relu layers, which zero half their inputs.
    HeUniform,
    /// U(−a, a) with the given a; micrograd uses a = 1.
    Uniform(f64),
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

    /// The bound a of U(−a, a) for a layer with these fan-in and fan-out.
    pub fn bound(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            Init::XavierUniform => (6.0 / (fan_in + fan_out) as f64).sqrt(),
            Init::HeUniform => (6.0 / fan_in as f64).sqrt(),
            Init::Uniform(a) => a,
        }
    }

    /// A `[fan_out, fan_in]` weight tensor drawn from `rng`.
    pub fn weight<T: Float>(self, fan_in: usize, fan_out: usize, rng: &mut impl Rng) -> Tensor<T> {
        let a = self.bound(fan_in, fan_out);
        let data = (0..fan_in * fan_out)
            .map(|_| T::from_f64(a * (2.0 * rng.random::<f64>() - 1.0)))
            .collect();
        Tensor::from_vec(data, &[fan_out, fan_in]).expect("length fits the shape")
    }
}

/// The activation applied between the layers of an [`Mlp`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// None: the identity.
    Identity,
    /// [`Var::relu`].
    Relu,
    /// [`Var::leaky_relu`] with this slope.
    LeakyRelu(f64),
    /// [`Var::sigmoid`].
    Sigmoid,
    /// `tanh`, a primitive.
    Tanh,
    /// [`Var::softsign`].
    Softsign,
    /// [`Var::softplus`].
    Softplus,
    /// [`Var::elu`] with this α.
    Elu(f64),
}

impl Activation {
    /// Applies the activation to `x`.
    #[track_caller]
    pub fn apply<'g, T: Float>(self, x: Var<'g, T>) -> Var<'g, T> {
        match self {
            Activation::Identity => x,
            Activation::Relu => x.relu(),
            Activation::LeakyRelu(s) => x.leaky_relu(T::from_f64(s)),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Tanh => x.tanh(),
            Activation::Softsign => x.softsign(),
            Activation::Softplus => x.softplus(),
            Activation::Elu(a) => x.elu(T::from_f64(a)),
        }
    }
}

/// A fully connected layer y = x·Wᵀ + b, with W of shape `[out, in]` and b of shape `[out]`
/// (PyTorch's layout, so a saved model loads into `torch.nn.Linear`). For x of shape
/// `[n, in]`, y is `[n, out]`; ∂/∂W = Gᵀ·x and ∂/∂b = Σₙ G, derived by the tape.
///
/// The layer holds the positions of its two parameters in a [`Params`], not the values.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear {
    /// Input features.
    pub inputs: usize,
    /// Output features.
    pub outputs: usize,
    weight: usize,
    bias: usize,
}

impl Linear {
    /// Adds `"{name}.weight"` (`[outputs, inputs]`, drawn by `init` from `rng`) and
    /// `"{name}.bias"` (`[outputs]`, zeros) to `params`.
    ///
    /// # Panics
    /// When `params` already holds one of those names.
    #[track_caller]
    pub fn new<T: Float>(
        params: &mut Params<T>,
        name: &str,
        inputs: usize,
        outputs: usize,
        init: Init,
        rng: &mut impl Rng,
    ) -> Self {
        let weight = params.add(format!("{name}.weight"), init.weight(inputs, outputs, rng));
        let bias = params.add(format!("{name}.bias"), Tensor::zeros(&[outputs]));
        Linear {
            inputs,
            outputs,
            weight,
            bias,
        }
    }

    /// The positions of the weight and the bias in their [`Params`].
    pub fn param_indices(&self) -> (usize, usize) {
        (self.weight, self.bias)
    }

    /// x·Wᵀ + b for x of shape `[n, inputs]`.
    ///
    /// # Panics
    /// When x is not `[n, inputs]` (the matmul message shows both shapes).
    #[track_caller]
    pub fn forward<'g, T: Float>(&self, p: &Bound<'g, T>, x: Var<'g, T>) -> Var<'g, T> {
        x.matmul_t(p[self.weight]) + p[self.bias]
    }
}

/// Anything that owns its parameters; what [`fit`](crate::train::fit) trains.
pub trait Model<T: Float> {
    /// The parameters.
    fn params(&self) -> &Params<T>;
    /// The parameters, mutable.
    fn params_mut(&mut self) -> &mut Params<T>;
}

impl<T: Float> Model<T> for Params<T> {
    fn params(&self) -> &Params<T> {
        self
    }
    fn params_mut(&mut self) -> &mut Params<T> {
        self
    }
}

/// A multilayer perceptron: [`Linear`] layers of the given sizes with one [`Activation`]
/// between consecutive layers and none after the last. `Mlp::new(&[2, 16, 16, 1], ...)` has
/// three layers, `"layer0"` to `"layer2"`.
#[derive(Clone, Debug)]
pub struct Mlp<T: Float = f64> {
    params: Params<T>,
    layers: Vec<Linear>,
    activation: Activation,
}

impl<T: Float> Mlp<T> {
    /// Builds the layers `sizes[0] → sizes[1] → …`, drawing the weights by `init` from a
    /// ChaCha8 generator seeded with `seed` (the same seed gives the same model on every
    /// platform).
    ///
    /// # Panics
    /// When `sizes` has fewer than two entries or contains 0.
    #[track_caller]
    pub fn new(sizes: &[usize], activation: Activation, init: Init, seed: u64) -> Self {
        if sizes.len() < 2 || sizes.contains(&0) {
            sizes_panic(sizes);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut params = Params::new();
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                Linear::new(
                    &mut params,
                    &format!("layer{i}"),
                    w[0],
                    w[1],
                    init,
                    &mut rng,
                )
            })
            .collect();
        Mlp {
            params,
            layers,
            activation,
        }
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[Linear] {
        &self.layers
    }

    /// The activation between layers.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The layer sizes, `[inputs, hidden…, outputs]`.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.layers[0].inputs];
        s.extend(self.layers.iter().map(|l| l.outputs));
        s
    }

    /// The parameters.
    pub fn params(&self) -> &Params<T> {
        &self.params
    }

    /// The parameters, mutable.
    pub fn params_mut(&mut self) -> &mut Params<T> {
        &mut self.params
    }

    /// The outputs `[n, outputs]` for inputs x of shape `[n, inputs]`, with `p` the leaves of
    /// this model's parameters.
    ///
    /// # Panics
    /// When x is not `[n, inputs]`.
    #[track_caller]
    pub fn forward<'g>(&self, p: &Bound<'g, T>, x: Var<'g, T>) -> Var<'g, T> {
        let last = self.layers.len() - 1;
        let mut h = x;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(p, h);
            if i < last {
                h = self.activation.apply(h);
            }
        }
        h
    }

    /// The outputs for `x` (`[n, inputs]`) on a tape of their own, with no gradient.
    ///
    /// # Panics
    /// When x is not `[n, inputs]`.
    #[track_caller]
    pub fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        let g = crate::Graph::<T>::inference();
        let p: Vec<_> = self
            .params
            .iter()
            .map(|(_, q)| g.constant(q.value.clone()))
            .collect();
        let bound = Bound::from_vars(p);
        self.forward(&bound, g.constant(x.clone())).value()
    }
}

impl<T: Float> Model<T> for Mlp<T> {
    fn params(&self) -> &Params<T> {
        &self.params
    }
    fn params_mut(&mut self) -> &mut Params<T> {
        &mut self.params
    }
}

#[cold]
#[track_caller]
fn sizes_panic(sizes: &[usize]) -> ! {
    panic!("Mlp::new: sizes {sizes:?} must list at least an input and an output size, none 0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Graph;
    use crate::ops::testing::{check, draw};

    #[test]
    fn mlp_names_shapes_and_seeded_init_are_reproducible() {
        let a = Mlp::<f64>::new(&[3, 5, 2], Activation::Relu, Init::HeUniform, 42);
        let b = Mlp::<f64>::new(&[3, 5, 2], Activation::Relu, Init::HeUniform, 42);
        let c = Mlp::<f64>::new(&[3, 5, 2], Activation::Relu, Init::HeUniform, 43);
        assert_eq!(a.params(), b.params());
        assert_ne!(a.params(), c.params());
        let shapes: Vec<_> = a
            .params()
            .iter()
            .map(|(n, p)| (n.to_string(), p.value.shape().to_vec()))
            .collect();
        assert_eq!(
            shapes,
            [
                ("layer0.weight".to_string(), vec![5, 3]),
                ("layer0.bias".to_string(), vec![5]),
                ("layer1.weight".to_string(), vec![2, 5]),
                ("layer1.bias".to_string(), vec![2]),
            ]
        );
        assert_eq!(a.sizes(), [3, 5, 2]);
    }

    #[test]
    fn init_bounds_are_the_published_ones() {
        // Xavier: √(6/(3+5)) = √0.75; He: √(6/3) = √2.
        assert_eq!(Init::XavierUniform.bound(3, 5), 0.75f64.sqrt());
        assert_eq!(Init::HeUniform.bound(3, 5), 2f64.sqrt());
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let w: Tensor<f64> = Init::HeUniform.weight(100, 100, &mut rng);
        let a = 0.06f64.sqrt();
        assert!(w.data().iter().all(|x| x.abs() < a));
        // The sample spans most of its range: max |w| above 0.9a.
        assert!(w.data().iter().any(|x| x.abs() > 0.9 * a));
    }

    #[test]
    fn linear_is_x_times_w_transposed_plus_b() {
        // W = [[1, 2], [3, 4], [5, 6]] ([out 3, in 2]), b = [0.5, 0, -0.5], x = [1, -1].
        let mut params = Params::new();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let layer = Linear::new(&mut params, "fc", 2, 3, Init::Uniform(1.0), &mut rng);
        params.get_mut("fc.weight").unwrap().value =
            Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]).unwrap();
        params.get_mut("fc.bias").unwrap().value =
            Tensor::from_vec(vec![0.5, 0.0, -0.5], &[3]).unwrap();
        let g = Graph::new();
        let p = params.bind(&g);
        let y = layer.forward(
            &p,
            g.constant(Tensor::from_vec(vec![1.0, -1.0], &[1, 2]).unwrap()),
        );
        y.sum().backward();
        assert_eq!(y.value().data(), &[-0.5, -1.0, -1.5]);
        // ∂Σy/∂W[o, i] = x[i]; ∂Σy/∂b = 1.
        assert_eq!(p[0].grad().data(), &[1.0, -1.0, 1.0, -1.0, 1.0, -1.0]);
        assert_eq!(p[1].grad().data(), &[1.0, 1.0, 1.0]);
    }

    #[test]
    fn mlp_grad_matches_finite_difference() {
        let model = Mlp::<f64>::new(&[3, 4, 2], Activation::Tanh, Init::XavierUniform, 1);
        let inputs: Vec<Tensor<f64>> = model
            .params()
            .iter()
            .map(|(_, p)| p.value.clone())
            .collect();
        let x = draw(&[5, 3], -1.0, 1.0, 3);
        // Every weight and bias is an input of the check: Bound::from_vars wraps the leaves.
        check(
            move |g, v| {
                let bound = Bound::from_vars(v.to_vec());
                model.forward(&bound, g.constant(x.clone())).powi(2).sum()
            },
            &inputs,
        );
    }

    #[test]
    fn predict_matches_forward_and_records_nothing_on_the_callers_tape() {
        let model = Mlp::<f32>::new(&[2, 3, 1], Activation::Sigmoid, Init::XavierUniform, 5);
        let x = Tensor::from_vec(vec![0.5f32, -0.5, 1.0, 2.0], &[2, 2]).unwrap();
        let g = Graph::<f32>::default();
        let p = model.params().bind(&g);
        let y = model.forward(&p, g.constant(x.clone())).value();
        assert_eq!(model.predict(&x), y);
        assert_eq!(y.shape(), &[2, 1]);
    }

    #[test]
    #[should_panic(expected = "Mlp::new: sizes [3] must list at least an input and an output size")]
    fn mlp_with_one_size_panics() {
        let _ = Mlp::<f64>::new(&[3], Activation::Relu, Init::HeUniform, 0);
    }
}
