//! How gradients flow: one backward rule per primitive, three interpreters, three passes.
//!
//! Every primitive writes its backward rule once, against [`Chain`]: a context that hands out
//! opaque handles (`Chain::H`) to the node's inputs, its output and its upstream gradient, and
//! applies primitive ops to handles. Since an input always exists before the nodes that use
//! it, push order is a topological order, and every pass is one reverse loop over the tape:
//! no recursion, no sort, no depth limit.
//!
//! | pass | run by | interpreter | a handle is |
//! |---|---|---|---|
//! | scalar pass ([`scalar`]) | [`Var::backward`] on a tape holding no arrays | [`ScalarInterpreter`](scalar::ScalarInterpreter) | the number itself, in a register |
//! | general pass ([`eager`]) | [`Var::backward`] on any other tape | [`EagerInterpreter`](eager::EagerInterpreter), and the scalar one wherever a node and its inputs are rank 0 | a node's value, the upstream gradient, or a scratch tensor |
//! | recorded pass ([`recording`]) | [`Graph::grad`] | [`RecordingInterpreter`](recording::RecordingInterpreter) | a node: every op is pushed onto the tape |
//!
//! The first two compute gradients into the tape's gradient lists, read back with
//! [`Var::grad`]. The recorded pass returns gradients as nodes, so they can be differentiated
//! again, with no second set of rules.
//!
//! In the first two passes a node whose gradient is zero (every element) sends nothing: what
//! it would send, 0 · ∂y/∂x, is zero wherever the partial derivative is finite, so skipping it
//! changes nothing there but the sign of a zero; where the partial is infinite it keeps the
//! gradient finite; and a part of the graph the output multiplies by zero costs nothing.

use crate::float::Float;
use crate::graph::{Graph, Var, inference_panic, not_one_element};
use crate::ops::{self, Op};
use crate::shape::Shape;
use crate::tape::NodeId;

pub(crate) mod checked;
pub(crate) mod eager;
pub(crate) mod recording;
pub(crate) mod scalar;
pub(crate) mod tangent;

/// An opaque handle to a value inside a backward rule.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct H(pub(crate) u32);

/// What a rule may do, backward or forward: name values by handle and apply primitive ops to
/// them. [`Chain`] adds what a backward rule needs, [`Tangent`] what a tangent rule needs.
pub(crate) trait Rules<T: Float> {
    /// A handle to a value: an index for the tensor interpreters, the number itself for the
    /// scalar one.
    type H: Copy;
    /// The value of the node's `k`-th input.
    fn input(&self, k: usize) -> Self::H;
    /// The node's own value (tanh and exp reuse it).
    fn output(&self) -> Self::H;
    /// The shape of a handle's value.
    fn shape(&self, h: Self::H) -> Shape;
    /// Applies a primitive op to handles. `target` is the output shape for `Reshape`,
    /// `SumTo`, `BroadcastTo` and `Scatter`, and empty otherwise.
    fn apply(&mut self, op: Op<T>, args: &[Self::H], target: &[usize]) -> Self::H;
    /// The custom op at `index` in the tape's table.
    fn custom_op(&self, index: u32) -> std::sync::Arc<dyn crate::custom::CustomOp<T>>;
    /// `f` on the handles' values as plain tensors: what a custom op's first-order backward
    /// uses. Only the eager interpreter can run it; the others panic naming `op`, since a
    /// result computed outside the tape cannot be differentiated again.
    fn opaque(
        &mut self,
        op: &str,
        args: &[Self::H],
        f: &dyn Fn(&[&crate::tensor::Tensor<T>]) -> crate::tensor::Tensor<T>,
    ) -> Self::H;

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

    // Convolution and pooling (helper "conv"). `geo` is the position of the op's geometry
    // in the tape's table of index lists.
    fn conv2d(&mut self, x: Self::H, w: Self::H, geo: u32) -> Self::H {
        self.apply(ops::Conv2d(geo).into(), &[x, w], &[])
    }
    /// The adjoint of conv2d in x, for an input of shape `x_shape`.
    fn conv_transpose2d(&mut self, g: Self::H, w: Self::H, geo: u32, x_shape: &[usize]) -> Self::H {
        self.apply(ops::ConvTranspose2d(geo).into(), &[g, w], x_shape)
    }
    /// The adjoint of conv2d in w, for a weight of shape `w_shape`.
    fn conv2d_weight(&mut self, x: Self::H, g: Self::H, geo: u32, w_shape: &[usize]) -> Self::H {
        self.apply(ops::Conv2dWeight(geo).into(), &[x, g], w_shape)
    }
    /// v at the first arg-max of x in each pooling window.
    fn max_pool2d(&mut self, x: Self::H, v: Self::H, geo: u32) -> Self::H {
        self.apply(ops::MaxPool2d(geo).into(), &[x, v], &[])
    }
    /// g routed to the first arg-max of x in each window (x's shape), the adjoint in v.
    fn max_unpool2d(&mut self, x: Self::H, g: Self::H, geo: u32) -> Self::H {
        self.apply(ops::MaxUnpool2d(geo).into(), &[x, g], &[])
    }
}

/// What a backward rule may do beyond [`Rules`]: read the gradient arriving at the node and
/// send one to each input.
pub(crate) trait Chain<T: Float>: Rules<T> {
    /// ∂loss/∂output, the gradient arriving at this node.
    fn upstream(&self) -> Self::H;
    /// Whether input `k` needs a gradient at all; a rule may skip the work when it does not.
    fn needs(&self, k: usize) -> bool;
    /// Adds `g` into the gradient of input `k`.
    fn send(&mut self, k: usize, g: Self::H);
}

/// What a tangent rule (forward mode) may do beyond [`Rules`]: read the tangents of the
/// inputs and set the node's own, ṫ = Σₖ ∂out/∂xₖ · ẋₖ.
pub(crate) trait Tangent<T: Float>: Rules<T> {
    /// The tangent of input `k`, or `None` when it is zero (the input does not depend on
    /// the seeded variables): a rule skips the terms of such inputs.
    fn tangent(&self, k: usize) -> Option<Self::H>;
    /// Sets the node's tangent to `t`, broadcast to the output's shape if it has fewer
    /// elements. A rule that emits nothing leaves the tangent zero.
    fn emit(&mut self, t: Self::H);

    /// Emits the sum of the terms present (nothing when none is).
    fn emit_sum(&mut self, a: Option<Self::H>, b: Option<Self::H>) {
        match (a, b) {
            (Some(a), Some(b)) => {
                let t = self.apply(ops::Add.into(), &[a, b], &[]);
                self.emit(t)
            }
            (Some(t), None) | (None, Some(t)) => self.emit(t),
            (None, None) => {}
        }
    }
}

impl<'g, T: Float> Var<'g, T> {
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
        let value = tape.value(out);
        if !tape.records {
            inference_panic("backward");
        }
        if value.len() != 1 {
            not_one_element("backward", value.shape());
        }
        tape.grads.clear();
        tape.scalar_grads.clear();
        if tape.all_scalars() {
            scalar::scalar_pass(tape, out);
        } else {
            eager::general_pass(tape, out);
        }
    }

    /// Runs `hook` on this node's gradient during each [`backward`](Var::backward), once the
    /// gradient is complete (every node that uses this one has sent its part) and before it
    /// flows on to the node's inputs. Returning `Some(t)` replaces the gradient (clipping,
    /// say, as PyTorch's `register_hook`); `None` keeps it (logging). `t` must have the
    /// node's shape.
    ///
    /// A hook runs only where a gradient arrives, and again on each `backward` (which
    /// recomputes every gradient from scratch, so a deterministic hook keeps `backward`
    /// idempotent). Hooks are cleared with the tape; [`Graph::grad`] does not run them.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.scalar(3.0);
    /// let h = (x * x).on_grad(|g| Some(g.map(|v| v.clamp(-1.0, 1.0)))); // clip ∂y/∂h
    /// let y = 5.0 * h; // ∂y/∂h = 5, clipped to 1
    /// y.backward();
    /// assert_eq!(x.grad().item(), 6.0); // 1 · 2x
    /// ```
    pub fn on_grad(
        self,
        hook: impl FnMut(&crate::tensor::Tensor<T>) -> Option<crate::tensor::Tensor<T>> + 'static,
    ) -> Self {
        let mut tape = self.graph.tape.borrow_mut();
        tape.extras().hooks.push((self.id, Box::new(hook)));
        self
    }
}

impl<T: Float> Graph<T> {
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
        let value = tape.value(y.id as usize);
        if value.len() != 1 {
            not_one_element("grad", value.shape());
        }
        let ids: Vec<NodeId> = wrt.iter().map(|w| w.id).collect();
        recording::recorded_pass(&mut tape, y.id, &ids)
            .into_iter()
            .map(|id| Var { graph: self, id })
            .collect()
    }

    /// The tangent of `y` (forward mode) when each `(x, t)` in `seeds` moves the node `x`
    /// along the tangent `t` (a node of `x`'s shape): J·t, the directional derivative
    /// ∂y/∂x · t summed over the seeds, as a new node of `y`'s shape.
    ///
    /// One pass in push order runs each primitive's tangent rule, recorded as nodes, so the
    /// result can be differentiated again: the tangent of a gradient from
    /// [`grad`](Graph::grad) is a Hessian-vector product. `y` need not be one element.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
    /// let y = x * x; // y = (x₀², x₁²), J = diag(2x)
    /// let v = g.constant(Tensor::from_vec(vec![1.0, -1.0], &[2]).unwrap());
    /// let jv = g.tangent(y, &[(x, v)]);
    /// assert_eq!(jv.value().data(), &[2.0, -4.0]);
    /// ```
    ///
    /// # Panics
    /// When a tangent's shape differs from its node's, or a `Var` comes from another graph.
    #[track_caller]
    pub fn tangent<'g>(&'g self, y: Var<'g, T>, seeds: &[(Var<'g, T>, Var<'g, T>)]) -> Var<'g, T> {
        self.check_own("tangent", y);
        let mut ids = Vec::with_capacity(seeds.len());
        for &(x, t) in seeds {
            self.check_own("tangent", x);
            self.check_own("tangent", t);
            let (xs, ts) = (x.shape(), t.shape());
            if xs != ts {
                tangent_shape(x.id, &xs, &ts);
            }
            ids.push((x.id, t.id));
        }
        let mut tape = self.tape.borrow_mut();
        if !tape.records {
            inference_panic("tangent");
        }
        let id = match tangent::tangent_pass(&mut tape, y.id, &ids) {
            Some(id) => id,
            None => {
                let zeros = crate::tensor::Tensor::zeros(tape.value(y.id as usize).shape());
                tape.push_node(Op::Leaf, [crate::tape::NONE; 2], zeros, false)
            }
        };
        Var { graph: self, id }
    }
}

#[cold]
#[track_caller]
fn tangent_shape(id: NodeId, x: &[usize], t: &[usize]) -> ! {
    panic!("tangent: node {id} has shape {x:?} but its tangent has shape {t:?}")
}

#[cold]
#[track_caller]
pub(crate) fn not_traceable(op: &str, what: &str) -> ! {
    panic!(
        "{op}: this custom op's backward runs on plain tensors (Rule::tensor), so {what} \
         cannot differentiate through it; write the rule with Rule's ops to make it traceable"
    )
}
