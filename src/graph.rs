//! The public face of the tape: [`Graph`] records every operation as a node; [`Var`] is a
//! `Copy` handle to one node. The storage is in [`tape`](crate::tape) and the backward passes
//! in [`backward`](crate::backward).

use crate::float::Float;
use crate::ops::{self, Op};
use crate::tape::{NONE, Name, NodeId, Tape};
use crate::tape_cache;
use crate::tensor::Tensor;
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

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
    /// one (see `tape_cache.rs`), else fresh ones with room for 64 nodes.
    fn default() -> Self {
        let tape = tape_cache::take().unwrap_or_else(Tape::new);
        Graph {
            tape: RefCell::new(tape),
        }
    }
}

impl<T: Float> Drop for Graph<T> {
    /// Hands a small tape's buffers to the next graph made on this thread.
    fn drop(&mut self) {
        tape_cache::keep(self.tape.get_mut());
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
    #[track_caller]
    pub fn scalar(&self, x: T) -> Var<'_, T> {
        self.leaf(x, true)
    }

    /// A variable leaf holding `t`. Its gradient is filled by `backward`.
    #[track_caller]
    pub fn tensor(&self, t: Tensor<T>) -> Var<'_, T> {
        self.leaf(t, true)
    }

    /// A constant leaf: no gradient flows into it (its `grad()` reads zeros), and no work is
    /// spent computing one. Use it for data: inputs, targets, masks. A plain number works
    /// too: `g.constant(2.0)` is a rank-0 constant.
    #[track_caller]
    pub fn constant(&self, t: impl Into<Tensor<T>>) -> Var<'_, T> {
        self.leaf(t, false)
    }

    #[inline(always)]
    #[track_caller]
    fn leaf(&self, t: impl Into<Tensor<T>>, requires: bool) -> Var<'_, T> {
        let mut tape = self.tape.borrow_mut();
        let id = tape.push_node(Op::Leaf, [NONE; 2], t, requires);
        tape.locate(id, std::panic::Location::caller());
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
    pub(crate) fn push<'g, P: ops::Primitive<T>>(
        &'g self,
        prim: P,
        args: &[Var<'g, T>],
        target: &[usize],
    ) -> Var<'g, T> {
        for a in args {
            if !std::ptr::eq(self, a.graph) {
                // By value, so the fast path never writes `args` to memory.
                let at = |k: usize| args.get(k).map(|v| (v.graph as *const Self as usize, v.id));
                mixed_graphs(P::NAME, [at(0), at(1)]);
            }
        }
        let ids = match *args {
            [a] => [a.id, NONE],
            [a, b] => [a.id, b.id],
            _ => unreachable!("a primitive takes one or two inputs"),
        };
        let mut tape = self.tape.borrow_mut();
        // The scalar fast path, taken before `op` goes anywhere: the primitive's own `scalar`,
        // called on its type, so no dispatch over the op list stands between a push and its
        // kernel however long the list grows.
        // `requires` here, from the slots just read: both inputs of a binary op exist, so
        // it needs no `NONE` test, and `|` reads both flags with no branch.
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
        let id = match scalars.and_then(|(x, y)| prim.scalar(x, y)) {
            Some(v) => tape.push_node(prim.into(), ids, v, requires),
            None => {
                let id = tape.begin(prim.into(), ids);
                let value = tape.compute(id, target);
                tape.finish(id, value, requires)
            }
        };
        tape.locate(id, std::panic::Location::caller());
        Var { graph: self, id }
    }
}

#[cold]
#[track_caller]
pub(crate) fn inference_panic(op: &str) -> ! {
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
pub(crate) fn not_one_element(op: &str, shape: &[usize]) -> ! {
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
        self.graph.tape.borrow().value(self.id as usize).clone()
    }

    /// The value of a one-element node.
    ///
    /// # Panics
    /// When the value is not exactly one element.
    #[track_caller]
    pub fn item(self) -> T {
        self.graph.tape.borrow().value(self.id as usize).item()
    }

    /// The shape of the node's value.
    pub fn shape(self) -> Vec<usize> {
        self.graph
            .tape
            .borrow()
            .value(self.id as usize)
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
            None => Tensor::zeros(tape.value(self.id as usize).shape()),
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
            y *= x;
        }
        let t = g.tape.borrow();
        assert!(t.nodes().iter().all(|n| n.is_leaf()));
        assert_eq!(t.nodes()[y.id as usize].value.item(), 2f32.powi(101));
    }
}
