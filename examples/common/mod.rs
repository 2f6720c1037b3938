//! Code the examples, tests and benches share: the tutorial's network, the perceptron, the
//! scalar-node form of an MLP, and the training runs the examples print and the tests check.
//! None of it is library API; each user includes it with
//! `#[path = "…/examples/common/mod.rs"] mod common;` (or one file, when it stands alone:
//! `tutorial.rs`, `perceptron.rs` and `scalar.rs` need only tapegrad).

pub mod demo;
pub mod perceptron;
pub mod scalar;
pub mod tutorial;
