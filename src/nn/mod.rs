//! Neural-network building blocks, composed from the primitives with no derivative code of
//! their own: the tape derives every gradient.
//!
//! - Activations are methods on [`Var`](crate::Var): `sign` and `tanh` (primitives),
//!   [`sigmoid`](crate::Var::sigmoid), [`relu`](crate::Var::relu),
//!   [`leaky_relu`](crate::Var::leaky_relu), [`softsign`](crate::Var::softsign),
//!   [`softplus`](crate::Var::softplus), [`elu`](crate::Var::elu), and the mask
//!   [`step`](crate::Var::step). `sign`'s gradient is 0 everywhere (it is piecewise
//!   constant), which is why the perceptron cannot be trained by backpropagation.
//! - [`softmax`](crate::Var::softmax) and [`log_softmax`](crate::Var::log_softmax) along an
//!   axis, with the row maximum subtracted; `hardmax` (a primitive) is their zero-temperature
//!   limit, with gradient 0.
//! - More activations (issue 18): [`gelu`](crate::Var::gelu) and
//!   [`gelu_tanh`](crate::Var::gelu_tanh), [`silu`](crate::Var::silu),
//!   [`log_sigmoid`](crate::Var::log_sigmoid), [`softmin`](crate::Var::softmin).
//! - Losses: [`half_sse`], [`mse`], [`cross_entropy`], [`binary_cross_entropy_with_logits`],
//!   [`hinge`].
//! - Parameters, layers and training: [`Params`] (named values and gradients outside the
//!   tape, saved and loaded as safetensors), [`Linear`], [`Mlp`] with [`Init`] and
//!   [`Activation`]. The optimizers are in [`optim`](crate::optim) and the training loop in
//!   [`train`](crate::train), both above this module.
//!
//! ## One training step
//!
//! Parameters live outside the tape, in [`Params`]; each step records them as leaves on a
//! tape that is cleared and reused:
//!
//! ```
//! use tapegrad::{Graph, Tensor, nn::{self, Activation, Init, Mlp}, optim::{Adam, Optimizer}};
//! let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Relu, Init::HeUniform, 42);
//! let mut opt = Adam::new(0.01);
//! let x = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0, 0.5, 0.5], &[3, 2]).unwrap();
//! let t = Tensor::from_vec(vec![1.0, -1.0, 0.0], &[3, 1]).unwrap();
//! let mut g = Graph::new();
//! for _ in 0..100 {
//!     g.clear();                                     // reuse the tape's memory
//!     let p = model.params().bind(&g);               // parameters → leaves
//!     let y = model.forward(&p, g.constant(x.clone()));  // data as constants: no gradient
//!     let loss = nn::mse(y, g.constant(t.clone()));
//!     loss.backward();
//!     model.params_mut().read_grads(&p);             // leaves' gradients → params
//!     opt.step(model.params_mut());                  // update in place
//! }
//! let w = &model.params()["layer0.weight"];          // value and gradient, by name
//! assert_eq!((w.value.shape(), w.grad.shape()), (&[16, 2][..], &[16, 2][..]));
//! ```
//!
//! [`train::fit`](crate::train::fit) runs this loop over shuffled minibatches until a target
//! loss or an epoch limit.

mod activation;
mod activation_more;
mod conv;
mod init;
mod layers;
mod loss;
mod norm;
mod params;
#[cfg(feature = "safetensors")]
mod save;
mod softmax;

pub use conv::{Conv1d, Conv2d, ConvConfig};
pub use layers::{Activation, Generator, Init, Linear, Mlp, Model};
pub use loss::{binary_cross_entropy_with_logits, cross_entropy, half_sse, hinge, mse};
pub use norm::{Dropout, LayerNorm};
pub use params::{Bound, Param, Params};
