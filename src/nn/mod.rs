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
//! - Losses: [`half_sse`], [`mse`], [`cross_entropy`], [`binary_cross_entropy_with_logits`],
//!   [`hinge`].

mod activation;
mod layers;
mod loss;
mod params;
mod perceptron;
mod save;
mod softmax;
mod train;

pub use layers::{Activation, Init, Linear, Mlp, Model};
pub use loss::{binary_cross_entropy_with_logits, cross_entropy, half_sse, hinge, mse};
pub use params::{Bound, Param, Params};
pub use perceptron::{Perceptron, PerceptronReport};
pub use train::{Report, StepLog, Stop, Train, fit, rows};
