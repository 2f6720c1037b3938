//! The primitives: one file each, holding the forward kernel, the backward rule (written once,
//! against [`Chain`]), the `Var` method that records it, and its tests.
//!
//! Everything else in the crate (sigmoid, softmax, losses, layers) is composed from these and
//! carries no derivative code. The public table of primitives and their derivatives is
//! `docs/primitives.md` (the crate's `primitives` docs page); a test checks that it names
//! every op of the list below.
//!
//! Adding a primitive: write `src/ops/<name>.rs` with a struct that implements [`Primitive`]
//! (its name, scalar fast path, tensor kernel and backward rule) and the `Var` method that
//! records it, then add one line to the `primitives!` list. The macro declares the module, so
//! `cargo fmt` does not see these files: `.ci/run` checks them with `rustfmt` directly.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::shape::{broadcast_shape, zip};
use crate::tensor::Tensor;

/// What every primitive provides, in its own file: the struct the tape records (holding the
/// op's parameters, if any) and its rules.
///
/// `scalar` has no default on purpose: an op that is not elementwise says `None` in its own
/// file, so forgetting the scalar fast path is a compile error rather than a silent slowdown.
pub(crate) trait Primitive<T: Float>: Copy + Into<Op<T>> {
    /// The op's name in messages, traces and exports.
    const NAME: &'static str;
    /// The op on rank-0 inputs as plain numbers (`y` is 0 for a unary op), or `None` when it
    /// is not elementwise. It must round exactly as [`forward`](Primitive::forward) does.
    fn scalar(self, x: T, y: T) -> Option<T>;
    /// The tensor kernel. `target` is the output shape for the shape-changing ops; `indices`
    /// is the tape's table of index lists (gather, scatter).
    fn forward(self, x: &[&Tensor<T>], target: &[usize], indices: &[Vec<usize>]) -> Tensor<T>;
    /// The backward rule, written once against [`Chain`]: it serves `backward`'s
    /// interpreters and the recording one behind `Graph::grad`.
    fn backward(self, c: &mut impl Chain<T>);
    /// The tangent rule (forward mode), written once against [`Tangent`]: the node's tangent
    /// from its inputs' tangents, ṫ = Σₖ ∂out/∂xₖ · ẋₖ. It serves `jvp` and the recorded
    /// tangents behind `Graph::tangent`.
    fn tangent(self, c: &mut impl Tangent<T>);
    /// The label in exports (`dot`): the name, with the parameters where there are any.
    fn label(self) -> String {
        Self::NAME.to_string()
    }
}

/// The one list of primitives. Each line names an op file and the struct it records; the
/// macro declares the module, the [`Op`] variant, the conversion into `Op`, and the
/// dispatch of every rule. Adding a primitive is its file plus one line here.
macro_rules! primitives {
    ($($module:ident :: $name:ident $(<$t:ident>)?,)*) => {
        $(pub(crate) mod $module;)*
        // The structs, for code that records ops by name (`ops::Mul`); not every one is.
        $(#[allow(unused_imports)] pub(crate) use $module::$name;)*

        /// A recorded operation: a leaf, or one primitive with its parameters. Index lists
        /// live in the tape's side table (the op holds a position there), so an `Op` is
        /// `Copy`: a node has nothing to drop but its value, and a scalar tape clears in one
        /// pass of tag checks.
        #[derive(Clone, Copy, Debug)]
        pub(crate) enum Op<T> {
            /// A leaf: a variable or a constant.
            Leaf,
            $($name($module::$name $(<$t>)?),)*
        }

        $(impl<T: Float> From<$module::$name $(<$t>)?> for Op<T> {
            #[inline(always)]
            fn from(op: $module::$name $(<$t>)?) -> Self {
                Op::$name(op)
            }
        })*

        /// The name of every primitive, in the order of the list.
        #[cfg(test)]
        pub(crate) const NAMES: &[&str] = &[$(stringify!($module)),*];

        impl<T: Float> Op<T> {
            /// The op's name, as used in messages and exports.
            pub(crate) fn name(&self) -> &'static str {
                match self {
                    Op::Leaf => "leaf",
                    $(Op::$name(_) => <$module::$name $(<$t>)? as Primitive<T>>::NAME,)*
                }
            }

            /// The label in exports: the name with the op's parameters.
            pub(crate) fn label(&self) -> String {
                match *self {
                    Op::Leaf => "leaf".into(),
                    $(Op::$name(op) => Primitive::<T>::label(op),)*
                }
            }
        }

        /// The scalar fast path: an elementwise `op` on rank-0 inputs `x` (and `y` for the
        /// binary ones), with no shapes, no broadcasting and no allocation. `None` for ops
        /// that are not elementwise.
        #[inline(always)]
        pub(crate) fn scalar<T: Float>(op: &Op<T>, x: T, y: T) -> Option<T> {
            match *op {
                Op::Leaf => None,
                $(Op::$name(op) => op.scalar(x, y),)*
            }
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
            match *op {
                Op::Leaf => unreachable!("leaves are pushed with their value"),
                $(Op::$name(op) => op.forward(x, target, indices),)*
            }
        }

        /// Runs `op`'s tangent rule in the forward interpreter `c`.
        #[inline(always)]
        pub(crate) fn tangent_rule<T: Float, C: Tangent<T>>(op: &Op<T>, c: &mut C) {
            match *op {
                Op::Leaf => {}
                $(Op::$name(op) => op.tangent(c),)*
            }
        }

        /// Runs `op`'s backward rule in the interpreter `c`, inlined into the caller: the
        /// scalar interpreter compiles each rule against plain numbers held in registers.
        #[inline(always)]
        pub(crate) fn rule<T: Float, C: Chain<T>>(op: &Op<T>, c: &mut C) {
            match *op {
                Op::Leaf => {}
                $(Op::$name(op) => op.backward(c),)*
            }
        }
    };
}

primitives! {
    add::Add,
    sub::Sub,
    mul::Mul,
    div::Div,
    scale::Scale<T>,
    shift::Shift<T>,
    exp::Exp,
    ln::Ln,
    ln_1p::Ln1p,
    tanh::Tanh,
    sqrt::Sqrt,
    abs::Abs,
    sign::Sign,
    step::Step,
    powi::PowI,
    powf::PowF<T>,
    matmul::MatMul,
    transpose::Transpose,
    reshape::Reshape,
    sum_to::SumTo,
    broadcast_to::BroadcastTo,
    max::Max,
    hardmax::Hardmax,
    gather::Gather,
    scatter::Scatter,
    detach::Detach,
    custom::Custom,
    // Shape and reduction primitives (issue 18, helper "shape").
    narrow::Narrow,
    pad::Pad,
    cat::Cat,
    permute::Permute,
    index_select::IndexSelect,
    index_add::IndexAdd,
    bmm::BatchMatMul,
    // Issue 18, elementwise (helper "elem"): trig, erf, rounding, tensor pow, piecewise.
    sin::Sin,
    cos::Cos,
    tan::Tan,
    atan::Atan,
    erf::Erf,
    floor::Floor,
    ceil::Ceil,
    round::Round,
    pow::Pow,
    masked::Masked,
    compare::Compare,
    maximum::Maximum,
    minimum::Minimum,
    clamp_min::ClampMin<T>,
    clamp_max::ClampMax<T>,
    // Convolution and pooling (helper "conv").
    conv2d::Conv2d,
    conv_transpose2d::ConvTranspose2d,
    conv2d_weight::Conv2dWeight,
    max_pool2d::MaxPool2d,
    max_unpool2d::MaxUnpool2d,
}

#[cfg(test)]
pub(crate) mod testing;

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

/// `f` elementwise under broadcasting, or a panic naming `op` and both shapes.
#[track_caller]
pub(crate) fn binary<T: Float>(
    op: &str,
    a: &Tensor<T>,
    b: &Tensor<T>,
    f: impl Fn(T, T) -> T,
) -> Tensor<T> {
    match broadcast_shape(a.shape(), b.shape()) {
        Some(out) => {
            crate::shape::len_of::<T>(op, &out);
            zip(a, b, &out, f)
        }
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
    crate::shape::Shape::from_slice(v.graph.tape.borrow().value(v.id as usize).shape())
}

/// `shape` with `axis` set to length 1.
pub(crate) fn keepdim(shape: &[usize], axis: usize) -> crate::shape::Shape {
    let mut s = crate::shape::Shape::from_slice(shape);
    s[axis] = 1;
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_primitives_page_names_every_primitive() {
        let page = include_str!("../../docs/primitives.md");
        let rows: Vec<&str> = page.lines().filter(|l| l.starts_with("| `")).collect();
        for name in super::NAMES {
            let cell = format!("| `{name}` |");
            assert!(
                rows.iter().any(|r| r.starts_with(&cell)),
                "docs/primitives.md has no row for {name}"
            );
        }
        assert_eq!(rows.len(), super::NAMES.len(), "a row names no primitive");
    }
}
