//! One backward rule, three interpreters.
//!
//! Every primitive writes its backward rule once, against [`Chain`]: a context that hands out
//! opaque handles (`Chain::H`) to the node's inputs, its output and its upstream gradient, and
//! applies primitive ops to handles. Three types implement it:
//!
//! - [`Eager`], behind [`Var::backward`](crate::Var::backward): a handle ([`H`]) names a
//!   node's value, the upstream gradient, or a scratch tensor, and every op is computed on the
//!   spot.
//! - [`Scalar`], also behind `backward`, for a node whose value and inputs are rank 0: the
//!   handle is the number itself, so the rule compiles to a few floating-point instructions
//!   with no tensors, shapes or scratch space. On a tape of scalars only, `backward` runs it
//!   on every node with plain numbers as gradients (the dense pass); on other tapes it tries
//!   it first on every node and falls back to [`Eager`].
//! - [`Recording`], behind [`Graph::grad`](crate::Graph::grad): a handle is a node, and every
//!   op is pushed onto the tape. The gradients come out as nodes, so they can be
//!   differentiated again, with no second set of rules.

use crate::float::Float;
use crate::graph::{NONE, Node, NodeId, Tape};
use crate::ops::{self, Op};
use crate::shape::Shape;
use crate::tensor::Tensor;

/// An opaque handle to a value inside a backward rule.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct H(u32);

/// What a backward rule may do.
pub(crate) trait Chain<T: Float> {
    /// A handle to a value: an index for the tensor interpreters, the number itself for the
    /// scalar one.
    type H: Copy;
    /// The value of the node's `k`-th input.
    fn input(&self, k: usize) -> Self::H;
    /// The node's own value (tanh and exp reuse it).
    fn output(&self) -> Self::H;
    /// ∂loss/∂output, the gradient arriving at this node.
    fn upstream(&self) -> Self::H;
    /// The shape of a handle's value.
    fn shape(&self, h: Self::H) -> Shape;
    /// Whether input `k` needs a gradient at all; a rule may skip the work when it does not.
    fn needs(&self, k: usize) -> bool;
    /// Applies a primitive op to handles. `target` is the output shape for `Reshape`,
    /// `SumTo`, `BroadcastTo` and `Scatter`, and empty otherwise.
    fn apply(&mut self, op: Op<T>, args: &[Self::H], target: &[usize]) -> Self::H;
    /// Adds `g` into the gradient of input `k`.
    fn send(&mut self, k: usize, g: Self::H);

    // The primitive ops, for rules that read as math.
    fn mul(&mut self, a: Self::H, b: Self::H) -> Self::H {
        self.apply(ops::Mul.into(), &[a, b], &[])
    }
    fn div(&mut self, a: Self::H, b: Self::H) -> Self::H {
        self.apply(ops::Div.into(), &[a, b], &[])
    }
    /// c·a.
    fn scale(&mut self, a: Self::H, c: T) -> Self::H {
        self.apply(ops::Scale(c).into(), &[a], &[])
    }
    /// a + c.
    fn shift(&mut self, a: Self::H, c: T) -> Self::H {
        self.apply(ops::Shift(c).into(), &[a], &[])
    }
    fn neg(&mut self, a: Self::H) -> Self::H {
        self.scale(a, -T::ONE)
    }
    fn powi(&mut self, a: Self::H, n: i32) -> Self::H {
        self.apply(ops::PowI(n).into(), &[a], &[])
    }
    fn powf(&mut self, a: Self::H, p: T) -> Self::H {
        self.apply(ops::PowF(p).into(), &[a], &[])
    }
    fn sign(&mut self, a: Self::H) -> Self::H {
        self.apply(ops::Sign.into(), &[a], &[])
    }
    fn hardmax(&mut self, a: Self::H, axis: usize) -> Self::H {
        self.apply(ops::Hardmax(axis as u32).into(), &[a], &[])
    }
    /// op(a)·op(b), where op transposes when the flag is set (as strides, never a copy).
    fn matmul(&mut self, a: Self::H, ta: bool, b: Self::H, tb: bool) -> Self::H {
        self.apply(ops::MatMul { ta, tb }.into(), &[a, b], &[])
    }
    fn transpose(&mut self, a: Self::H) -> Self::H {
        self.apply(ops::Transpose.into(), &[a], &[])
    }
    fn reshape(&mut self, a: Self::H, shape: &[usize]) -> Self::H {
        self.apply(ops::Reshape.into(), &[a], shape)
    }
    /// Sums `a` down to `shape`; returns `a` itself when it already has that shape.
    fn sum_to(&mut self, a: Self::H, shape: &[usize]) -> Self::H {
        if self.shape(a)[..] == *shape {
            a
        } else {
            self.apply(ops::SumTo.into(), &[a], shape)
        }
    }
    /// Broadcasts `a` up to `shape`; returns `a` itself when it already has that shape.
    fn broadcast_to(&mut self, a: Self::H, shape: &[usize]) -> Self::H {
        if self.shape(a)[..] == *shape {
            a
        } else {
            self.apply(ops::BroadcastTo.into(), &[a], shape)
        }
    }
    /// `index`: a position in the tape's table of index lists.
    fn gather(&mut self, a: Self::H, axis: u32, index: u32) -> Self::H {
        self.apply(ops::Gather { axis, index }.into(), &[a], &[])
    }
    fn scatter(&mut self, a: Self::H, axis: u32, index: u32, shape: &[usize]) -> Self::H {
        self.apply(ops::Scatter { axis, index }.into(), &[a], shape)
    }
}

/// The first-order interpreter: computes each op at once into a scratch arena.
pub(crate) struct Eager<'t, T: Float> {
    pub(crate) nodes: &'t [Node<T>],
    /// Sends a gradient to every input, constants too (a trace's local derivatives); else
    /// only to inputs that require one.
    pub(crate) everything: bool,
    pub(crate) grads: &'t mut [Option<Tensor<T>>],
    pub(crate) scratch: &'t mut Vec<Option<Tensor<T>>>,
    pub(crate) indices: &'t [Vec<usize>],
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
        self.nodes[self.id].input(k) as usize
    }
}

impl<T: Float> Chain<T> for Eager<'_, T> {
    type H = H;
    fn input(&self, k: usize) -> H {
        H(self.nodes[self.id].input(k))
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
        self.everything || self.nodes[self.target(k)].requires()
    }
    fn apply(&mut self, op: Op<T>, args: &[H], target: &[usize]) -> H {
        let value = match *args {
            [a] => ops::forward(&op, &[self.get(a)], target, self.indices),
            [a, b] => ops::forward(&op, &[self.get(a), self.get(b)], target, self.indices),
            _ => unreachable!("a primitive takes one or two inputs"),
        };
        self.scratch.push(Some(value));
        H((self.scratch.len() - 1) as u32 | SCRATCH)
    }
    fn send(&mut self, k: usize, g: H) {
        let t = self.target(k);
        if !self.needs(k) {
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

/// acc += g in one pass (the rules guarantee equal shapes): in place, or, when `acc` still
/// shares its data with another node's gradient, into a fresh buffer from the pool.
fn accumulate<T: Float>(acc: &mut Tensor<T>, g: &Tensor<T>) {
    debug_assert_eq!(acc.shape(), g.shape());
    acc.update_with(g.data(), |a, b| a + b);
}

/// The first-order interpreter for a node whose value and inputs are all rank 0: the scalar
/// fast path of [`Var::backward`](crate::Var::backward). It runs the same rules as [`Eager`],
/// but a handle is the number itself: no tensors, no shapes, no scratch arena, so once the
/// rule is inlined its intermediate values live in registers.
pub(crate) struct Scalar<'t, T: Float, S: Slot<T>> {
    inputs: [NodeId; 2],
    nodes: &'t [Node<T>],
    /// The dense pass: input values are read from `nodes` only when the rule asks for them
    /// (add, sub, scale, shift and tanh never do), and constants' slots are written too (a
    /// flag check per send costs more than the flops it saves; `Tape::grad_of` hides them).
    /// Otherwise `x` and `y` hold the input values and constants get nothing.
    dense: bool,
    grads: &'t mut [S],
    /// The input values, the output value and the upstream gradient.
    x: T,
    y: T,
    out: T,
    up: T,
}

/// A gradient slot the scalar interpreter adds into: a tensor slot of the general pass
/// (`None` reads as zero), or a plain number of the dense pass over an all-scalar tape.
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

/// A plain number of the dense pass, which starts at −0: −0 + g is g exactly, so the first
/// gradient is stored as it is (its sign of zero too) with no test.
impl<T: Float> Slot<T> for T {
    #[inline(always)]
    fn add(&mut self, g: T) {
        *self += g;
    }
}

impl<'t, T: Float, S: Slot<T>> Scalar<'t, T, S> {
    /// Runs node `id`'s backward rule on plain numbers when it and its inputs are rank 0, and
    /// says whether it did.
    #[inline(always)]
    pub(crate) fn run(nodes: &'t [Node<T>], grads: &'t mut [S], id: usize, up: T) -> bool {
        let node = &nodes[id];
        let Some(out) = node.value.as_scalar() else {
            return false;
        };
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
        let mut c = Scalar {
            inputs: [a, b],
            nodes,
            dense: false,
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

impl<'t, T: Float> Scalar<'t, T, T> {
    /// Runs node `id`'s backward rule in the dense pass, where every value is a scalar: the
    /// values are read without a check, and constants are not filtered out.
    #[inline(always)]
    pub(crate) fn run_dense(nodes: &'t [Node<T>], node: &Node<T>, grads: &'t mut [T], up: T) {
        let mut c = Scalar {
            inputs: node.inputs(),
            nodes,
            dense: true,
            grads,
            x: T::ZERO,
            y: T::ZERO,
            out: node.value.inline_value(),
            up,
        };
        ops::rule(&node.op, &mut c);
    }
}

impl<T: Float, S: Slot<T>> Chain<T> for Scalar<'_, T, S> {
    type H = T;
    #[inline(always)]
    fn input(&self, k: usize) -> T {
        if self.dense {
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
    fn upstream(&self) -> T {
        self.up
    }
    #[inline(always)]
    fn shape(&self, _: T) -> Shape {
        Shape::new()
    }
    /// Always true: on plain numbers, computing a partial derivative that nobody needs costs
    /// less than looking the flag up twice; `send` drops it.
    #[inline(always)]
    fn needs(&self, _: usize) -> bool {
        true
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
    fn apply(&mut self, op: Op<T>, args: &[T], target: &[usize]) -> T {
        let x = args[0];
        let y = args.get(1).copied().unwrap_or(T::ZERO);
        match ops::scalar(&op, x, y) {
            Some(v) => v,
            None => scalar_kernel(&op, x, y, args.len(), target),
        }
    }
    #[inline(always)]
    fn send(&mut self, k: usize, g: T) {
        let t = self.inputs[k] as usize;
        if self.dense || self.nodes[t].requires() {
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

/// The recording interpreter: every op becomes a node on the tape.
pub(crate) struct Recording<'t, T: Float> {
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
        self.tape.slots[self.id].input(k) as usize
    }
}

impl<T: Float> Chain<T> for Recording<'_, T> {
    type H = H;
    fn input(&self, k: usize) -> H {
        H(self.tape.slots[self.id].input(k))
    }
    fn output(&self) -> H {
        H(self.id as u32)
    }
    fn upstream(&self) -> H {
        H(self.up)
    }
    fn shape(&self, h: H) -> Shape {
        Shape::from_slice(self.tape.slots[h.0 as usize].value.shape())
    }
    fn needs(&self, k: usize) -> bool {
        self.wants[self.target(k)]
    }
    fn apply(&mut self, op: Op<T>, args: &[H], target: &[usize]) -> H {
        let mut ids = [NONE; 2];
        for (slot, h) in ids.iter_mut().zip(args) {
            *slot = h.0;
        }
        H(self.tape.record(op, ids, target))
    }
    fn send(&mut self, k: usize, g: H) {
        let t = self.target(k);
        if !self.wants[t] {
            return;
        }
        self.gmap[t] = Some(match self.gmap[t] {
            None => g.0,
            Some(prev) => self.tape.record(ops::Add.into(), [prev, g.0], &[]),
        });
    }
}
