//! Custom ops: a user's own primitive, with its forward on tensors and its own rules.
//!
//! A [`CustomOp`] has one or two inputs. Its backward rule is written against [`Rule`] in
//! one of two flavours:
//!
//! - **with the rule's ops** (`r.mul`, `r.exp`, `r.sum_to`, …): recorded like a built-in
//!   rule, so [`Graph::grad`] differentiates through it again (JAX's `custom_vjp` with a
//!   traceable backward);
//! - **on plain tensors** ([`Rule::tensor`]), for speed or code that cannot be traced: first
//!   order only, and `Graph::grad` through it panics naming the op.
//!
//! An op that also gives a [`tangent`](CustomOp::tangent) rule works in forward mode
//! ([`jvp`](crate::jvp), [`Graph::tangent`]). The op shows in [`dot`](crate::dot) and
//! [`trace`](crate::trace) under its own name.

use crate::backward::{Chain, Rules, Tangent};
use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::ops::{self, Custom, Op};
use crate::tensor::Tensor;
use std::sync::Arc;

/// A user-defined primitive: see `docs/extend.md` and `examples/custom_op.rs`.
///
/// ```
/// use tapegrad::{CustomOp, Graph, Rule, Tensor};
///
/// /// The straight-through estimator: sign(x) forward, identity backward.
/// struct StraightThrough;
///
/// impl CustomOp<f64> for StraightThrough {
///     fn name(&self) -> &'static str {
///         "straight_through"
///     }
///     fn forward(&self, x: &[&Tensor<f64>]) -> Tensor<f64> {
///         x[0].map(f64::signum)
///     }
///     fn backward(&self, r: &mut Rule<'_, f64>) {
///         let g = r.upstream();
///         r.send(0, g);
///     }
/// }
///
/// let g = Graph::new();
/// let x = g.tensor(Tensor::from_vec(vec![-0.5, 2.0], &[2]).unwrap());
/// let y = g.custom(StraightThrough, &[x]);
/// (3.0 * y).sum().backward();
/// assert_eq!(y.value().data(), &[-1.0, 1.0]);
/// assert_eq!(x.grad().data(), &[3.0, 3.0]);
/// ```
pub trait CustomOp<T: Float>: 'static {
    /// The op's name, shown by `dot`, `trace` and messages.
    fn name(&self) -> &'static str;
    /// The value, from the inputs' values (one or two).
    fn forward(&self, inputs: &[&Tensor<T>]) -> Tensor<T>;
    /// The backward rule: read [`Rule::upstream`] (∂loss/∂output), build each input's
    /// gradient with the rule's ops, and [`Rule::send`] it. An input that gets nothing gets
    /// zero.
    fn backward(&self, r: &mut Rule<'_, T>);
    /// The tangent rule (forward mode): read [`Rule::tangent`] of each input and
    /// [`Rule::emit`] the output's, ṫ = Σₖ ∂out/∂xₖ · ẋₖ. Without it, forward mode through
    /// the op panics naming it.
    fn tangent(&self, r: &mut Rule<'_, T>) {
        let _ = r;
        panic!(
            "{}: this custom op has no tangent rule, so forward mode cannot pass through it \
             (implement CustomOp::tangent)",
            self.name()
        )
    }
}

/// A value inside a custom op's rule: an input, the output, a gradient or anything built
/// from them with [`Rule`]'s ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle(usize);

/// What a custom op's rule may do: name values ([`input`](Rule::input),
/// [`output`](Rule::output), [`upstream`](Rule::upstream) or [`tangent`](Rule::tangent)),
/// combine them with primitive ops, and send the result ([`send`](Rule::send) backward,
/// [`emit`](Rule::emit) forward).
pub struct Rule<'a, T: Float> {
    inner: &'a mut dyn DynRule<T>,
    name: &'static str,
}

/// The object-safe face of an interpreter, for rules that are trait objects. Handles are
/// positions in the adapter's list.
trait DynRule<T: Float> {
    fn input(&mut self, k: usize) -> usize;
    fn output(&mut self) -> usize;
    fn shape(&self, h: usize) -> Vec<usize>;
    fn apply(&mut self, op: Op<T>, args: &[usize], target: &[usize]) -> usize;
    fn opaque(&mut self, op: &str, args: &[usize], f: &dyn Fn(&[&Tensor<T>]) -> Tensor<T>)
    -> usize;
    fn upstream(&mut self) -> Option<usize>;
    fn needs(&self, k: usize) -> bool;
    fn send(&mut self, k: usize, h: usize) -> bool;
    fn tangent(&mut self, k: usize) -> Option<Option<usize>>;
    fn emit(&mut self, h: usize) -> bool;
}

/// A backward or a tangent interpreter behind [`DynRule`].
struct Adapter<'c, C: Rules<T>, T: Float, const BACKWARD: bool> {
    c: &'c mut C,
    hs: Vec<C::H>,
    _t: std::marker::PhantomData<T>,
}

impl<C: Rules<T>, T: Float, const B: bool> Adapter<'_, C, T, B> {
    fn keep(&mut self, h: C::H) -> usize {
        self.hs.push(h);
        self.hs.len() - 1
    }
    fn hs(&self, args: &[usize]) -> Vec<C::H> {
        args.iter().map(|&a| self.hs[a]).collect()
    }
}

/// The methods both kinds of adapter share.
macro_rules! common {
    () => {
        fn input(&mut self, k: usize) -> usize {
            let h = self.c.input(k);
            self.keep(h)
        }
        fn output(&mut self) -> usize {
            let h = self.c.output();
            self.keep(h)
        }
        fn shape(&self, h: usize) -> Vec<usize> {
            self.c.shape(self.hs[h]).to_vec()
        }
        fn apply(&mut self, op: Op<T>, args: &[usize], target: &[usize]) -> usize {
            let args = self.hs(args);
            let h = self.c.apply(op, &args, target);
            self.keep(h)
        }
        fn opaque(
            &mut self,
            op: &str,
            args: &[usize],
            f: &dyn Fn(&[&Tensor<T>]) -> Tensor<T>,
        ) -> usize {
            let args = self.hs(args);
            let h = self.c.opaque(op, &args, f);
            self.keep(h)
        }
    };
}

impl<C: Chain<T>, T: Float> DynRule<T> for Adapter<'_, C, T, true> {
    common!();
    fn upstream(&mut self) -> Option<usize> {
        let h = self.c.upstream();
        Some(self.keep(h))
    }
    fn needs(&self, k: usize) -> bool {
        self.c.needs(k)
    }
    fn send(&mut self, k: usize, h: usize) -> bool {
        self.c.send(k, self.hs[h]);
        true
    }
    fn tangent(&mut self, _: usize) -> Option<Option<usize>> {
        None
    }
    fn emit(&mut self, _: usize) -> bool {
        false
    }
}

impl<C: Tangent<T>, T: Float> DynRule<T> for Adapter<'_, C, T, false> {
    common!();
    fn upstream(&mut self) -> Option<usize> {
        None
    }
    fn needs(&self, _: usize) -> bool {
        false
    }
    fn send(&mut self, _: usize, _: usize) -> bool {
        false
    }
    fn tangent(&mut self, k: usize) -> Option<Option<usize>> {
        Some(self.c.tangent(k).map(|h| self.keep(h)))
    }
    fn emit(&mut self, h: usize) -> bool {
        self.c.emit(self.hs[h]);
        true
    }
}

/// Runs `op`'s backward rule in the interpreter `c`.
pub(crate) fn run_backward<T: Float>(op: &dyn CustomOp<T>, c: &mut impl Chain<T>) {
    let mut a = Adapter::<_, T, true> {
        c,
        hs: Vec::new(),
        _t: std::marker::PhantomData,
    };
    op.backward(&mut Rule {
        inner: &mut a,
        name: op.name(),
    });
}

/// Runs `op`'s tangent rule in the forward interpreter `c`.
pub(crate) fn run_tangent<T: Float>(op: &dyn CustomOp<T>, c: &mut impl Tangent<T>) {
    let mut a = Adapter::<_, T, false> {
        c,
        hs: Vec::new(),
        _t: std::marker::PhantomData,
    };
    op.tangent(&mut Rule {
        inner: &mut a,
        name: op.name(),
    });
}

impl<T: Float> Rule<'_, T> {
    /// The value of input `k`.
    pub fn input(&mut self, k: usize) -> Handle {
        Handle(self.inner.input(k))
    }
    /// The op's own output value (saved state: a rule that reuses the output need not
    /// recompute it).
    pub fn output(&mut self) -> Handle {
        Handle(self.inner.output())
    }
    /// The shape of a handle's value.
    pub fn shape(&self, h: Handle) -> Vec<usize> {
        self.inner.shape(h.0)
    }
    /// ∂loss/∂output, the gradient arriving at the op (backward rules only).
    ///
    /// # Panics
    /// In a tangent rule.
    #[track_caller]
    pub fn upstream(&mut self) -> Handle {
        match self.inner.upstream() {
            Some(h) => Handle(h),
            None => self.wrong("upstream", "a tangent rule"),
        }
    }
    /// Whether input `k` needs a gradient; a backward rule may skip the work when not.
    pub fn needs(&self, k: usize) -> bool {
        self.inner.needs(k)
    }
    /// Adds `g` into input `k`'s gradient (backward rules only). `g` must have the input's
    /// shape.
    ///
    /// # Panics
    /// In a tangent rule.
    #[track_caller]
    pub fn send(&mut self, k: usize, g: Handle) {
        if !self.inner.send(k, g.0) {
            self.wrong("send", "a tangent rule");
        }
    }
    /// The tangent of input `k` (tangent rules only), `None` where it is zero.
    ///
    /// # Panics
    /// In a backward rule.
    #[track_caller]
    pub fn tangent(&mut self, k: usize) -> Option<Handle> {
        match self.inner.tangent(k) {
            Some(t) => t.map(Handle),
            None => self.wrong("tangent", "a backward rule"),
        }
    }
    /// Sets the output's tangent (tangent rules only), broadcast to the output's shape.
    ///
    /// # Panics
    /// In a backward rule.
    #[track_caller]
    pub fn emit(&mut self, t: Handle) {
        if !self.inner.emit(t.0) {
            self.wrong("emit", "a backward rule");
        }
    }
    /// `f` on the handles' values as plain tensors: the first-order flavour. `backward`
    /// runs it; [`Graph::grad`] and forward mode panic naming the op, since a value computed
    /// outside the tape cannot be differentiated again.
    pub fn tensor(&mut self, args: &[Handle], f: impl Fn(&[&Tensor<T>]) -> Tensor<T>) -> Handle {
        let ids: Vec<usize> = args.iter().map(|h| h.0).collect();
        Handle(self.inner.opaque(self.name, &ids, &f))
    }

    fn op(&mut self, op: impl Into<Op<T>>, args: &[Handle], target: &[usize]) -> Handle {
        let ids: Vec<usize> = args.iter().map(|h| h.0).collect();
        Handle(self.inner.apply(op.into(), &ids, target))
    }

    /// a + b, broadcasting.
    pub fn add(&mut self, a: Handle, b: Handle) -> Handle {
        self.op(ops::Add, &[a, b], &[])
    }
    /// a − b, broadcasting.
    pub fn sub(&mut self, a: Handle, b: Handle) -> Handle {
        self.op(ops::Sub, &[a, b], &[])
    }
    /// a · b, broadcasting.
    pub fn mul(&mut self, a: Handle, b: Handle) -> Handle {
        self.op(ops::Mul, &[a, b], &[])
    }
    /// a / b, broadcasting.
    pub fn div(&mut self, a: Handle, b: Handle) -> Handle {
        self.op(ops::Div, &[a, b], &[])
    }
    /// c · a.
    pub fn scale(&mut self, a: Handle, c: T) -> Handle {
        self.op(ops::Scale(c), &[a], &[])
    }
    /// a + c.
    pub fn shift(&mut self, a: Handle, c: T) -> Handle {
        self.op(ops::Shift(c), &[a], &[])
    }
    /// eᵃ.
    pub fn exp(&mut self, a: Handle) -> Handle {
        self.op(ops::Exp, &[a], &[])
    }
    /// ln a.
    pub fn ln(&mut self, a: Handle) -> Handle {
        self.op(ops::Ln, &[a], &[])
    }
    /// tanh a.
    pub fn tanh(&mut self, a: Handle) -> Handle {
        self.op(ops::Tanh, &[a], &[])
    }
    /// √a.
    pub fn sqrt(&mut self, a: Handle) -> Handle {
        self.op(ops::Sqrt, &[a], &[])
    }
    /// |a|.
    pub fn abs(&mut self, a: Handle) -> Handle {
        self.op(ops::Abs, &[a], &[])
    }
    /// sign a.
    pub fn sign(&mut self, a: Handle) -> Handle {
        self.op(ops::Sign, &[a], &[])
    }
    /// 1 where a > 0, else 0.
    pub fn step(&mut self, a: Handle) -> Handle {
        self.op(ops::Step, &[a], &[])
    }
    /// aⁿ.
    pub fn powi(&mut self, a: Handle, n: i32) -> Handle {
        self.op(ops::PowI(n), &[a], &[])
    }
    /// aᵖ.
    pub fn powf(&mut self, a: Handle, p: T) -> Handle {
        self.op(ops::PowF(p), &[a], &[])
    }
    /// A·B for 2-D values.
    pub fn matmul(&mut self, a: Handle, b: Handle) -> Handle {
        self.op(
            ops::MatMul {
                ta: false,
                tb: false,
            },
            &[a, b],
            &[],
        )
    }
    /// Aᵀ of a 2-D value.
    pub fn transpose(&mut self, a: Handle) -> Handle {
        self.op(ops::Transpose, &[a], &[])
    }
    /// a under another shape with as many elements.
    pub fn reshape(&mut self, a: Handle, shape: &[usize]) -> Handle {
        self.op(ops::Reshape, &[a], shape)
    }
    /// a summed down to `shape` (one it broadcasts from); a itself if it has that shape.
    pub fn sum_to(&mut self, a: Handle, shape: &[usize]) -> Handle {
        if self.shape(a) == shape {
            return a;
        }
        self.op(ops::SumTo, &[a], shape)
    }
    /// a broadcast up to `shape`; a itself if it has that shape.
    pub fn broadcast_to(&mut self, a: Handle, shape: &[usize]) -> Handle {
        if self.shape(a) == shape {
            return a;
        }
        self.op(ops::BroadcastTo, &[a], shape)
    }

    #[cold]
    #[track_caller]
    fn wrong(&self, what: &str, rule: &str) -> ! {
        panic!("{}: Rule::{what} cannot be called in {rule}", self.name)
    }
}

impl<T: Float> Graph<T> {
    /// Records the custom op `op` on one or two inputs: its value is `op.forward` of theirs,
    /// and its rules are `op`'s. See [`CustomOp`].
    ///
    /// # Panics
    /// When `inputs` is empty or has more than two entries, or an input comes from another
    /// graph.
    #[track_caller]
    pub fn custom<'g>(&'g self, op: impl CustomOp<T>, inputs: &[Var<'g, T>]) -> Var<'g, T> {
        let name = op.name();
        if inputs.is_empty() || inputs.len() > 2 {
            arity_panic(name, inputs.len());
        }
        for &x in inputs {
            self.check_own(name, x);
        }
        let values: Vec<Tensor<T>> = inputs.iter().map(|x| x.value()).collect();
        let refs: Vec<&Tensor<T>> = values.iter().collect();
        let value = op.forward(&refs);
        let mut tape = self.tape.borrow_mut();
        let index = tape.customs.len() as u32;
        tape.customs.push(Arc::new(op));
        let ids = [
            inputs[0].id,
            inputs.get(1).map_or(crate::tape::NONE, |v| v.id),
        ];
        let requires = inputs.iter().any(|x| tape.node(x.id as usize).requires());
        let id = tape.push_node(Op::Custom(Custom { index }), ids, value, requires);
        tape.locate(id, std::panic::Location::caller());
        Var { graph: self, id }
    }
}

#[cold]
#[track_caller]
fn arity_panic(name: &str, n: usize) -> ! {
    panic!("{name}: a custom op takes one or two inputs, not {n}")
}
