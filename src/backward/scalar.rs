//! The scalar interpreter: a backward rule run on plain numbers, for nodes whose value and
//! inputs are rank 0. It drives the scalar pass of [`Var::backward`](crate::Var::backward) on
//! a tape holding no arrays, and the general pass's scalar nodes.

use super::{Chain, Rules};
use crate::float::Float;
use crate::ops::{self, Op};
use crate::shape::Shape;
use crate::tape::{NONE, Node, NodeId, Tape};
use crate::tensor::Tensor;

/// The first-order interpreter for a node whose value and inputs are all rank 0: the scalar
/// fast path of [`Var::backward`](crate::Var::backward). It runs the same rules as [`EagerInterpreter`],
/// but a handle is the number itself: no tensors, no shapes, no scratch arena, so once the
/// rule is inlined its intermediate values live in registers.
pub(crate) struct ScalarInterpreter<'t, T: Float, S: Slot<T>> {
    inputs: [NodeId; 2],
    nodes: &'t [Node<T>],
    /// The scalar pass: input values are read from `nodes` only when the rule asks for them
    /// (add, sub, scale, shift and tanh never do), and constants' slots are written too (a
    /// flag check per send costs more than the flops it saves; `Tape::grad_of` hides them).
    /// Otherwise `x` and `y` hold the input values and constants get nothing.
    all_scalars: bool,
    grads: &'t mut [S],
    /// The input values, the output value and the upstream gradient.
    x: T,
    y: T,
    out: T,
    up: T,
}

/// A gradient slot the scalar interpreter adds into: a tensor slot of the general pass
/// (`None` reads as zero), or a plain number of the scalar pass over an all-scalar tape.
pub(crate) trait Slot<T: Float> {
    /// slot += g (the first gradient is stored as it is, so −0.0 keeps its sign).
    fn add(&mut self, g: T);
}

impl<T: Float> Slot<T> for Option<Tensor<T>> {
    #[inline(always)]
    fn add(&mut self, g: T) {
        match self {
            Some(acc) => acc.add_to_first(g),
            // The slot holds `None`: forgetting it drops nothing, and skips the out-of-line
            // drop call an assignment would make.
            slot => std::mem::forget(slot.replace(Tensor::scalar(g))),
        }
    }
}

/// A plain number of the scalar pass, which starts at −0: −0 + g is g exactly, so the first
/// gradient is stored as it is (its sign of zero too) with no test.
impl<T: Float> Slot<T> for T {
    #[inline(always)]
    fn add(&mut self, g: T) {
        *self += g;
    }
}

impl<'t, T: Float, S: Slot<T>> ScalarInterpreter<'t, T, S> {
    /// Runs node `id`'s backward rule on plain numbers when it and its inputs are rank 0, and
    /// says whether it did.
    #[inline(always)]
    pub(crate) fn run(nodes: &'t [Node<T>], grads: &'t mut [S], id: usize, up: T) -> bool {
        let node = &nodes[id];
        let Some(out) = node.value.as_scalar() else {
            return false;
        };
        if matches!(node.op, Op::Custom(_)) {
            return false; // the user's rule runs in the eager interpreter
        }
        let [a, b] = node.inputs();
        let Some(x) = nodes[a as usize].value.as_scalar() else {
            return false;
        };
        let y = if b == NONE {
            T::ZERO
        } else {
            match nodes[b as usize].value.as_scalar() {
                Some(y) => y,
                None => return false,
            }
        };
        let mut c = ScalarInterpreter {
            inputs: [a, b],
            nodes,
            all_scalars: false,
            grads,
            x,
            y,
            out,
            up,
        };
        ops::rule(&node.op, &mut c);
        true
    }
}

impl<'t, T: Float> ScalarInterpreter<'t, T, T> {
    /// Runs node `id`'s backward rule in the scalar pass, where every value is a scalar: the
    /// values are read without a check, and constants are not filtered out.
    #[inline(always)]
    pub(crate) fn run_all_scalars(nodes: &'t [Node<T>], node: &Node<T>, grads: &'t mut [T], up: T) {
        let mut c = ScalarInterpreter {
            inputs: node.inputs(),
            nodes,
            all_scalars: true,
            grads,
            x: T::ZERO,
            y: T::ZERO,
            out: node.value.inline_value(),
            up,
        };
        ops::rule(&node.op, &mut c);
    }
}

impl<T: Float, S: Slot<T>> Rules<T> for ScalarInterpreter<'_, T, S> {
    type H = T;
    #[inline(always)]
    fn input(&self, k: usize) -> T {
        if self.all_scalars {
            self.nodes[self.inputs[k] as usize].value.inline_value()
        } else if k == 0 {
            self.x
        } else {
            self.y
        }
    }
    #[inline(always)]
    fn output(&self) -> T {
        self.out
    }
    #[inline(always)]
    fn shape(&self, _: T) -> Shape {
        Shape::new()
    }
    // The common ops straight on the numbers, through the same per-element kernels.
    #[inline(always)]
    fn mul(&mut self, a: T, b: T) -> T {
        ops::mul::at(a, b)
    }
    #[inline(always)]
    fn div(&mut self, a: T, b: T) -> T {
        ops::div::at(a, b)
    }
    #[inline(always)]
    fn scale(&mut self, a: T, c: T) -> T {
        ops::scale::at(a, c)
    }
    #[inline(always)]
    fn shift(&mut self, a: T, c: T) -> T {
        ops::shift::at(a, c)
    }
    #[inline(always)]
    fn custom_op(&self, _: u32) -> std::sync::Arc<dyn crate::custom::CustomOp<T>> {
        unreachable!("custom ops take the general pass")
    }
    fn opaque(&mut self, _: &str, _: &[T], _: &dyn Fn(&[&Tensor<T>]) -> Tensor<T>) -> T {
        unreachable!("custom ops take the general pass")
    }
    fn apply(&mut self, op: Op<T>, args: &[T], target: &[usize]) -> T {
        let x = args[0];
        let y = args.get(1).copied().unwrap_or(T::ZERO);
        match ops::scalar(&op, x, y) {
            Some(v) => v,
            None => scalar_kernel(&op, x, y, args.len(), target),
        }
    }
}

impl<T: Float, S: Slot<T>> Chain<T> for ScalarInterpreter<'_, T, S> {
    #[inline(always)]
    fn upstream(&self) -> T {
        self.up
    }
    /// Always true: on plain numbers, computing a partial derivative that nobody needs costs
    /// less than looking the flag up twice; `send` drops it.
    #[inline(always)]
    fn needs(&self, _: usize) -> bool {
        true
    }
    #[inline(always)]
    fn send(&mut self, k: usize, g: T) {
        let t = self.inputs[k] as usize;
        if self.all_scalars || self.nodes[t].requires() {
            self.grads[t].add(g);
        }
    }
}

/// An op that is not elementwise (a reshape to `[]`, say) on rank-0 values: the general
/// kernel on rank-0 tensors.
#[cold]
#[inline(never)]
fn scalar_kernel<T: Float>(op: &Op<T>, x: T, y: T, arity: usize, target: &[usize]) -> T {
    let (tx, ty) = (Tensor::scalar(x), Tensor::scalar(y));
    let ins: [&Tensor<T>; 2] = [&tx, &ty];
    ops::forward(op, &ins[..arity], target, &[]).item()
}

/// [`Var::backward`] on a tape of scalars only: the gradients are plain numbers, each rule
/// runs on numbers in registers.
///
/// Every slot starts at exactly −0: adding to it needs no test (−0 + g is g, to the bit,
/// so the first gradient is stored as it is), and a slot still at −0 after the pass reads
/// as "no gradient" (zeros). A node whose gradient is zero when its turn comes sends
/// nothing, as in the general pass (see [`Var::backward`]). Constants' slots are written
/// too (filtering them costs more than it saves); `Tape::grad_of` reads them as zeros. A
/// leaf goes through the same dispatch as any node (its rule is empty): a separate test for
/// leaves would be one more branch on every node, leaf or not.
#[inline(never)]
pub(crate) fn scalar_pass<T: Float>(tape: &mut Tape<T>, out: usize) {
    tape.scalar_grads.resize(out + 1, -T::ZERO);
    // Slices of a known length, so the indexing in the loop needs no checks.
    let grads = &mut tape.scalar_grads[..=out];
    let nodes = &tape.slots[..=out];
    grads[out] = T::ONE;
    for id in (0..=out).rev() {
        let node = &nodes[id];
        // An input's id is below the node's own, so its gradient slot is in `lo`.
        let (lo, hi) = grads.split_at_mut(id);
        let up = hi[0];
        if up == T::ZERO {
            continue; // not reached, or a zero gradient: it sends nothing
        }
        ScalarInterpreter::run_all_scalars(nodes, node, lo, up);
    }
}
