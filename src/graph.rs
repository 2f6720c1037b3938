//! The tape: [`Graph`] records every operation as a node; [`Var`] is a handle to one node.
//!
//! A `Graph` is a list of nodes in the order they were created. Each node holds its op, the
//! ids of at most two inputs, and its value, computed eagerly when the node is pushed. Since an
//! input always exists before the nodes that use it, push order is a topological order, and
//! [`Var::backward`] is one reverse loop over the tape: no recursion, no sort, no depth limit.
//!
//! Gradients live beside the nodes, one optional value per node (`None` reads as zeros), so
//! every node's gradient can be read after `backward`, leaves and intermediates alike.
//! [`Graph::grad`] runs the same backward rules through a second interpreter that records
//! them as new nodes, which makes gradients differentiable again.
//!
//! What keeps a scalar op cheap (a few dozen instructions to record, as many to
//! differentiate):
//! - **Slots:** clearing a tape keeps its node slots, and a push overwrites the next slot field
//!   by field. Nothing is built on the stack and copied over, which on this kind of CPU stalls
//!   store forwarding (8-byte writes read back as 16-byte loads) and cost more than all the
//!   rest of a push. The next slot always exists (more are made after the push that uses the
//!   last one), so nothing between computing a value and storing it can return, and the
//!   value goes from a register straight into its node.
//! - **Dense pass:** a tape holding no arrays (`Tape::arrays == 0`) is differentiated with
//!   plain numbers as gradients (starting at −0, so adding needs no test), each rule inlined
//!   on values in registers. Other tapes take the general pass, with a tensor per gradient
//!   and the scalar interpreter wherever a node and its inputs are rank 0.
//! - **Zero gradients send nothing:** in both passes, a node whose gradient is zero (every
//!   element) is skipped, so a ReLU that is off or a hinge loss past its margin costs nothing
//!   to differentiate (and 0 · ∞ cannot turn into a NaN there).
//! - Ops are `Copy` (index lists live in a side table) and literal names are one plain list,
//!   so a scalar tape clears without visiting its nodes.

use crate::chain::{Eager, Recording, Scalar};
use crate::float::Float;
use crate::ops::{self, Op};
use crate::spare;
use crate::tensor::Tensor;
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

/// The index of a node on its tape.
pub(crate) type NodeId = u32;

/// Marks an unused input slot.
pub(crate) const NONE: NodeId = 0x7FFF_FFFF;

/// The top bit of a node's second input word: whether a gradient flows to the node.
const REQUIRES: NodeId = 1 << 31;

/// The most nodes one tape holds: ids stay below `NONE`, so their top bit is free (for the
/// `requires` flag on the tape, and for the eager interpreter's scratch handles).
const MAX_NODES: usize = NONE as usize;

/// One recorded operation.
pub(crate) struct Node<T: Float> {
    pub(crate) op: Op<T>,
    /// The ids of the inputs, `NONE` where unused; the second word also carries the node's
    /// own `requires` flag in its top bit. Kept in the node, the flag is read from the same
    /// place as the value, with one bound check, and written with the inputs; a list of its
    /// own cost a second check per input on every push, for no memory saved (the node has
    /// no padding to hide a `bool` in).
    inputs: [NodeId; 2],
    pub(crate) value: Tensor<T>,
}

impl<T: Float> Node<T> {
    /// The id of input `k` (`NONE` if unused).
    #[inline(always)]
    pub(crate) fn input(&self, k: usize) -> NodeId {
        self.inputs[k] & !REQUIRES
    }

    /// Both input ids (`NONE` where unused).
    #[inline(always)]
    pub(crate) fn inputs(&self) -> [NodeId; 2] {
        [self.input(0), self.input(1)]
    }

    /// Whether a gradient flows to the node: true for variables and everything computed from
    /// one, false for constants.
    #[inline(always)]
    pub(crate) fn requires(&self) -> bool {
        self.inputs[1] & REQUIRES != 0
    }

    /// Whether the node is a leaf (a variable or a constant).
    #[inline(always)]
    pub(crate) fn is_leaf(&self) -> bool {
        self.inputs[0] == NONE
    }

    /// The ids of the inputs actually used.
    pub(crate) fn args(&self) -> Args {
        let ids = self.inputs();
        let n = ids.iter().take_while(|&&i| i != NONE).count();
        Args { ids, n }
    }
}

/// A node's input ids, as a slice (see [`Node::args`]).
pub(crate) struct Args {
    ids: [NodeId; 2],
    n: usize,
}

impl std::ops::Deref for Args {
    type Target = [NodeId];
    fn deref(&self) -> &[NodeId] {
        &self.ids[..self.n]
    }
}

/// A name that is not a literal: a string given by the caller, or a name shared with a
/// parameter table (cloning the `Arc` copies no string).
#[derive(Clone, Debug)]
pub(crate) enum Name {
    Owned(String),
    Shared(Arc<str>),
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Name::Owned(n) => n,
            Name::Shared(n) => n,
        }
    }
}

/// The storage behind a [`Graph`].
pub(crate) struct Tape<T: Float> {
    /// The nodes are `slots[..len]`. Slots past `len` are kept from earlier steps (holding
    /// scalars, never arrays) or blank, and overwritten in place by the next pushes; see
    /// `push_node`. A tape made by [`Tape::new`] always has a slot at `len` (until it holds
    /// `MAX_NODES` nodes).
    pub(crate) slots: Vec<Node<T>>,
    pub(crate) len: usize,
    /// The gradient of the last `backward` per node; `None` reads as zeros.
    pub(crate) grads: Vec<Option<Tensor<T>>>,
    /// The gradients of the last `backward` when every value on the tape was a scalar (then
    /// `grads` is empty): plain numbers, so that pass never touches a tensor, with exactly
    /// −0 for "none" (see `dense_backward`). Read both through [`Tape::grad_of`].
    pub(crate) dense: Vec<T>,
    /// How many nodes hold an array (anything but a rank-0 value); 0 selects the dense pass.
    pub(crate) arrays: usize,
    /// Scratch values of the eager interpreter, reused from node to node and call to call.
    pub(crate) scratch: Vec<Option<Tensor<T>>>,
    /// Names given with [`Var::named`], in the order they were given. Naming is one push
    /// (no hash, no resize), so a training loop that names its nodes pays almost nothing;
    /// looking a name up is a scan from the newest entry, done only by traces and exports.
    ///
    /// Literal names (the common case, `.named("w1")`) are kept apart as plain pairs of node
    /// id and string, so naming is one push of three words and clearing drops nothing. (One
    /// list of `(NodeId, enum)` pairs for all names went through the stack on every push and
    /// stalled it; two lists, ids and strings, cost P1 2% more instructions than one.)
    pub(crate) literals: Vec<(NodeId, &'static str)>,
    /// Other names, each with the number of literal names given before it (to tell which of
    /// two names of one node is the newer).
    pub(crate) names: Vec<(NodeId, usize, Name)>,
    /// The index lists of gather and scatter nodes; their ops hold positions in it.
    pub(crate) indices: Vec<Vec<usize>>,
    /// False on a [`Graph::inference`] tape: nodes keep their values and nothing else.
    pub(crate) records: bool,
}

impl<T: Float> Default for Tape<T> {
    /// An empty tape that has allocated nothing, and has no slot to push to: what a dropped
    /// graph leaves behind when its tape is kept for reuse. Graphs get theirs from
    /// [`Tape::new`].
    fn default() -> Self {
        Tape {
            slots: Vec::new(),
            len: 0,
            grads: Vec::new(),
            dense: Vec::new(),
            arrays: 0,
            scratch: Vec::new(),
            literals: Vec::new(),
            names: Vec::new(),
            indices: Vec::new(),
            records: true,
        }
    }
}

impl<T: Float> Tape<T> {
    /// Removes every node and keeps the memory.
    pub(crate) fn clear(&mut self) {
        // The slots stay for the next step; only array values are let go (back to the
        // pool), and a tape of scalars has none to look for.
        if self.arrays > 0 {
            for node in &mut self.slots[..self.len] {
                node.value.release_array();
            }
        }
        self.len = 0;
        self.grads.clear();
        self.dense.clear();
        self.arrays = 0;
        self.scratch.clear();
        self.literals.clear();
        self.names.clear();
        self.indices.clear();
    }

    fn new() -> Self {
        // Room for a small graph up front: a fresh tape per step (as a new user writes it)
        // then grows its node list once or not at all, instead of doubling from empty.
        let mut tape = Tape {
            slots: Vec::with_capacity(64),
            ..Self::default()
        };
        tape.make_room(); // the first slots (a pushable tape always has a next one)
        tape
    }

    /// The nodes, in push order.
    #[inline]
    pub(crate) fn nodes(&self) -> &[Node<T>] {
        &self.slots[..self.len]
    }

    /// Pushes a node whose value is already known.
    ///
    /// A plain number becomes a tensor only once the slot is found: a tensor alive across
    /// that lookup, which can panic, must be kept on the stack for the unwinder to drop.
    #[track_caller]
    #[inline(always)]
    pub(crate) fn push_node(
        &mut self,
        op: Op<T>,
        inputs: [NodeId; 2],
        value: impl Into<Tensor<T>>,
        requires: bool,
    ) -> NodeId {
        let slot = self.next_slot();
        let value = value.into();
        let array = !value.is_scalar();
        slot.op = op;
        slot.inputs = [inputs[0], inputs[1] | flag(requires)];
        slot.value.overwrite_scalar(value);
        self.arrays += array as usize;
        self.close()
    }

    /// Computes `op` on the values of `inputs` (one or two node ids, the second `NONE` for a
    /// unary op) and pushes the result.
    #[track_caller]
    #[inline(never)]
    pub(crate) fn record(&mut self, op: Op<T>, inputs: [NodeId; 2], target: &[usize]) -> NodeId {
        let id = self.begin(op, inputs);
        let value = self.compute(id, target);
        self.finish(id, value, self.requires_any(inputs))
    }

    /// Starts a node: writes its op and inputs into the next slot and returns its id. The
    /// node is on the tape once [`finish`](Tape::finish) has written its value.
    ///
    /// A slot is overwritten field by field, in place, with nothing between the op's
    /// construction and its store that takes the op as an argument. Otherwise the compiler
    /// builds the op (and, through `Vec::push`, the whole node) on the stack, writes it
    /// there in small pieces and copies it over in 16-byte ones: a store-forwarding stall on
    /// every push, which cost more than everything else a scalar push does.
    #[track_caller]
    #[inline(always)]
    pub(crate) fn begin(&mut self, op: Op<T>, inputs: [NodeId; 2]) -> usize {
        let slot = self.next_slot();
        slot.op = op;
        slot.inputs = inputs;
        self.len
    }

    /// The value of the node begun at `id`: its op on its inputs' values, through the
    /// tensor kernels. `target` is the output shape for the shape-changing ops.
    #[track_caller]
    #[inline(never)]
    pub(crate) fn compute(&self, id: usize, target: &[usize]) -> Tensor<T> {
        let node = &self.slots[id];
        let (op, [a, b]) = (&node.op, node.inputs());
        let x = &self.slots[a as usize].value;
        if b == NONE {
            ops::forward(op, &[x], target, &self.indices)
        } else {
            let y = &self.slots[b as usize].value;
            ops::forward(op, &[x, y], target, &self.indices)
        }
    }

    /// Completes the node begun at `id` with its value; it is now on the tape.
    #[inline(always)]
    pub(crate) fn finish(&mut self, id: usize, value: Tensor<T>, requires: bool) -> NodeId {
        debug_assert_eq!(id, self.len, "finish completes the node begin started");
        self.arrays += !value.is_scalar() as usize;
        let slot = &mut self.slots[id];
        slot.value.overwrite_scalar(value);
        slot.inputs[1] |= flag(requires);
        self.close()
    }

    /// The slot at `len`. There always is one (see [`close`](Tape::close)) unless the tape
    /// is full, and then this panics.
    ///
    /// Nothing on this path returns, so a push keeps its value in a register up to the
    /// store; with a call here that could return (as when slots were made on demand), the
    /// compiler kept the value on the stack across it, on every push.
    #[inline(always)]
    #[track_caller]
    fn next_slot(&mut self) -> &mut Node<T> {
        match self.slots.get_mut(self.len) {
            Some(slot) => slot,
            None => too_many_nodes(),
        }
    }

    /// Puts the node written at `len` on the tape and returns its id; makes more slots when
    /// that was the last one, so that the next push finds its slot.
    #[inline(always)]
    fn close(&mut self) -> NodeId {
        let id = self.len;
        self.len = id + 1;
        if !self.records {
            self.forget_history(id);
        }
        if id + 1 == self.slots.len() {
            self.make_room();
        }
        id as NodeId
    }

    /// On an inference tape: the node keeps its value and becomes a constant with no inputs.
    #[cold]
    #[inline(never)]
    fn forget_history(&mut self, id: usize) {
        let slot = &mut self.slots[id];
        slot.op = Op::Leaf;
        slot.inputs = [NONE; 2];
    }

    /// More slots after the last one, added in chunks (each written just before the pushes
    /// that use it), never past `MAX_NODES`: a tape that holds that many has no next slot,
    /// and its next push panics.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self) {
        let have = self.slots.len();
        if have >= MAX_NODES {
            return;
        }
        if have == self.slots.capacity() {
            self.slots.reserve(1); // doubles
        }
        let n = (self.slots.capacity() - have)
            .clamp(1, 1024)
            .min(MAX_NODES - have);
        let blank = || Node {
            op: Op::Leaf,
            inputs: [NONE; 2],
            value: Tensor::scalar(T::ZERO),
        };
        self.slots.extend(std::iter::repeat_with(blank).take(n));
    }

    /// Whether a gradient flows to any of `inputs`, and so to a node computed from them.
    #[inline(always)]
    fn requires_any(&self, [a, b]: [NodeId; 2]) -> bool {
        self.slots[a as usize].requires() || (b != NONE && self.slots[b as usize].requires())
    }

    /// The gradient of node `id` from the last `backward`; `None` reads as zeros.
    pub(crate) fn grad_of(&self, id: usize) -> Option<Tensor<T>> {
        match self.grads.get(id) {
            Some(g) => g.clone(),
            // The dense pass writes constants' slots too; they read as zeros.
            None if !self.slots[id].requires() => None,
            None => self
                .dense
                .get(id)
                // A slot still at exactly −0 (to_f64 keeps the sign) got no gradient.
                .filter(|g| g.to_f64().to_bits() != (-0.0f64).to_bits())
                .map(|&g| Tensor::scalar(g)),
        }
    }

    /// Node `id`'s name for people: the one given with [`Var::named`], or the op and the id
    /// (`"mul#7"`).
    pub(crate) fn label(&self, id: usize) -> String {
        match self.name_of(id as NodeId) {
            Some(n) => n.to_string(),
            None => format!("{}#{id}", self.slots[id].op.name()),
        }
    }

    /// The name given to node `id` with [`Var::named`] (the newest, if it was named twice).
    pub(crate) fn name_of(&self, id: NodeId) -> Option<&str> {
        let literal = self.literals.iter().rposition(|&(i, _)| i == id);
        let other = self.names.iter().rev().find(|(i, _, _)| *i == id);
        match (literal, other) {
            (Some(k), Some((_, before, n))) if *before > k => Some(n.as_str()),
            (Some(k), _) => Some(self.literals[k].1),
            (None, Some((_, _, n))) => Some(n.as_str()),
            (None, None) => None,
        }
    }
}

/// The `requires` bit of a node's second input word.
#[inline(always)]
fn flag(requires: bool) -> NodeId {
    if requires { REQUIRES } else { 0 }
}

#[cold]
#[track_caller]
fn too_many_nodes() -> ! {
    panic!("graph: a tape holds at most {MAX_NODES} nodes; clear it between steps")
}

/// A tape of operations on `f32` or `f64` values.
///
/// `Graph::new()` gives an `f64` tape; `Graph::<f32>::default()` an `f32` one. Create leaves
/// with [`scalar`](Graph::scalar), [`tensor`](Graph::tensor) and
/// [`constant`](Graph::constant), combine them with operators and methods on [`Var`], and call
/// [`Var::backward`] on the result.
///
/// ```
/// use tapegrad::Graph;
/// let g = Graph::new();
/// let x = g.scalar(3.0);
/// let y = x * x + 2.0 * x; // y = x² + 2x
/// y.backward();
/// assert_eq!(y.item(), 15.0);
/// assert_eq!(x.grad().item(), 8.0); // dy/dx = 2x + 2
/// ```
pub struct Graph<T: Float = f64> {
    pub(crate) tape: RefCell<Tape<T>>,
}

impl Graph<f64> {
    /// An empty `f64` tape. (For `f32`, use `Graph::<f32>::default()`.)
    pub fn new() -> Self {
        Self::default()
    }
}

impl<T: Float> Default for Graph<T> {
    /// An empty tape: the buffers of the last small graph dropped on this thread if there is
    /// one (see `spare.rs`), else fresh ones with room for 64 nodes.
    fn default() -> Self {
        let tape = spare::take().unwrap_or_else(Tape::new);
        Graph {
            tape: RefCell::new(tape),
        }
    }
}

impl<T: Float> Drop for Graph<T> {
    /// Hands a small tape's buffers to the next graph made on this thread.
    fn drop(&mut self) {
        spare::keep(self.tape.get_mut());
    }
}

impl<T: Float> fmt::Debug for Graph<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph<{}>({} nodes)", T::NAME, self.len())
    }
}

impl<T: Float> Graph<T> {
    /// A rank-0 variable leaf holding `x`. Its gradient is filled by `backward`.
    #[inline]
    pub fn scalar(&self, x: T) -> Var<'_, T> {
        self.leaf(x, true)
    }

    /// A variable leaf holding `t`. Its gradient is filled by `backward`.
    pub fn tensor(&self, t: Tensor<T>) -> Var<'_, T> {
        self.leaf(t, true)
    }

    /// A constant leaf: no gradient flows into it (its `grad()` reads zeros), and no work is
    /// spent computing one. Use it for data: inputs, targets, masks.
    pub fn constant(&self, t: Tensor<T>) -> Var<'_, T> {
        self.leaf(t, false)
    }

    #[inline(always)]
    fn leaf(&self, t: impl Into<Tensor<T>>, requires: bool) -> Var<'_, T> {
        let id = self
            .tape
            .borrow_mut()
            .push_node(Op::Leaf, [NONE; 2], t, requires);
        Var { graph: self, id }
    }

    /// A tape for evaluation only: every operation computes its value as usual, but the tape
    /// records no backward state (each node is stored as a constant with no inputs, and no
    /// gradient is tracked). Use it to compute test accuracy or predictions;
    /// [`clear`](Graph::clear) it between batches to reuse its memory.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::<f64>::inference();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, -2.0], &[2]).unwrap());
    /// let y = (x * x).sum();
    /// assert_eq!(y.item(), 5.0);
    /// assert!(!g.records_gradients());
    /// ```
    ///
    /// [`Var::backward`] and [`Graph::grad`] panic on such a tape.
    pub fn inference() -> Self {
        let g = Self::default();
        g.tape.borrow_mut().records = false;
        g
    }

    /// Whether this tape records what `backward` needs: true except for
    /// [`Graph::inference`] tapes.
    pub fn records_gradients(&self) -> bool {
        self.tape.borrow().records
    }

    /// The number of nodes on the tape.
    pub fn len(&self) -> usize {
        self.tape.borrow().len
    }

    /// Whether the tape has no nodes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every node and keeps the memory for the next step.
    ///
    /// It takes `&mut self`, so the borrow checker proves that no [`Var`] of the old tape is
    /// still alive.
    pub fn clear(&mut self) {
        self.tape.get_mut().clear();
    }

    /// The gradients ∂y/∂w for each `w` in `wrt`, as new nodes on this tape.
    ///
    /// The backward rules are the ones [`Var::backward`] uses, recorded instead of computed,
    /// so the results can be differentiated again: `g.grad(g.grad(y, &[x])[0], &[x])` is
    /// ∂²y/∂x². A `w` that does not reach `y` gets a zero constant of its shape. The gradients
    /// read by [`Var::grad`] are left as they were.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.scalar(2.0);
    /// let y = x.powi(3); // y = x³
    /// let dy = g.grad(y, &[x])[0]; // 3x² = 12
    /// let d2y = g.grad(dy, &[x])[0]; // 6x = 12
    /// assert_eq!((dy.item(), d2y.item()), (12.0, 12.0));
    /// ```
    ///
    /// # Panics
    /// When `y` is not one element, or a `Var` comes from another graph.
    #[track_caller]
    pub fn grad<'g>(&'g self, y: Var<'g, T>, wrt: &[Var<'g, T>]) -> Vec<Var<'g, T>> {
        self.check_own("grad", y);
        for &w in wrt {
            self.check_own("grad", w);
        }
        let mut tape = self.tape.borrow_mut();
        if !tape.records {
            inference_panic("grad");
        }
        let shape = tape.slots[y.id as usize].value.shape().to_vec();
        if shape.iter().product::<usize>() != 1 {
            not_one_element("grad", &shape);
        }
        let n = y.id as usize + 1;
        // wants[i]: node i depends on some w, so a gradient must flow through it.
        let mut wants = vec![false; n];
        for w in wrt {
            if (w.id as usize) < n {
                wants[w.id as usize] = true;
            }
        }
        for i in 0..n {
            if !wants[i] && tape.slots[i].requires() {
                wants[i] = tape.slots[i].args().iter().any(|&a| wants[a as usize]);
            }
        }
        let mut gmap: Vec<Option<NodeId>> = vec![None; n];
        let seed = tape.push_node(Op::Leaf, [NONE; 2], Tensor::ones(&shape), false);
        gmap[n - 1] = Some(seed);
        for id in (0..n).rev() {
            let Some(up) = gmap[id] else { continue };
            if !wants[id] || tape.slots[id].args().is_empty() {
                continue;
            }
            let op = tape.slots[id].op;
            let mut c = Recording {
                tape: &mut tape,
                gmap: &mut gmap,
                wants: &wants,
                id,
                up,
            };
            ops::rule(&op, &mut c);
        }
        wrt.iter()
            .map(|w| {
                let id = match gmap.get(w.id as usize).copied().flatten() {
                    Some(id) => id,
                    None => {
                        let zeros = Tensor::zeros(tape.slots[w.id as usize].value.shape());
                        tape.push_node(Op::Leaf, [NONE; 2], zeros, false)
                    }
                };
                Var { graph: self, id }
            })
            .collect()
    }

    /// Keeps an index list (of a gather or scatter node) in the tape's table; returns its
    /// position there.
    pub(crate) fn keep_index(&self, index: &[usize]) -> u32 {
        let mut tape = self.tape.borrow_mut();
        tape.indices.push(index.to_vec());
        (tape.indices.len() - 1) as u32
    }

    #[track_caller]
    pub(crate) fn check_own(&self, op: &str, v: Var<'_, T>) {
        if !std::ptr::eq(self, v.graph) {
            foreign_var(op, v.id);
        }
    }

    /// Records `op` on `args` (all of which must belong to this graph).
    #[track_caller]
    #[inline(always)]
    pub(crate) fn push<'g>(
        &'g self,
        op: impl Into<Op<T>>,
        args: &[Var<'g, T>],
        target: &[usize],
    ) -> Var<'g, T> {
        let op = op.into();
        for a in args {
            if !std::ptr::eq(self, a.graph) {
                // By value, so the fast path never writes `args` to memory.
                let at = |k: usize| args.get(k).map(|v| (v.graph as *const Self as usize, v.id));
                mixed_graphs(op.name(), [at(0), at(1)]);
            }
        }
        let ids = match *args {
            [a] => [a.id, NONE],
            [a, b] => [a.id, b.id],
            _ => unreachable!("a primitive takes one or two inputs"),
        };
        let mut tape = self.tape.borrow_mut();
        // The scalar fast path, taken before `op` goes anywhere: `op` is a constant at every
        // call site, so `ops::scalar` folds to the one kernel it names.
        // `requires` here, from the slots just read: both inputs of a binary op exist, so
        // it needs no `NONE` test, and `|` reads both flags with no branch (P2 −1.9% of
        // its instructions, and 5% faster timed in turns with `benches/minimal_tape.rs`).
        let (scalars, requires) = match *args {
            [a] => {
                let x = &tape.slots[a.id as usize];
                (x.value.as_scalar().map(|x| (x, T::ZERO)), x.requires())
            }
            [a, b] => {
                let (x, y) = (&tape.slots[a.id as usize], &tape.slots[b.id as usize]);
                let both = x.value.as_scalar().zip(y.value.as_scalar());
                (both, x.requires() | y.requires())
            }
            _ => (None, false),
        };
        let id = match scalars.and_then(|(x, y)| ops::scalar(&op, x, y)) {
            Some(v) => tape.push_node(op, ids, v, requires),
            None => {
                let id = tape.begin(op, ids);
                let value = tape.compute(id, target);
                tape.finish(id, value, requires)
            }
        };
        Var { graph: self, id }
    }
}

#[cold]
#[track_caller]
fn inference_panic(op: &str) -> ! {
    panic!("{op}: this graph was made with Graph::inference() and records no backward state")
}

#[cold]
#[track_caller]
fn foreign_var(op: &str, id: NodeId) -> ! {
    panic!("{op}: node {id} belongs to a different graph")
}

#[cold]
#[track_caller]
fn mixed_graphs(op: &str, args: [Option<(usize, NodeId)>; 2]) -> ! {
    let list: Vec<String> = args
        .iter()
        .flatten()
        .map(|(graph, id)| format!("node {id} of graph {graph:#x}"))
        .collect();
    panic!(
        "{op}: inputs come from different graphs ({})",
        list.join(", ")
    )
}

#[cold]
#[track_caller]
fn not_one_element(op: &str, shape: &[usize]) -> ! {
    panic!(
        "{op}: the output has shape {shape:?}, but {op} needs a one-element value \
         (reduce it first, for example with .sum() or .mean())"
    )
}

/// A handle to one node of a [`Graph`]: `Copy`, and tied to its graph by the lifetime `'g`.
///
/// Operators `+ - * /` and unary `-` combine two `Var`s (broadcasting as NumPy does), or a
/// `Var` and a plain number on either side.
#[derive(Clone, Copy)]
pub struct Var<'g, T: Float = f64> {
    pub(crate) graph: &'g Graph<T>,
    pub(crate) id: NodeId,
}

impl<'g, T: Float> Var<'g, T> {
    /// The node's position on its tape.
    pub fn id(self) -> usize {
        self.id as usize
    }

    /// The graph this node belongs to.
    pub fn graph(self) -> &'g Graph<T> {
        self.graph
    }

    /// A copy of the node's value.
    pub fn value(self) -> Tensor<T> {
        self.graph.tape.borrow().slots[self.id as usize]
            .value
            .clone()
    }

    /// The value of a one-element node.
    ///
    /// # Panics
    /// When the value is not exactly one element.
    #[track_caller]
    pub fn item(self) -> T {
        self.graph.tape.borrow().slots[self.id as usize]
            .value
            .item()
    }

    /// The shape of the node's value.
    pub fn shape(self) -> Vec<usize> {
        self.graph.tape.borrow().slots[self.id as usize]
            .value
            .shape()
            .to_vec()
    }

    /// ∂out/∂self from the last [`backward`](Var::backward) on this graph, with the shape of
    /// the value. Zeros when the node does not reach that output, or before any `backward`.
    #[inline]
    pub fn grad(self) -> Tensor<T> {
        let tape = self.graph.tape.borrow();
        match tape.grad_of(self.id as usize) {
            Some(g) => g,
            None => Tensor::zeros(tape.slots[self.id as usize].value.shape()),
        }
    }

    /// Gives the node a name, shown by traces and exports. Returns `self` for chaining:
    /// `let w5 = g.scalar(0.40).named("w5");`. A `&'static str` is stored without
    /// allocating, so naming nodes costs nothing in a training loop.
    #[inline(always)]
    pub fn named(self, name: impl Into<Cow<'static, str>>) -> Self {
        match name.into() {
            Cow::Borrowed(n) => self.push_literal(n),
            Cow::Owned(n) => self.push_name(Name::Owned(n)),
        }
    }

    /// [`named`](Var::named) with a name shared with its owner (a parameter table): no copy.
    #[inline]
    pub(crate) fn named_shared(self, name: &Arc<str>) -> Self {
        self.push_name(Name::Shared(Arc::clone(name)))
    }

    #[inline(always)]
    fn push_literal(self, name: &'static str) -> Self {
        let mut tape = self.graph.tape.borrow_mut();
        if tape.literals.capacity() == 0 {
            // One allocation each for a typical model's names, not five.
            tape.literals.reserve(32);
        }
        tape.literals.push((self.id, name));
        self
    }

    #[inline(never)]
    fn push_name(self, name: Name) -> Self {
        let mut tape = self.graph.tape.borrow_mut();
        let before = tape.literals.len();
        tape.names.push((self.id, before, name));
        self
    }

    /// The node's name: the one given with [`named`](Var::named), or the op and the node id
    /// (`"mul#7"`).
    pub fn name(self) -> String {
        self.graph.tape.borrow().label(self.id as usize)
    }

    /// Fills in the gradient of this one-element output with respect to every node before it.
    ///
    /// One reverse sweep over the tape. Each node's gradient is reset first, so calling it
    /// twice gives the same gradients, never doubled ones. The output's own gradient reads 1.
    ///
    /// A node whose gradient is zero (every element of it) sends nothing to its inputs. What
    /// it would send, 0 · ∂y/∂x, is zero wherever the partial derivative is finite, so
    /// skipping it changes nothing there but the sign of a zero. Where the partial is
    /// infinite (√x or ln x at 0), 0 · ∞ would be NaN, although the output does not change
    /// with that input at all; skipping it keeps the gradient finite. And a part of the graph
    /// the output multiplies by zero (a ReLU that is off, a hinge loss past its margin) costs
    /// nothing to differentiate. Two places still give the NaN (see `docs/conventions.md`):
    /// a tensor gradient that is zero in some elements only (the rules work on whole
    /// tensors), and [`Graph::grad`], which records every product, zero or not, because
    /// second derivatives need them.
    ///
    /// # Panics
    /// When the value is not exactly one element; the message shows its shape.
    #[track_caller]
    pub fn backward(self) {
        let mut guard = self.graph.tape.borrow_mut();
        let tape = &mut *guard;
        let out = self.id as usize;
        let value = &tape.slots[out].value;
        if !tape.records {
            inference_panic("backward");
        }
        if value.len() != 1 {
            not_one_element("backward", value.shape());
        }
        tape.grads.clear();
        tape.dense.clear();
        if tape.arrays == 0 {
            dense_backward(tape, out);
            return;
        }
        tape.grads.resize(out + 1, None);
        tape.grads[out] = Some(Tensor::ones(value.shape()));
        for id in (0..=out).rev() {
            let node = &tape.slots[id];
            if node.is_leaf() {
                continue; // a leaf
            }
            let Some(up) = &tape.grads[id] else { continue };
            // A zero gradient sends nothing. The scan stops at the first element that is not
            // zero, which for most gradients is the first.
            if up.data().iter().all(|&u| u == T::ZERO) {
                continue;
            }
            if let Some(up) = up.as_scalar() {
                // An input's id is below the node's own, so its gradient slot is below `id`.
                let grads = &mut tape.grads[..id];
                if Scalar::run(&tape.slots, grads, id, up) {
                    continue;
                }
            }
            tensor_step(tape, id);
        }
    }
}

/// [`Var::backward`] on a tape of scalars only: the gradients are plain numbers, each rule
/// runs on numbers in registers.
///
/// Every slot starts at exactly −0: adding to it needs no test (−0 + g is g, to the bit,
/// so the first gradient is stored as it is), and a slot still at −0 after the pass reads
/// as "no gradient" (zeros). A node whose gradient is zero when its turn comes sends
/// nothing, as in the general pass (see [`Var::backward`]). Constants' slots are written
/// too (filtering them costs more than it saves); `Tape::grad_of` reads them as zeros. A
/// leaf goes through the same dispatch as any node (its rule is empty): a test for leaves
/// first cost P2 2.7% more instructions.
#[inline(never)]
fn dense_backward<T: Float>(tape: &mut Tape<T>, out: usize) {
    tape.dense.resize(out + 1, -T::ZERO);
    // Slices of a known length, so the indexing in the loop needs no checks.
    let grads = &mut tape.dense[..=out];
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
        Scalar::run_dense(nodes, node, lo, up);
    }
}

/// One node of [`Var::backward`] through the tensor interpreter; out of line, so the loop
/// around it keeps its registers for the scalar path.
#[inline(never)]
fn tensor_step<T: Float>(tape: &mut Tape<T>, id: usize) {
    let mut c = Eager {
        nodes: &tape.slots[..tape.len],
        everything: false,
        grads: &mut tape.grads,
        scratch: &mut tape.scratch,
        indices: &tape.indices,
        id,
    };
    ops::rule(&tape.slots[id].op, &mut c);
    c.scratch.clear();
}

impl<T: Float> fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Var({}: {:?})", self.name(), self.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inference_graph_computes_values_and_keeps_no_history() {
        let g = Graph::<f64>::inference();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
        let y = (x * 3.0).tanh().sum();
        assert_eq!(y.item(), 3f64.tanh() + 6f64.tanh());
        let tape = g.tape.borrow();
        assert!(tape.nodes().iter().all(|n| n.args().is_empty()));
        assert!(tape.nodes().iter().all(|n| !n.requires()));
    }

    #[test]
    #[should_panic(expected = "backward: this graph was made with Graph::inference()")]
    fn backward_on_an_inference_graph_panics() {
        let g = Graph::<f64>::inference();
        g.scalar(2.0).powi(2).backward();
    }

    #[test]
    fn the_newest_name_wins_whatever_its_kind() {
        let g = Graph::<f64>::new();
        let x = g.scalar(1.0).named("a");
        assert_eq!(x.name(), "a");
        x.named(String::from("b"));
        assert_eq!(x.name(), "b");
        x.named("c");
        assert_eq!(x.name(), "c");
        x.named_shared(&Arc::from("d"));
        assert_eq!(x.name(), "d");
        let y = g.scalar(2.0);
        assert_eq!(y.name(), "leaf#1");
    }

    #[test]
    fn a_tape_always_has_its_next_slot() {
        let mut g = Graph::<f64>::new();
        let has_next = |g: &Graph<f64>| {
            let t = g.tape.borrow();
            t.len < t.slots.len()
        };
        assert!(has_next(&g));
        for round in 0..3 {
            // Across the first chunk (64 slots) and a 1,024-slot one, scalars and arrays.
            let mut x = g.scalar(0.5);
            for k in 0..1500 {
                x = if k % 500 == 499 {
                    g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap())
                        .sum()
                        * x
                } else {
                    x * 1.0001
                };
                assert!(has_next(&g), "round {round}, push {k}");
            }
            x.backward();
            assert_eq!(g.len(), 1 + 1500 + 3 * 2);
            g.clear();
            assert!(has_next(&g));
        }
    }

    #[test]
    fn clear_keeps_a_tape_in_inference_mode() {
        let mut g = Graph::<f32>::inference();
        g.scalar(1.0);
        g.clear();
        assert!(!g.records_gradients() && g.is_empty());
        // Every node still forgets its history, past the first slot chunk too.
        let x = g.scalar(2.0);
        let mut y = x;
        for _ in 0..100 {
            y = y * x;
        }
        let t = g.tape.borrow();
        assert!(t.nodes().iter().all(|n| n.is_leaf()));
        assert_eq!(t.nodes()[y.id as usize].value.item(), 2f32.powi(101));
    }
}
