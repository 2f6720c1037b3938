//! One backward rule, two interpreters.
//!
//! Every primitive writes its backward rule once, against [`Chain`]: a context that hands out
//! opaque handles ([`H`]) to the node's inputs, its output and its upstream gradient, and
//! applies primitive ops to handles. Two types implement it:
//!
//! - [`Eager`], behind [`Var::backward`](crate::Var::backward): a handle names a node's value,
//!   the upstream gradient, or a scratch tensor, and every op is computed on the spot. This is
//!   the fast first-order path.
//! - [`Recording`], behind [`Graph::grad`](crate::Graph::grad): a handle is a node, and every
//!   op is pushed onto the tape. The gradients come out as nodes, so they can be
//!   differentiated again, with no second set of rules.

use crate::float::Float;
use crate::graph::{NONE, Node, NodeId, Tape};
use crate::ops::{self, Op};
use crate::shape::Shape;
use crate::tensor::Tensor;
use std::sync::Arc;

/// An opaque handle to a value inside a backward rule.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct H(u32);

/// What a backward rule may do.
pub(crate) trait Chain<T: Float> {
    /// The value of the node's `k`-th input.
    fn input(&self, k: usize) -> H;
    /// The node's own value (tanh and exp reuse it).
    fn output(&self) -> H;
    /// ∂loss/∂output, the gradient arriving at this node.
    fn upstream(&self) -> H;
    /// The shape of a handle's value.
    fn shape(&self, h: H) -> Shape;
    /// Whether input `k` needs a gradient at all; a rule may skip the work when it does not.
    fn needs(&self, k: usize) -> bool;
    /// Applies a primitive op to handles. `target` is the output shape for `Reshape`,
    /// `SumTo`, `BroadcastTo` and `Scatter`, and empty otherwise.
    fn apply(&mut self, op: Op<T>, args: &[H], target: &[usize]) -> H;
    /// Adds `g` into the gradient of input `k`.
    fn send(&mut self, k: usize, g: H);

    // The primitive ops, for rules that read as math.
    fn mul(&mut self, a: H, b: H) -> H {
        self.apply(Op::Mul, &[a, b], &[])
    }
    fn div(&mut self, a: H, b: H) -> H {
        self.apply(Op::Div, &[a, b], &[])
    }
    /// c·a.
    fn scale(&mut self, a: H, c: T) -> H {
        self.apply(Op::Scale(c), &[a], &[])
    }
    /// a + c.
    fn shift(&mut self, a: H, c: T) -> H {
        self.apply(Op::Shift(c), &[a], &[])
    }
    fn neg(&mut self, a: H) -> H {
        self.scale(a, -T::ONE)
    }
    fn powi(&mut self, a: H, n: i32) -> H {
        self.apply(Op::PowI(n), &[a], &[])
    }
    fn powf(&mut self, a: H, p: T) -> H {
        self.apply(Op::PowF(p), &[a], &[])
    }
    fn sign(&mut self, a: H) -> H {
        self.apply(Op::Sign, &[a], &[])
    }
    fn hardmax(&mut self, a: H, axis: usize) -> H {
        self.apply(Op::Hardmax(axis as u32), &[a], &[])
    }
    /// op(a)·op(b), where op transposes when the flag is set (as strides, never a copy).
    fn matmul(&mut self, a: H, ta: bool, b: H, tb: bool) -> H {
        self.apply(Op::MatMul { ta, tb }, &[a, b], &[])
    }
    fn transpose(&mut self, a: H) -> H {
        self.apply(Op::Transpose, &[a], &[])
    }
    fn reshape(&mut self, a: H, shape: &[usize]) -> H {
        self.apply(Op::Reshape, &[a], shape)
    }
    /// Sums `a` down to `shape`; returns `a` itself when it already has that shape.
    fn sum_to(&mut self, a: H, shape: &[usize]) -> H {
        if self.shape(a)[..] == *shape {
            a
        } else {
            self.apply(Op::SumTo, &[a], shape)
        }
    }
    /// Broadcasts `a` up to `shape`; returns `a` itself when it already has that shape.
    fn broadcast_to(&mut self, a: H, shape: &[usize]) -> H {
        if self.shape(a)[..] == *shape {
            a
        } else {
            self.apply(Op::BroadcastTo, &[a], shape)
        }
    }
    fn gather(&mut self, a: H, axis: u32, index: Arc<Vec<usize>>) -> H {
        self.apply(Op::Gather { axis, index }, &[a], &[])
    }
    fn scatter(&mut self, a: H, axis: u32, index: Arc<Vec<usize>>, shape: &[usize]) -> H {
        self.apply(Op::Scatter { axis, index }, &[a], shape)
    }
}

/// The first-order interpreter: computes each op at once into a scratch arena.
pub(crate) struct Eager<'t, T> {
    pub(crate) nodes: &'t [Node<T>],
    pub(crate) requires: &'t [bool],
    pub(crate) grads: &'t mut [Option<Tensor<T>>],
    pub(crate) scratch: &'t mut Vec<Option<Tensor<T>>>,
    pub(crate) id: usize,
}

const SCRATCH: u32 = 1 << 31;
const UPSTREAM: u32 = u32::MAX;

impl<T: Float> Eager<'_, T> {
    fn get(&self, h: H) -> &Tensor<T> {
        if h.0 == UPSTREAM {
            self.grads[self.id]
                .as_ref()
                .expect("upstream gradient is set")
        } else if h.0 & SCRATCH != 0 {
            self.scratch[(h.0 ^ SCRATCH) as usize]
                .as_ref()
                .expect("a backward rule reused a handle it had already sent")
        } else {
            &self.nodes[h.0 as usize].value
        }
    }

    fn target(&self, k: usize) -> usize {
        self.nodes[self.id].inputs[k] as usize
    }
}

impl<T: Float> Chain<T> for Eager<'_, T> {
    fn input(&self, k: usize) -> H {
        H(self.nodes[self.id].inputs[k])
    }
    fn output(&self) -> H {
        H(self.id as u32)
    }
    fn upstream(&self) -> H {
        H(UPSTREAM)
    }
    fn shape(&self, h: H) -> Shape {
        Shape::from_slice(self.get(h).shape())
    }
    fn needs(&self, k: usize) -> bool {
        self.requires[self.target(k)]
    }
    fn apply(&mut self, op: Op<T>, args: &[H], target: &[usize]) -> H {
        let value = match *args {
            [a] => ops::forward(&op, &[self.get(a)], target),
            [a, b] => ops::forward(&op, &[self.get(a), self.get(b)], target),
            _ => unreachable!("a primitive takes one or two inputs"),
        };
        self.scratch.push(Some(value));
        H((self.scratch.len() - 1) as u32 | SCRATCH)
    }
    fn send(&mut self, k: usize, g: H) {
        let t = self.target(k);
        if !self.requires[t] {
            return;
        }
        let owned = if g.0 != UPSTREAM && g.0 & SCRATCH != 0 {
            let v = self.scratch[(g.0 ^ SCRATCH) as usize].take();
            Some(v.expect("a backward rule sent the same handle twice"))
        } else {
            None
        };
        // An input's id is always below the node's own, so its slot is in `lo`.
        let (lo, hi) = self.grads.split_at_mut(self.id);
        match (&mut lo[t], owned) {
            (Some(acc), Some(v)) => accumulate(acc, &v),
            (slot @ None, Some(v)) => *slot = Some(v),
            (slot, None) => {
                let src = if g.0 == UPSTREAM {
                    hi[0].as_ref().expect("upstream gradient is set")
                } else {
                    &self.nodes[g.0 as usize].value
                };
                match slot {
                    Some(acc) => accumulate(acc, src),
                    None => *slot = Some(src.clone()),
                }
            }
        }
    }
}

/// acc += g, in place (the rules guarantee equal shapes).
fn accumulate<T: Float>(acc: &mut Tensor<T>, g: &Tensor<T>) {
    debug_assert_eq!(acc.shape(), g.shape());
    for (a, &b) in acc.data_mut().iter_mut().zip(g.data()) {
        *a += b;
    }
}

/// The first-order interpreter for a node whose value and inputs are all rank 0: the scalar
/// fast path of [`Var::backward`](crate::Var::backward). It runs the same rules as [`Eager`],
/// but a handle is a slot in a small array of plain numbers on the stack: no tensors, no
/// shapes, no scratch arena. Slots 0 and 1 hold the inputs, 2 the output, 3 the upstream
/// gradient, and the rest the rule's intermediate values.
pub(crate) struct Scalar<'t, T> {
    pub(crate) inputs: [NodeId; 2],
    pub(crate) requires: &'t [bool],
    pub(crate) grads: &'t mut [Option<Tensor<T>>],
    pub(crate) vals: [T; SCALAR_SLOTS],
    pub(crate) len: usize,
}

/// Slots in [`Scalar`]: four fixed ones and room for the longest rule's intermediates (div
/// uses four).
pub(crate) const SCALAR_SLOTS: usize = 12;

impl<'t, T: Float> Scalar<'t, T> {
    /// The interpreter for node `id` when it and its inputs are rank 0, else `None`.
    #[inline]
    pub(crate) fn new(
        nodes: &[Node<T>],
        requires: &'t [bool],
        grads: &'t mut [Option<Tensor<T>>],
        id: usize,
        upstream: T,
    ) -> Option<Self> {
        let node = &nodes[id];
        let out = node.value.as_scalar()?;
        let mut vals = [T::ZERO; SCALAR_SLOTS];
        for (slot, &i) in vals.iter_mut().zip(&node.inputs) {
            if i != NONE {
                *slot = nodes[i as usize].value.as_scalar()?;
            }
        }
        vals[2] = out;
        vals[3] = upstream;
        Some(Scalar {
            inputs: node.inputs,
            requires,
            grads,
            vals,
            len: 4,
        })
    }
}

impl<T: Float> Scalar<'_, T> {
    /// Stores a new value and returns its handle.
    #[inline(always)]
    fn put(&mut self, v: T) -> H {
        self.vals[self.len] = v;
        self.len += 1;
        H(self.len as u32 - 1)
    }
}

impl<T: Float> Chain<T> for Scalar<'_, T> {
    #[inline]
    fn input(&self, k: usize) -> H {
        H(k as u32)
    }
    #[inline]
    fn output(&self) -> H {
        H(2)
    }
    #[inline]
    fn upstream(&self) -> H {
        H(3)
    }
    #[inline]
    fn shape(&self, _: H) -> Shape {
        Shape::new()
    }
    #[inline]
    fn needs(&self, k: usize) -> bool {
        self.requires[self.inputs[k] as usize]
    }
    // The common ops straight on the numbers, through the same per-element kernels.
    #[inline(always)]
    fn mul(&mut self, a: H, b: H) -> H {
        let v = ops::mul::at(self.vals[a.0 as usize], self.vals[b.0 as usize]);
        self.put(v)
    }
    #[inline(always)]
    fn div(&mut self, a: H, b: H) -> H {
        let v = ops::div::at(self.vals[a.0 as usize], self.vals[b.0 as usize]);
        self.put(v)
    }
    #[inline(always)]
    fn scale(&mut self, a: H, c: T) -> H {
        let v = ops::scale::at(self.vals[a.0 as usize], c);
        self.put(v)
    }
    #[inline(always)]
    fn shift(&mut self, a: H, c: T) -> H {
        let v = ops::shift::at(self.vals[a.0 as usize], c);
        self.put(v)
    }
    #[inline(always)]
    fn apply(&mut self, op: Op<T>, args: &[H], target: &[usize]) -> H {
        let x = self.vals[args[0].0 as usize];
        let y = args.get(1).map_or(T::ZERO, |h| self.vals[h.0 as usize]);
        let v = match ops::scalar(&op, x, y) {
            Some(v) => v,
            None => scalar_kernel(&op, x, y, args.len(), target),
        };
        self.put(v)
    }
    #[inline]
    fn send(&mut self, k: usize, g: H) {
        let t = self.inputs[k] as usize;
        if !self.requires[t] {
            return;
        }
        let v = self.vals[g.0 as usize];
        match &mut self.grads[t] {
            Some(acc) => acc.data_mut()[0] += v,
            slot @ None => *slot = Some(Tensor::scalar(v)),
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
    ops::forward(op, &ins[..arity], target).item()
}

/// The recording interpreter: every op becomes a node on the tape.
pub(crate) struct Recording<'t, T> {
    pub(crate) tape: &'t mut Tape<T>,
    /// The gradient node of each original node, as far as known.
    pub(crate) gmap: &'t mut [Option<NodeId>],
    /// Whether a gradient must flow to each original node.
    pub(crate) wants: &'t [bool],
    pub(crate) id: usize,
    pub(crate) up: NodeId,
}

impl<T: Float> Recording<'_, T> {
    fn target(&self, k: usize) -> usize {
        self.tape.nodes[self.id].inputs[k] as usize
    }
}

impl<T: Float> Chain<T> for Recording<'_, T> {
    fn input(&self, k: usize) -> H {
        H(self.tape.nodes[self.id].inputs[k])
    }
    fn output(&self) -> H {
        H(self.id as u32)
    }
    fn upstream(&self) -> H {
        H(self.up)
    }
    fn shape(&self, h: H) -> Shape {
        Shape::from_slice(self.tape.nodes[h.0 as usize].value.shape())
    }
    fn needs(&self, k: usize) -> bool {
        self.wants[self.target(k)]
    }
    fn apply(&mut self, op: Op<T>, args: &[H], target: &[usize]) -> H {
        let mut ids = [NONE; 2];
        for (slot, h) in ids.iter_mut().zip(args) {
            *slot = h.0;
        }
        H(self.tape.record(op, &ids[..args.len()], target))
    }
    fn send(&mut self, k: usize, g: H) {
        let t = self.target(k);
        if !self.wants[t] {
            return;
        }
        self.gmap[t] = Some(match self.gmap[t] {
            None => g.0,
            Some(prev) => self.tape.record(Op::Add, &[prev, g.0], &[]),
        });
    }
}
