//! Helpers shared by the integration tests.

pub mod fuzz_graph;
pub mod program;
