//! Layers and models: [`Linear`], [`Mlp`], their initialisation ([`Init`]) and the
//! activation between layers ([`Activation`]). Composites only: a layer is a few `Var`
//! operations on its parameters' leaves.

pub use super::init::{Generator, Init};
use super::params::{Bound, Params};
use crate::float::Float;
use crate::graph::Var;
use crate::tensor::Tensor;

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
/// The layer holds its name and the positions of its two parameters in a [`Params`], not the
/// values.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear {
    /// Input features.
    pub inputs: usize,
    /// Output features.
    pub outputs: usize,
    name: String,
    weight: usize,
    bias: usize,
}

impl Linear {
    /// Adds `"{name}.weight"` (`[outputs, inputs]`) and `"{name}.bias"` (`[outputs]`) to
    /// `params`, drawn by `init` from `rng` (the bias is zeros unless `init` draws biases,
    /// see [`Init::bias`]).
    ///
    /// ```
    /// use tapegrad::nn::{Generator, Init, Linear, Params};
    /// let mut params = Params::<f32>::new();
    /// let fc = Linear::new(&mut params, "fc", 2, 3, Init::PyTorch, &mut Generator::new(1));
    /// assert_eq!(fc.name(), "fc");
    /// assert_eq!(params["fc.weight"].value.shape(), &[3, 2]);
    /// assert_eq!(params["fc.bias"].value.shape(), &[3]);
    /// ```
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
        rng: &mut Generator,
    ) -> Self {
        let weight = params.add(format!("{name}.weight"), init.weight(inputs, outputs, rng));
        let bias = params.add(format!("{name}.bias"), init.bias(inputs, outputs, rng));
        Linear {
            inputs,
            outputs,
            name: name.to_string(),
            weight,
            bias,
        }
    }

    /// The name its parameters are stored under (`"layer0"` in an [`Mlp`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The positions of the weight and the bias in their [`Params`].
    pub fn param_indices(&self) -> (usize, usize) {
        (self.weight, self.bias)
    }

    /// x·Wᵀ + b for x of shape `[n, inputs]`.
    ///
    /// # Panics
    /// When x is not `[n, inputs]`, naming the layer:
    /// `fc: Linear(4 -> 3): input [5, 2] has 2 features, expected 4`.
    #[track_caller]
    pub fn forward<'g, T: Float>(&self, p: &Bound<'g, T>, x: Var<'g, T>) -> Var<'g, T> {
        let shape = crate::ops::shape_of(x);
        if !matches!(*shape, [_, k] if k == self.inputs) {
            width_panic(&self.to_string(), &shape, self.inputs);
        }
        x.matmul_t(p[self.weight]) + p[self.bias]
    }
}

impl std::fmt::Display for Linear {
    /// `fc: Linear(4 -> 3)`, the form the layer's panics name it by.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: Linear({} -> {})",
            self.name, self.inputs, self.outputs
        )
    }
}

#[cold]
#[track_caller]
fn width_panic(layer: &str, shape: &[usize], inputs: usize) -> ! {
    match *shape {
        [_, k] => panic!("{layer}: input {shape:?} has {k} features, expected {inputs}"),
        _ => panic!("{layer}: input {shape:?} is not 2-D [n, {inputs}]"),
    }
}

/// A model: it owns its parameters ([`fit`](crate::train::fit) trains them) and computes its
/// outputs from their leaves. Implement [`forward`](Model::forward) and the two accessors, and
/// [`predict`](Model::predict) (inference on a tape of its own) comes with it, as for [`Mlp`].
///
/// A residual MLP, y = W₂·relu(W₁·x + b₁) + b₂ + x, written by a user:
///
/// ```
/// use tapegrad::{Graph, Tensor, Var};
/// use tapegrad::nn::{Bound, Generator, Init, Linear, Model, Params};
///
/// struct Residual {
///     params: Params,
///     fc1: Linear,
///     fc2: Linear,
/// }
///
/// impl Residual {
///     fn new(width: usize, hidden: usize, seed: u64) -> Self {
///         let mut params = Params::new();
///         let mut rng = Generator::new(seed);
///         let fc1 = Linear::new(&mut params, "fc1", width, hidden, Init::HeUniform, &mut rng);
///         let fc2 = Linear::new(&mut params, "fc2", hidden, width, Init::PyTorch, &mut rng);
///         Residual { params, fc1, fc2 }
///     }
/// }
///
/// impl Model<f64> for Residual {
///     fn params(&self) -> &Params { &self.params }
///     fn params_mut(&mut self) -> &mut Params { &mut self.params }
///     fn forward<'g>(&self, p: &Bound<'g>, x: Var<'g>) -> Var<'g> {
///         self.fc2.forward(p, self.fc1.forward(p, x).relu()) + x
///     }
/// }
///
/// let model = Residual::new(2, 8, 0);
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]).unwrap();
/// // predict: the same forward on an inference tape, no gradient kept.
/// let y = model.predict(&x);
/// assert_eq!(y.shape(), &[3, 2]);
/// // It matches the training path's forward on a recording tape.
/// let g = Graph::new();
/// let p = model.params().bind(&g);
/// assert_eq!(model.forward(&p, g.constant(x.clone())).value(), y);
/// ```
pub trait Model<T: Float> {
    /// The parameters.
    fn params(&self) -> &Params<T>;
    /// The parameters, mutable.
    fn params_mut(&mut self) -> &mut Params<T>;
    /// The outputs for inputs `x`, with `p` the leaves of [`params`](Model::params) (from
    /// [`Params::bind`] on a training tape, or as [`predict`](Model::predict) makes them).
    fn forward<'g>(&self, p: &Bound<'g, T>, x: Var<'g, T>) -> Var<'g, T>;

    /// The outputs for `x` on a tape of their own ([`Graph::inference`](crate::Graph::inference)),
    /// with the parameters as constants: no gradient is recorded or kept.
    ///
    /// # Panics
    /// As [`forward`](Model::forward) does for a wrongly shaped `x`.
    #[track_caller]
    fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        let g = crate::Graph::<T>::inference();
        let p: Vec<_> = self
            .params()
            .iter()
            .map(|(_, q)| g.constant(q.value.clone()))
            .collect();
        let bound = Bound::from_vars(p);
        self.forward(&bound, g.constant(x.clone())).value()
    }
}

/// A multilayer perceptron: [`Linear`] layers of the given sizes with one [`Activation`]
/// between consecutive layers and none after the last. `Mlp::new(&[2, 16, 16, 1], ...)` has
/// three layers, `"layer0"` to `"layer2"`.
///
/// A model owns its [`Params`]; its `forward` reads their leaves from a [`Bound`]. One
/// training step, by hand:
///
/// ```
/// use tapegrad::{Graph, Tensor, nn, optim::{Optimizer, Sgd}};
/// use tapegrad::nn::{Activation, Init, Mlp};
///
/// let mut model = Mlp::new(&[2, 4, 1], Activation::Tanh, Init::XavierUniform, 7);
/// let mut opt = Sgd::new(0.1);
/// let x = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2]).unwrap();
/// let t = Tensor::from_vec(vec![1.0, 1.0], &[2, 1]).unwrap();
/// let mut g = Graph::new();
/// let mut losses = vec![];
/// for _ in 0..20 {
///     g.clear();
///     let p = model.params().bind(&g);
///     let y = model.forward(&p, g.constant(x.clone()));
///     let loss = nn::mse(y, g.constant(t.clone()));
///     loss.backward();
///     losses.push(loss.item());
///     model.params_mut().read_grads(&p);
///     opt.step(model.params_mut());
/// }
/// assert!(losses[19] < losses[0] / 10.0);
/// assert_eq!(model.params().names().collect::<Vec<_>>(),
///            ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"]);
/// ```
#[derive(Clone, Debug)]
pub struct Mlp<T: Float = f64> {
    params: Params<T>,
    layers: Vec<Linear>,
    activation: Activation,
}

impl<T: Float> Mlp<T> {
    /// Builds the layers `sizes[0] → sizes[1] → …`, drawing the parameters by `init` from a
    /// [`Generator`] seeded with `seed` (the same seed gives the same model on every
    /// platform), layer by layer, each weight before its bias.
    ///
    /// # Panics
    /// When `sizes` has fewer than two entries or contains 0.
    #[track_caller]
    pub fn new(sizes: &[usize], activation: Activation, init: Init, seed: u64) -> Self {
        if sizes.len() < 2 || sizes.contains(&0) {
            sizes_panic(sizes);
        }
        let mut rng = Generator::new(seed);
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
    /// When x is not `[n, inputs]`, naming the model and its first layer:
    /// `Mlp [4, 8, 1]: layer0: Linear(4 -> 8): input [5, 2] has 2 features, expected 4`.
    #[track_caller]
    pub fn forward<'g>(&self, p: &Bound<'g, T>, x: Var<'g, T>) -> Var<'g, T> {
        let shape = crate::ops::shape_of(x);
        let first = &self.layers[0];
        if !matches!(*shape, [_, k] if k == first.inputs) {
            width_panic(
                &format!("Mlp {:?}: {first}", self.sizes()),
                &shape,
                first.inputs,
            );
        }
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

    /// The outputs for `x` (`[n, inputs]`) on a tape of their own, with no gradient:
    /// [`Model::predict`].
    ///
    /// # Panics
    /// When x is not `[n, inputs]`.
    #[track_caller]
    pub fn predict(&self, x: &Tensor<T>) -> Tensor<T> {
        Model::predict(self, x)
    }
}

impl<T: Float> Model<T> for Mlp<T> {
    fn params(&self) -> &Params<T> {
        &self.params
    }
    fn params_mut(&mut self) -> &mut Params<T> {
        &mut self.params
    }
    #[track_caller]
    fn forward<'g>(&self, p: &Bound<'g, T>, x: Var<'g, T>) -> Var<'g, T> {
        Mlp::forward(self, p, x)
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
        let mut rng = Generator::new(0);
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
        let mut rng = Generator::new(0);
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
    fn pytorch_init_draws_weight_and_bias_within_one_over_root_fan_in() {
        // fan_in = 64: a = 1/√64 = 0.125 for both. 64·32 weights and 32 biases.
        let mut params = Params::<f64>::new();
        let _ = Linear::new(
            &mut params,
            "fc",
            64,
            32,
            Init::PyTorch,
            &mut Generator::new(3),
        );
        for name in ["fc.weight", "fc.bias"] {
            let v = params[name].value.data();
            assert!(v.iter().all(|x| x.abs() < 0.125), "{name} outside ±0.125");
            // Not zeros: the draws span most of the range (max |x| above 0.9a).
            assert!(v.iter().any(|x| x.abs() > 0.9 * 0.125), "{name} {v:?}");
        }
    }

    #[test]
    fn zero_bias_inits_leave_the_stream_for_the_next_layer() {
        // Xavier draws no bias, so layer1's weight is the next 2·5 draws after layer0's 5·3:
        // the same numbers as drawing the two weights back to back.
        let m = Mlp::<f64>::new(&[3, 5, 2], Activation::Tanh, Init::XavierUniform, 9);
        let mut rng = Generator::new(9);
        let w0: Tensor<f64> = Init::XavierUniform.weight(3, 5, &mut rng);
        let w1: Tensor<f64> = Init::XavierUniform.weight(5, 2, &mut rng);
        assert_eq!(m.params()["layer0.weight"].value, w0);
        assert_eq!(m.params()["layer1.weight"].value, w1);
        assert_eq!(m.params()["layer0.bias"].value.data(), &[0.0; 5]);
    }

    #[test]
    #[should_panic(expected = "fc: Linear(4 -> 3): input [5, 2] has 2 features, expected 4")]
    fn linear_with_the_wrong_width_names_the_layer() {
        let mut params = Params::<f64>::new();
        let fc = Linear::new(
            &mut params,
            "fc",
            4,
            3,
            Init::PyTorch,
            &mut Generator::new(0),
        );
        let g = Graph::new();
        let p = params.bind(&g);
        let _ = fc.forward(&p, g.constant(Tensor::zeros(&[5, 2])));
    }

    #[test]
    #[should_panic(expected = "fc: Linear(4 -> 3): input [4] is not 2-D [n, 4]")]
    fn linear_with_a_vector_input_names_the_layer() {
        let mut params = Params::<f64>::new();
        let fc = Linear::new(
            &mut params,
            "fc",
            4,
            3,
            Init::PyTorch,
            &mut Generator::new(0),
        );
        let g = Graph::new();
        let p = params.bind(&g);
        let _ = fc.forward(&p, g.constant(Tensor::zeros(&[4])));
    }

    #[test]
    #[should_panic(
        expected = "Mlp [4, 8, 1]: layer0: Linear(4 -> 8): input [5, 2] has 2 features, expected 4"
    )]
    fn mlp_with_the_wrong_width_names_the_model_and_layer() {
        let m = Mlp::<f64>::new(&[4, 8, 1], Activation::Relu, Init::HeUniform, 0);
        let _ = m.predict(&Tensor::zeros(&[5, 2]));
    }

    #[test]
    #[should_panic(expected = "Mlp::new: sizes [3] must list at least an input and an output size")]
    fn mlp_with_one_size_panics() {
        let _ = Mlp::<f64>::new(&[3], Activation::Relu, Init::HeUniform, 0);
    }
}
