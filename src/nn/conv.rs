//! Convolution layers, [`Conv1d`] and [`Conv2d`], with PyTorch's layouts, parameter names
//! and default initialisation. Composites only: a layer is a `conv1d`/`conv2d` of its
//! input with its weight leaf, plus its bias broadcast over the positions.

use super::layers::{Generator, Init};
use super::params::{Bound, Params};
use crate::float::Float;
use crate::graph::Var;
use crate::tensor::Tensor;

/// A convolution's parameters besides its kernel, as in candle's `Conv2dConfig` (PyTorch's
/// keyword arguments): zero padding on each side, stride, dilation and groups. The default is
/// PyTorch's: padding 0, stride 1, dilation 1, groups 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvConfig {
    /// Zeros added on each side of every spatial axis.
    pub padding: usize,
    /// The step between windows.
    pub stride: usize,
    /// The step between kernel taps.
    pub dilation: usize,
    /// Channel groups: each output channel sees `in_channels / groups` input channels.
    pub groups: usize,
}

impl Default for ConvConfig {
    fn default() -> Self {
        ConvConfig {
            padding: 0,
            stride: 1,
            dilation: 1,
            groups: 1,
        }
    }
}

/// A 2-D convolution layer y = conv2d(x, W) + b for x `[N, C_in, H, W]`, with W
/// `[C_out, C_in/groups, k, k]` and b `[C_out]` named `"{name}.weight"` and `"{name}.bias"`
/// (PyTorch's `state_dict`, so a saved model loads into `torch.nn.Conv2d`). Both start
/// uniform in ±1/√fan_in, fan_in = C_in/groups · k², PyTorch's default (Kaiming-uniform
/// with a = √5).
///
/// ```
/// use tapegrad::{Graph, Tensor, nn::{Conv2d, ConvConfig, Generator, Params}};
/// let mut params = Params::<f64>::new();
/// let mut rng = Generator::new(0);
/// let pad1 = ConvConfig { padding: 1, ..ConvConfig::default() };
/// let conv = Conv2d::new(&mut params, "conv", 3, 8, 3, pad1, &mut rng);
/// assert_eq!(params["conv.weight"].value.shape(), &[8, 3, 3, 3]);
/// // fan_in = 3·3·3 = 27: every weight within 1/√27.
/// assert!(params["conv.weight"].value.data().iter().all(|w| w.abs() <= 27f64.sqrt().recip()));
/// let g = Graph::new();
/// let p = params.bind(&g);
/// let y = conv.forward(&p, g.constant(Tensor::zeros(&[2, 3, 5, 5])));
/// assert_eq!(y.shape(), [2, 8, 5, 5]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// The kernel's height and width.
    pub kernel: usize,
    /// Padding, stride, dilation and groups.
    pub config: ConvConfig,
    weight: usize,
    bias: usize,
}

/// A 1-D convolution layer y = conv1d(x, W) + b for x `[N, C_in, L]`, with W
/// `[C_out, C_in/groups, k]` and b `[C_out]`, named and initialised as [`Conv2d`]
/// (fan_in = C_in/groups · k).
///
/// ```
/// use tapegrad::{Graph, Tensor, nn::{Conv1d, ConvConfig, Generator, Params}};
/// let mut params = Params::<f64>::new();
/// let mut rng = Generator::new(0);
/// let conv = Conv1d::new(&mut params, "c", 4, 6, 3, ConvConfig { groups: 2, ..ConvConfig::default() }, &mut rng);
/// assert_eq!(params["c.weight"].value.shape(), &[6, 2, 3]);
/// let g = Graph::new();
/// let y = conv.forward(&params.bind(&g), g.constant(Tensor::zeros(&[1, 4, 10])));
/// assert_eq!(y.shape(), [1, 6, 8]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv1d {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// The kernel's length.
    pub kernel: usize,
    /// Padding, stride, dilation and groups.
    pub config: ConvConfig,
    weight: usize,
    bias: usize,
}

/// Adds the weight (of `shape`) and bias of a convolution layer to `params`, both uniform in
/// ±1/√fan_in; returns their positions.
#[track_caller]
fn add_params<T: Float>(
    layer: &str,
    params: &mut Params<T>,
    name: &str,
    inputs: usize,
    shape: &[usize],
    config: ConvConfig,
    rng: &mut Generator,
) -> (usize, usize) {
    let (outputs, groups) = (shape[0], config.groups);
    if groups == 0
        || inputs == 0
        || inputs % groups != 0
        || outputs % groups != 0
        || shape[2..].contains(&0)
    {
        layer_panic(format!(
            "{layer}: {inputs} input and {outputs} output channels with groups = {} and \
             kernel {:?} make no layer (groups must divide both, kernel at least 1)",
            config.groups,
            &shape[2..]
        ));
    }
    // PyTorch's default: weight and bias U(±1/√fan_in), the weight drawn first, row-major.
    let fan_in: usize = shape[1..].iter().product();
    let w: Tensor<T> = Init::PyTorch.weight(fan_in, outputs, rng);
    let w = Tensor::from_vec(w.into_vec(), shape).expect("same length");
    let b = Init::PyTorch.bias(fan_in, outputs, rng);
    (
        params.add(format!("{name}.weight"), w),
        params.add(format!("{name}.bias"), b),
    )
}

#[cold]
#[track_caller]
fn layer_panic(msg: String) -> ! {
    panic!("{msg}")
}

impl Conv2d {
    /// Adds `"{name}.weight"` (`[out, in/groups, kernel, kernel]`) and `"{name}.bias"`
    /// (`[out]`), drawn from `rng`, to `params`.
    ///
    /// # Panics
    /// When `groups` is 0 or does not divide both channel counts, `in_channels` or `kernel`
    /// is 0, or `params` already holds one of the names.
    #[track_caller]
    pub fn new<T: Float>(
        params: &mut Params<T>,
        name: &str,
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        config: ConvConfig,
        rng: &mut Generator,
    ) -> Self {
        let cg = if config.groups > 0 && in_channels % config.groups == 0 {
            in_channels / config.groups
        } else {
            0 // refused by add_params
        };
        let shape = [out_channels, cg, kernel, kernel];
        let (weight, bias) =
            add_params("nn::Conv2d", params, name, in_channels, &shape, config, rng);
        Conv2d {
            in_channels,
            out_channels,
            kernel,
            config,
            weight,
            bias,
        }
    }

    /// conv2d(x, W) + b for x `[N, in_channels, H, W]`: `[N, out_channels, H', W']`.
    ///
    /// # Panics
    /// As [`Var::conv2d`] when x does not fit the layer.
    #[track_caller]
    pub fn forward<'g, T: Float>(&self, p: &Bound<'g, T>, x: Var<'g, T>) -> Var<'g, T> {
        let c = self.config;
        let y = x.conv2d(p[self.weight], c.padding, c.stride, c.dilation, c.groups);
        y + p[self.bias].reshape(&[1, self.out_channels, 1, 1])
    }

    /// The positions of the weight and the bias in their [`Params`].
    pub fn param_indices(&self) -> (usize, usize) {
        (self.weight, self.bias)
    }
}

impl Conv1d {
    /// Adds `"{name}.weight"` (`[out, in/groups, kernel]`) and `"{name}.bias"` (`[out]`),
    /// drawn from `rng`, to `params`.
    ///
    /// # Panics
    /// As [`Conv2d::new`].
    #[track_caller]
    pub fn new<T: Float>(
        params: &mut Params<T>,
        name: &str,
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        config: ConvConfig,
        rng: &mut Generator,
    ) -> Self {
        let cg = if config.groups > 0 && in_channels % config.groups == 0 {
            in_channels / config.groups
        } else {
            0
        };
        let shape = [out_channels, cg, kernel];
        let (weight, bias) =
            add_params("nn::Conv1d", params, name, in_channels, &shape, config, rng);
        Conv1d {
            in_channels,
            out_channels,
            kernel,
            config,
            weight,
            bias,
        }
    }

    /// conv1d(x, W) + b for x `[N, in_channels, L]`: `[N, out_channels, L']`.
    ///
    /// # Panics
    /// As [`Var::conv1d`] when x does not fit the layer.
    #[track_caller]
    pub fn forward<'g, T: Float>(&self, p: &Bound<'g, T>, x: Var<'g, T>) -> Var<'g, T> {
        let c = self.config;
        let y = x.conv1d(p[self.weight], c.padding, c.stride, c.dilation, c.groups);
        y + p[self.bias].reshape(&[1, self.out_channels, 1])
    }

    /// The positions of the weight and the bias in their [`Params`].
    pub fn param_indices(&self) -> (usize, usize) {
        (self.weight, self.bias)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Graph;
    use crate::nn::Generator;

    #[test]
    fn init_bounds_are_one_over_root_fan_in_for_weight_and_bias() {
        // fan_in = (4 / 2) · 3 · 3 = 18; PyTorch's bound 1/√18 ≈ 0.2357. Many draws reach
        // near the bound and none past it.
        let mut params = Params::<f64>::new();
        let mut rng = Generator::new(3);
        let cfg = ConvConfig {
            groups: 2,
            ..ConvConfig::default()
        };
        Conv2d::new(&mut params, "c", 4, 64, 3, cfg, &mut rng);
        let a = 1.0 / 18f64.sqrt();
        for name in ["c.weight", "c.bias"] {
            let d = params[name].value.data();
            let top = d.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            assert!(top <= a && top > 0.9 * a, "{name}: max |x| {top} vs {a}");
        }
        assert_eq!(params["c.weight"].value.shape(), &[64, 2, 3, 3]);
    }

    #[test]
    fn conv2d_layer_adds_the_bias_per_channel() {
        let mut params = Params::<f64>::new();
        let mut rng = Generator::new(1);
        let conv = Conv2d::new(&mut params, "c", 1, 2, 1, ConvConfig::default(), &mut rng);
        let (w, b) = (
            params["c.weight"].value.clone(),
            params["c.bias"].value.clone(),
        );
        let g = Graph::new();
        let y = conv.forward(&params.bind(&g), g.constant(Tensor::ones(&[1, 1, 2, 2])));
        // A 1×1 kernel on ones: channel o is w[o] + b[o] at every position.
        for (o, chunk) in y.value().data().chunks(4).enumerate() {
            assert!(chunk.iter().all(|&v| v == w.data()[o] + b.data()[o]));
        }
    }

    #[test]
    #[should_panic(expected = "nn::Conv2d: 3 input and 4 output channels with groups = 2")]
    fn conv2d_layer_with_indivisible_groups_panics() {
        let mut params = Params::<f64>::new();
        let mut rng = Generator::new(1);
        let cfg = ConvConfig {
            groups: 2,
            ..ConvConfig::default()
        };
        Conv2d::new(&mut params, "c", 3, 4, 3, cfg, &mut rng);
    }
}
