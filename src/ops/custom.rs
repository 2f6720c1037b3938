//! A user-defined op ([`CustomOp`](crate::CustomOp)): the tape records its position in the
//! tape's table of custom ops; its value is computed by [`Graph::custom`](crate::Graph::custom)
//! and its rules are the user's, run through [`Rule`](crate::Rule).

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::ops::Primitive;
use crate::tensor::Tensor;

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Custom {
    /// A position in the tape's table of custom ops.
    pub(crate) index: u32,
}

impl<T: Float> Primitive<T> for Custom {
    const NAME: &'static str = "custom";

    /// Never on the scalar path: the op's forward is the user's, on tensors.
    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    fn forward(self, _: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        unreachable!("a custom op's value is computed by Graph::custom, and no rule applies one")
    }

    fn backward(self, c: &mut impl Chain<T>) {
        let op = c.custom_op(self.index);
        crate::custom::run_backward(&*op, c);
    }

    fn tangent(self, c: &mut impl Tangent<T>) {
        let op = c.custom_op(self.index);
        crate::custom::run_tangent(&*op, c);
    }
}
