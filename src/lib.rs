//! # tapegrad
//!
//! Reverse-mode automatic differentiation on a tape, for scalars and tensors.
//!
//! A [`Graph`] records every operation as it happens. [`Var::backward`] then fills in the
//! gradient of **every** node, so leaves, intermediates and the output itself can each be
//! inspected with [`Var::grad`]. [`Graph::grad`] returns gradients as new nodes, so they can be
//! differentiated again.
//!
//! The tutorial's 2-2-2 network, one neuron written out:
//!
//! ```
//! use tapegrad::Graph;
//!
//! let g = Graph::new();
//! let (i1, i2) = (g.scalar(0.05), g.scalar(0.10));
//! let (w1, w2, w3, w4) = (g.scalar(0.15), g.scalar(0.20), g.scalar(0.25), g.scalar(0.30));
//! let (w5, w6, w7, w8) = (g.scalar(0.40), g.scalar(0.45), g.scalar(0.50), g.scalar(0.55));
//! let (b1, b2) = (g.scalar(0.35), g.scalar(0.60));
//!
//! let out_h1 = (w1 * i1 + w2 * i2 + b1).sigmoid();
//! let out_h2 = (w3 * i1 + w4 * i2 + b1).sigmoid();
//! let net_o1 = w5 * out_h1 + w6 * out_h2 + b2;
//! let out_o1 = net_o1.sigmoid();
//! let out_o2 = (w7 * out_h1 + w8 * out_h2 + b2).sigmoid();
//! let e_total = 0.5 * (0.01 - out_o1).powi(2) + 0.5 * (0.99 - out_o2).powi(2);
//! e_total.backward();
//!
//! assert!((e_total.item() - 0.29837110876000269).abs() < 1e-15);
//! assert!((w5.grad().item() - 0.082167040564230779).abs() < 1e-15);
//! // Every node has its gradient, not only the leaves: ∂E/∂net_o1.
//! assert!((net_o1.grad().item() - 0.13849856162855697).abs() < 1e-15);
//! ```
//!
//! ## The pieces
//!
//! - [`Tensor`]: a shape and row-major data. A scalar is stored inline, so scalar graphs do
//!   not allocate per node.
//! - [`Graph`] and [`Var`]: the tape and a `Copy` handle to one of its nodes. Operators
//!   `+ - * /` broadcast as NumPy does.
//! - A small set of primitives, each with its forward kernel and one backward rule: the
//!   table with every derivative is [`primitives`]. The rule serves both `backward()` and the
//!   recorded `Graph::grad`.
//! - Composites (`sigmoid` and the rest) are plain functions of primitives and carry no
//!   derivative code.
//! - [`gradcheck`]: the finite-difference checker every op is tested with.
//! - [`directional_derivative`] (∇f·u/|u| from one backward pass) and [`GradientDescent`]
//!   (stops on a target loss, a gradient tolerance or a step limit, and says which): the
//!   calculus the tutorial teaches, run by `examples/calculus.rs`. [`objective`] lets a
//!   closure kept in a `let` be passed to both. docs/expressions.md is the guide to
//!   expressions and gradients outside machine learning.
//! - Seeing why: [`trace`] writes ∂y/∂x out as a sum over paths of products of local
//!   derivatives (`e_total.chain_rule(w5)`), [`dot`] exports a tape as Graphviz, and [`plot`]
//!   draws line charts, scatter plots and filled grids as PNG or SVG.
//!
//! ## Features
//!
//! Both are on by default. With `default-features = false` the crate is the engine, `nn`,
//! `optim`, `train` and `data`, on `smallvec`, `indexmap`, `ndarray` and `rand` alone.
//!
//! - `plot`: the [`plot`] module (`plotters`, and the DejaVu Sans font bundled in `assets/`).
//! - `safetensors`: `Params::save`, `load`, `to_safetensors` and `load_safetensors`.
//!
//! ## Errors
//!
//! Misuse of the API panics at the caller's line with a message that names the op and the
//! shapes (`matmul: [2, 3] and [4, 5] cannot be multiplied ...`). Bad data from outside
//! (building a tensor, reading a file) is a `Result` with an [`Error`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Module docs of private modules never render: their examples belong on public items.
#![warn(rustdoc::private_doc_tests)]

mod backward;
mod calculus;
mod convenience;
mod custom;
mod descent;
mod error;
mod float;
mod graph;
pub mod nn;
mod operators;
mod ops;
mod pool;
mod rows;
mod shape;
mod tape;
mod tape_cache;
mod tensor;
mod tensor_display;
mod transforms;

pub mod data;
pub mod dot;
pub mod gradcheck;
pub mod optim;
#[cfg(feature = "plot")]
pub mod plot;
pub mod trace;
pub mod train;

pub use calculus::{directional_derivative, objective};
pub use custom::{CustomOp, Handle, Rule};
pub use descent::{Descent, GradientDescent, Point, Stop};
pub use error::Error;
pub use float::Float;
pub use graph::{Graph, Var};
pub use tensor::Tensor;
pub use transforms::{hessian, hvp, jacobian, jvp, value_and_grad};

#[doc = include_str!("../docs/primitives.md")]
pub mod primitives {}

/// The guide docs/expressions.md, whose every snippet runs as a doctest so it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../docs/expressions.md")]
pub struct ExpressionsGuide;

/// The README's code blocks, compiled and run as doctests so that the README cannot drift from
/// the API. Only under `cfg(doctest)`: the crate docs above carry their own example, and the
/// README's relative links to `docs/` would not resolve on the docs page.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The guides' code blocks, run as doctests for the same reason.
#[cfg(doctest)]
#[doc = include_str!("../docs/calculus.md")]
#[doc = include_str!("../docs/chain-rule.md")]
#[doc = include_str!("../docs/neural-networks.md")]
pub struct GuideDoctests;
