//! A minimal scalar-only tape, a baseline for scale: an enum of ops, the
//! values and the gradients in `Vec<f64>`s, behind a `RefCell` (as any safe API of `Copy`
//! handles with operators needs). A baseline for P1, P2 and P4, timed in the same run as
//! tapegrad's tape on the same nodes: what recording and a reverse sweep cost on this machine
//! when the tape does nothing else.
//!
//! Against tapegrad it has no tensors, no names, no graph check on binary ops, no
//! `requires` flags (constants get gradients too), no higher-order gradients, no skipping of
//! the nodes the output does not reach (every node's rule runs, on a zero upstream if need
//! be), and no panics with messages: a wrong id is an index panic.
//!
//! Each bench uses the ops it needs, so some are unused in each.
#![allow(dead_code)]

use std::cell::RefCell;
use std::ops::{Add, Div, Mul, Sub};

/// One operation and the ids of its inputs (and its constant, for scale and shift).
#[derive(Clone, Copy)]
enum Op {
    Leaf,
    Add(u32, u32),
    Mul(u32, u32),
    /// c · x
    Scale(u32, f64),
    /// x + c
    Shift(u32, f64),
    Tanh(u32),
    /// 1 for x > 0, else 0; no gradient.
    Step(u32),
    /// xⁿ
    Powi(u32, i32),
}

#[derive(Default)]
struct Nodes {
    ops: Vec<Op>,
    values: Vec<f64>,
    grads: Vec<f64>,
}

/// The tape. `clear` keeps the memory, so a reused tape allocates nothing in steady state.
#[derive(Default)]
pub struct Tape {
    nodes: RefCell<Nodes>,
}

/// A handle to one node.
#[derive(Clone, Copy)]
pub struct V<'t> {
    tape: &'t Tape,
    id: u32,
}

impl Tape {
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes every node and keeps the memory.
    pub fn clear(&mut self) {
        let n = self.nodes.get_mut();
        n.ops.clear();
        n.values.clear();
    }

    pub fn len(&self) -> usize {
        self.nodes.borrow().values.len()
    }

    /// A leaf (a variable: every node gets a gradient here).
    #[inline]
    pub fn scalar(&self, x: f64) -> V<'_> {
        self.push(Op::Leaf, x)
    }

    #[inline]
    fn push(&self, op: Op, value: f64) -> V<'_> {
        let mut n = self.nodes.borrow_mut();
        let id = n.values.len() as u32;
        n.ops.push(op);
        n.values.push(value);
        V { tape: self, id }
    }
}

impl<'t> V<'t> {
    #[inline]
    pub fn item(self) -> f64 {
        self.tape.nodes.borrow().values[self.id as usize]
    }

    /// ∂out/∂self from the last `backward`.
    pub fn grad(self) -> f64 {
        self.tape.nodes.borrow().grads[self.id as usize]
    }

    #[inline]
    fn unary(self, op: Op, f: impl Fn(f64) -> f64) -> Self {
        let x = self.item();
        self.tape.push(op, f(x))
    }

    #[inline]
    pub fn scale(self, c: f64) -> Self {
        self.unary(Op::Scale(self.id, c), |x| c * x)
    }

    #[inline]
    pub fn shift(self, c: f64) -> Self {
        self.unary(Op::Shift(self.id, c), |x| x + c)
    }

    #[inline]
    pub fn tanh(self) -> Self {
        self.unary(Op::Tanh(self.id), f64::tanh)
    }

    #[inline]
    pub fn step(self) -> Self {
        self.unary(Op::Step(self.id), |x| if x > 0.0 { 1.0 } else { 0.0 })
    }

    #[inline]
    pub fn powi(self, n: i32) -> Self {
        self.unary(Op::Powi(self.id, n), |x| x.powi(n))
    }

    /// x · step(x): two nodes, as tapegrad builds it.
    #[inline]
    pub fn relu(self) -> Self {
        self * self.step()
    }

    /// σ(x) = (1 + tanh(x/2)) / 2: four nodes.
    #[inline]
    pub fn sigmoid(self) -> Self {
        self.scale(0.5).tanh().scale(0.5).shift(0.5)
    }

    /// Fills in every node's gradient of this output: one reverse sweep over all of them.
    pub fn backward(self) {
        let mut guard = self.tape.nodes.borrow_mut();
        let n = &mut *guard;
        let len = self.id as usize + 1;
        n.grads.clear();
        n.grads.resize(len, 0.0);
        n.grads[len - 1] = 1.0;
        let (ops, values, grads) = (&n.ops[..len], &n.values[..len], &mut n.grads[..len]);
        for id in (0..len).rev() {
            let g = grads[id];
            match ops[id] {
                Op::Leaf | Op::Step(_) => {}
                Op::Add(a, b) => {
                    grads[a as usize] += g;
                    grads[b as usize] += g;
                }
                Op::Mul(a, b) => {
                    let (x, y) = (values[a as usize], values[b as usize]);
                    grads[a as usize] += g * y;
                    grads[b as usize] += g * x;
                }
                Op::Scale(a, c) => grads[a as usize] += g * c,
                Op::Shift(a, _) => grads[a as usize] += g,
                Op::Tanh(a) => grads[a as usize] += g * (1.0 - values[id] * values[id]),
                Op::Powi(a, k) => {
                    grads[a as usize] += g * k as f64 * values[a as usize].powi(k - 1);
                }
            }
        }
    }
}

impl<'t> Add for V<'t> {
    type Output = Self;
    #[inline]
    fn add(self, o: Self) -> Self {
        let v = self.item() + o.item();
        self.tape.push(Op::Add(self.id, o.id), v)
    }
}

impl<'t> Mul for V<'t> {
    type Output = Self;
    #[inline]
    fn mul(self, o: Self) -> Self {
        let v = self.item() * o.item();
        self.tape.push(Op::Mul(self.id, o.id), v)
    }
}

impl<'t> Add<f64> for V<'t> {
    type Output = Self;
    #[inline]
    fn add(self, c: f64) -> Self {
        self.shift(c)
    }
}

impl<'t> Mul<f64> for V<'t> {
    type Output = Self;
    #[inline]
    fn mul(self, c: f64) -> Self {
        self.scale(c)
    }
}

impl<'t> Mul<V<'t>> for f64 {
    type Output = V<'t>;
    #[inline]
    fn mul(self, v: V<'t>) -> V<'t> {
        v.scale(self)
    }
}

impl<'t> Div<f64> for V<'t> {
    type Output = Self;
    #[inline]
    fn div(self, c: f64) -> Self {
        self.scale(1.0 / c)
    }
}

/// c − x as −x + c: two nodes, as tapegrad builds it.
impl<'t> Sub<V<'t>> for f64 {
    type Output = V<'t>;
    #[inline]
    fn sub(self, v: V<'t>) -> V<'t> {
        v.scale(-1.0).shift(self)
    }
}
