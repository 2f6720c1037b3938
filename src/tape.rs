//! The storage behind a [`Graph`](crate::Graph): a list of nodes in the order they were
//! created, each holding its op, the ids of at most two inputs, and its value, computed
//! eagerly when the node is pushed. Gradients live beside the nodes, one per node, so every
//! node's gradient can be read after `backward`, leaves and intermediates alike. How they are
//! computed is in [`backward`](crate::backward).
//!
//! What keeps a scalar op cheap (a few dozen instructions to record, as many to
//! differentiate):
//! - **Slots:** clearing a tape keeps its node slots, and a push overwrites the next slot field
//!   by field. Nothing is built on the stack and copied over, which on this kind of CPU stalls
//!   store forwarding (8-byte writes read back as 16-byte loads) and costs more than all the
//!   rest of a push. The next slot always exists (more are made after the push that uses the
//!   last one), so nothing between computing a value and storing it can return, and the
//!   value goes from a register straight into its node.
//! - **Scalar gradients:** a tape holding no arrays (`Tape::arrays == 0`) is differentiated
//!   with plain numbers as gradients (`Tape::scalar_grads`), each rule inlined on values in
//!   registers.
//! - Ops are `Copy` (index lists live in a side table) and literal names are one plain list,
//!   so a scalar tape clears without visiting its nodes.

use crate::float::Float;
use crate::ops::{self, Op};
use crate::tensor::Tensor;
use std::panic::Location;
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
    /// −0 for "none" (see `backward::scalar::scalar_pass`). Read both through [`Tape::grad_of`].
    pub(crate) scalar_grads: Vec<T>,
    /// How many nodes hold an array (anything but a rank-0 value); 0 selects the scalar pass.
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
    /// stalled it; two lists, ids and strings, would add a second push per name.)
    pub(crate) literals: Vec<(NodeId, &'static str)>,
    /// Other names, each with the number of literal names given before it (to tell which of
    /// two names of one node is the newer).
    pub(crate) names: Vec<(NodeId, usize, Name)>,
    /// The index lists of gather and scatter nodes; their ops hold positions in it.
    pub(crate) indices: Vec<Vec<usize>>,
    /// False on a [`Graph::inference`] tape: nodes keep their values and nothing else.
    pub(crate) records: bool,
    /// What only some tapes use (hooks, source lines); `None` on most, so the common path
    /// pays one test.
    pub(crate) extras: Option<Box<Extras<T>>>,
    /// The custom ops on the tape; their nodes hold positions in this table.
    pub(crate) customs: Vec<Arc<dyn crate::custom::CustomOp<T>>>,
}

/// A gradient hook: reads a node's complete gradient and may return a replacement.
pub(crate) type Hook<T> = Box<dyn FnMut(&Tensor<T>) -> Option<Tensor<T>>>;

/// The parts of a tape that only some graphs use.
pub(crate) struct Extras<T: Float> {
    /// Gradient hooks, in the order they were added ([`Var::on_grad`](crate::Var::on_grad)).
    pub(crate) hooks: Vec<(NodeId, Hook<T>)>,
    /// In checked mode ([`Graph::checked`](crate::Graph::checked)), the caller's source line
    /// of each node, indexed by id (nodes recorded by a backward pass have none).
    pub(crate) locations: Option<Vec<(NodeId, &'static Location<'static>)>>,
}

impl<T: Float> Extras<T> {
    /// Empties the lists and keeps the mode.
    fn clear(&mut self) {
        self.hooks.clear();
        if let Some(l) = &mut self.locations {
            l.clear();
        }
    }

    /// The source line where node `id` was recorded, if known.
    pub(crate) fn location(&self, id: NodeId) -> Option<&'static Location<'static>> {
        let l = self.locations.as_ref()?;
        l.iter().rev().find(|(i, _)| *i == id).map(|(_, loc)| *loc)
    }
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
            scalar_grads: Vec::new(),
            arrays: 0,
            scratch: Vec::new(),
            literals: Vec::new(),
            names: Vec::new(),
            indices: Vec::new(),
            records: true,
            extras: None,
            customs: Vec::new(),
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
        self.scalar_grads.clear();
        self.arrays = 0;
        self.scratch.clear();
        self.literals.clear();
        self.names.clear();
        self.indices.clear();
        self.customs.clear();
        if let Some(e) = &mut self.extras {
            e.clear();
        }
    }

    /// The tape's extras, made on first use.
    pub(crate) fn extras(&mut self) -> &mut Extras<T> {
        self.extras.get_or_insert_with(|| {
            Box::new(Extras {
                hooks: Vec::new(),
                locations: None,
            })
        })
    }

    /// In checked mode, notes the caller's line for node `id`.
    #[inline(always)]
    pub(crate) fn locate(&mut self, id: NodeId, at: &'static Location<'static>) {
        if let Some(e) = &mut self.extras
            && let Some(l) = &mut e.locations
        {
            l.push((id, at));
        }
    }

    pub(crate) fn new() -> Self {
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

    /// Node `id`.
    #[inline(always)]
    pub(crate) fn node(&self, id: usize) -> &Node<T> {
        &self.slots[id]
    }

    /// Node `id`'s value.
    #[inline(always)]
    pub(crate) fn value(&self, id: usize) -> &Tensor<T> {
        &self.slots[id].value
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
            // The scalar pass writes constants' slots too; they read as zeros.
            None if !self.slots[id].requires() => None,
            None => self
                .scalar_grads
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
            None => format!("{}#{id}", self.op_name(id)),
        }
    }

    /// The name of node `id`'s op: a custom op's own name, else the primitive's.
    pub(crate) fn op_name(&self, id: usize) -> &'static str {
        match self.slots[id].op {
            Op::Custom(c) => self.customs[c.index as usize].name(),
            op => op.name(),
        }
    }

    /// Whether `backward` may take the scalar pass: every value is a scalar, and no hook or
    /// custom op needs the general one.
    pub(crate) fn all_scalars(&self) -> bool {
        self.arrays == 0
            && self.customs.is_empty()
            && self.extras.as_ref().is_none_or(|e| e.hooks.is_empty())
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
