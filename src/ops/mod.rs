//! The primitives: one file each, holding the forward kernel, the backward rule (written once,
//! against [`Chain`]), the `Var` method that records it, and its tests.
//!
//! Everything else in the crate (sigmoid, softmax, losses, layers) is composed from these and
//! carries no derivative code. The set:
//!
//! | kind | primitives |
//! |---|---|
//! | broadcasting binary | `add`, `sub`, `mul`, `div` |
//! | with a constant | `scale` (c·x), `shift` (x + c) |
//! | elementwise | `exp`, `ln`, `ln_1p`, `tanh`, `sqrt`, `abs`, `powi`, `powf` |
//! | zero gradient | `sign`, `step`, `hardmax`, `detach` |
//! | linear algebra | `matmul` (transposes as strides), `transpose` |
//! | shape | `reshape`, `sum_to`, `broadcast_to` |
//! | reductions | `sum_to` (sum, sum along axes), `max` along an axis |
//! | indexing | `gather` (one entry per row), `scatter` (its adjoint) |

use crate::chain::Chain;
use crate::float::Float;
use crate::shape::{broadcast_shape, zip};
use crate::tensor::Tensor;

mod abs;
mod add;
mod broadcast_to;
mod detach;
pub(crate) mod div;
mod exp;
mod gather;
mod hardmax;
mod ln;
mod ln_1p;
mod matmul;
mod max;
pub(crate) mod mul;
mod powf;
mod powi;
mod reshape;
pub(crate) mod scale;
mod scatter;
pub(crate) mod shift;
mod sign;
mod sqrt;
mod step;
mod sub;
mod sum_to;
mod tanh;
mod transpose;

#[cfg(test)]
pub(crate) mod testing;

/// A recorded operation. Payloads are the op's parameters; a target shape, where one is
/// needed, is the shape of the node's own value and is not stored twice. An index list
/// (gather, scatter) lives in the tape's side table and the op holds its position there, so
/// an `Op` is `Copy`: a node has nothing to drop but its value, and a scalar tape clears in
/// one pass of tag checks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op<T> {
    /// A leaf: a variable or a constant.
    Leaf,
    Add,
    Sub,
    Mul,
    Div,
    Scale(T),
    Shift(T),
    Exp,
    Ln,
    Ln1p,
    Tanh,
    Sqrt,
    Abs,
    Sign,
    Step,
    PowI(i32),
    PowF(T),
    MatMul {
        ta: bool,
        tb: bool,
    },
    Transpose,
    Reshape,
    SumTo,
    BroadcastTo,
    Max(u32),
    Hardmax(u32),
    /// `index` is a position in the tape's table of index lists.
    Gather {
        axis: u32,
        index: u32,
    },
    /// `index` is a position in the tape's table of index lists.
    Scatter {
        axis: u32,
        index: u32,
    },
    Detach,
}

impl<T> Op<T> {
    /// The op's name, as used in messages and exports.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::Leaf => "leaf",
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
            Op::Scale(_) => "scale",
            Op::Shift(_) => "shift",
            Op::Exp => "exp",
            Op::Ln => "ln",
            Op::Ln1p => "ln_1p",
            Op::Tanh => "tanh",
            Op::Sqrt => "sqrt",
            Op::Abs => "abs",
            Op::Sign => "sign",
            Op::Step => "step",
            Op::PowI(_) => "powi",
            Op::PowF(_) => "powf",
            Op::MatMul { .. } => "matmul",
            Op::Transpose => "transpose",
            Op::Reshape => "reshape",
            Op::SumTo => "sum_to",
            Op::BroadcastTo => "broadcast_to",
            Op::Max(_) => "max",
            Op::Hardmax(_) => "hardmax",
            Op::Gather { .. } => "gather",
            Op::Scatter { .. } => "scatter",
            Op::Detach => "detach",
        }
    }
}

/// The scalar fast path: an elementwise `op` on rank-0 inputs `x` (and `y` for the binary
/// ones), with no shapes, no broadcasting and no allocation. It calls the same per-element
/// kernel (`at`) as the op's tensor forward, so both paths round identically. `None` for ops
/// that are not elementwise.
#[inline(always)]
pub(crate) fn scalar<T: Float>(op: &Op<T>, x: T, y: T) -> Option<T> {
    Some(match op {
        Op::Add => add::at(x, y),
        Op::Sub => sub::at(x, y),
        Op::Mul => mul::at(x, y),
        Op::Div => div::at(x, y),
        Op::Scale(c) => scale::at(x, *c),
        Op::Shift(c) => shift::at(x, *c),
        Op::Exp => exp::at(x),
        Op::Ln => ln::at(x),
        Op::Ln1p => ln_1p::at(x),
        Op::Tanh => tanh::at(x),
        Op::Sqrt => sqrt::at(x),
        Op::Abs => abs::at(x),
        Op::Sign => sign::at(x),
        Op::Step => step::at(x),
        Op::PowI(n) => powi::at(x, *n),
        Op::PowF(p) => powf::at(x, *p),
        Op::Detach => x,
        _ => return None,
    })
}

/// Computes `op` on input values. `target` is the output shape for the shape-changing ops;
/// `indices` is the tape's table of index lists (gather, scatter). Rank-0 inputs of an
/// elementwise op take the scalar fast path.
#[inline(always)]
#[track_caller]
pub(crate) fn forward<T: Float>(
    op: &Op<T>,
    x: &[&Tensor<T>],
    target: &[usize],
    indices: &[Vec<usize>],
) -> Tensor<T> {
    let fast = match x {
        [a] => a.as_scalar().map(|a| (a, T::ZERO)),
        [a, b] => a.as_scalar().zip(b.as_scalar()),
        _ => None,
    };
    if let Some(y) = fast.and_then(|(a, b)| scalar(op, a, b)) {
        return Tensor::scalar(y);
    }
    kernel(op, x, target, indices)
}

/// The tensor kernels, one per primitive.
#[inline(never)]
#[track_caller]
fn kernel<T: Float>(
    op: &Op<T>,
    x: &[&Tensor<T>],
    target: &[usize],
    indices: &[Vec<usize>],
) -> Tensor<T> {
    match op {
        Op::Leaf => unreachable!("leaves are pushed with their value"),
        Op::Add => add::forward(x[0], x[1]),
        Op::Sub => sub::forward(x[0], x[1]),
        Op::Mul => mul::forward(x[0], x[1]),
        Op::Div => div::forward(x[0], x[1]),
        Op::Scale(c) => scale::forward(x[0], *c),
        Op::Shift(c) => shift::forward(x[0], *c),
        Op::Exp => exp::forward(x[0]),
        Op::Ln => ln::forward(x[0]),
        Op::Ln1p => ln_1p::forward(x[0]),
        Op::Tanh => tanh::forward(x[0]),
        Op::Sqrt => sqrt::forward(x[0]),
        Op::Abs => abs::forward(x[0]),
        Op::Sign => sign::forward(x[0]),
        Op::Step => step::forward(x[0]),
        Op::PowI(n) => powi::forward(x[0], *n),
        Op::PowF(p) => powf::forward(x[0], *p),
        Op::MatMul { ta, tb } => matmul::forward(x[0], *ta, x[1], *tb),
        Op::Transpose => transpose::forward(x[0]),
        Op::Reshape => reshape::forward(x[0], target),
        Op::SumTo => sum_to::forward(x[0], target),
        Op::BroadcastTo => broadcast_to::forward(x[0], target),
        Op::Max(axis) => max::forward(x[0], *axis as usize),
        Op::Hardmax(axis) => hardmax::forward(x[0], *axis as usize),
        Op::Gather { axis, index } => {
            gather::forward(x[0], *axis as usize, &indices[*index as usize])
        }
        Op::Scatter { axis, index } => {
            scatter::forward(x[0], *axis as usize, &indices[*index as usize], target)
        }
        Op::Detach => x[0].clone(),
    }
}

/// Runs `op`'s backward rule in the interpreter `c`.
#[inline(always)]
pub(crate) fn backward<T: Float, C: Chain<T>>(op: &Op<T>, c: &mut C) {
    rule(op, c)
}

/// The dispatch behind [`backward`], inlined into the caller: the scalar interpreter uses it
/// directly, so each rule is compiled against plain numbers held in registers.
#[inline(always)]
pub(crate) fn rule<T: Float, C: Chain<T>>(op: &Op<T>, c: &mut C) {
    match op {
        Op::Leaf => {}
        Op::Add => add::backward(c),
        Op::Sub => sub::backward(c),
        Op::Mul => mul::backward(c),
        Op::Div => div::backward(c),
        Op::Scale(k) => scale::backward(c, *k),
        Op::Shift(_) => shift::backward(c),
        Op::Exp => exp::backward(c),
        Op::Ln => ln::backward(c),
        Op::Ln1p => ln_1p::backward(c),
        Op::Tanh => tanh::backward(c),
        Op::Sqrt => sqrt::backward(c),
        Op::Abs => abs::backward(c),
        Op::PowI(n) => powi::backward(c, *n),
        Op::PowF(p) => powf::backward(c, *p),
        Op::MatMul { ta, tb } => matmul::backward(c, *ta, *tb),
        Op::Transpose => transpose::backward(c),
        Op::Reshape => reshape::backward(c),
        Op::SumTo => sum_to::backward(c),
        Op::BroadcastTo => broadcast_to::backward(c),
        Op::Max(axis) => max::backward(c, *axis as usize),
        Op::Gather { axis, index } => gather::backward(c, *axis, *index),
        Op::Scatter { axis, index } => scatter::backward(c, *axis, *index),
        // Piecewise constant, or a stop-gradient: nothing flows back.
        Op::Sign | Op::Step | Op::Hardmax(_) | Op::Detach => {}
    }
}

/// `f` elementwise under broadcasting, or a panic naming `op` and both shapes.
#[track_caller]
pub(crate) fn binary<T: Float>(
    op: &str,
    a: &Tensor<T>,
    b: &Tensor<T>,
    f: impl Fn(T, T) -> T,
) -> Tensor<T> {
    match broadcast_shape(a.shape(), b.shape()) {
        Some(out) => zip(a, b, &out, f),
        None => shape_panic(op, a.shape(), b.shape()),
    }
}

#[cold]
#[track_caller]
fn shape_panic(op: &str, a: &[usize], b: &[usize]) -> ! {
    panic!(
        "{op}: shapes {a:?} and {b:?} do not broadcast (NumPy rules: trailing axes must be equal or 1)"
    )
}

/// Panics unless `axis` is an axis of `shape`.
#[track_caller]
pub(crate) fn check_axis(op: &str, axis: usize, shape: &[usize]) {
    if axis >= shape.len() {
        axis_panic(op, axis, shape);
    }
}

#[cold]
#[track_caller]
fn axis_panic(op: &str, axis: usize, shape: &[usize]) -> ! {
    panic!(
        "{op}: axis {axis} is out of range for shape {shape:?} ({} axes)",
        shape.len()
    )
}

/// Splits `shape` around `axis` into (product before, length, product after).
pub(crate) fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let pre = shape[..axis].iter().product();
    let post = shape[axis + 1..].iter().product();
    (pre, shape[axis], post)
}

/// The shape of `v`'s value, held inline (no allocation, unlike [`Var::shape`]'s `Vec`), for
/// the argument checks of the `Var` methods.
pub(crate) fn shape_of<T: Float>(v: crate::graph::Var<'_, T>) -> crate::shape::Shape {
    crate::shape::Shape::from_slice(v.graph.tape.borrow().slots[v.id as usize].value.shape())
}

/// `shape` with `axis` set to length 1.
pub(crate) fn keepdim(shape: &[usize], axis: usize) -> crate::shape::Shape {
    let mut s = crate::shape::Shape::from_slice(shape);
    s[axis] = 1;
    s
}
