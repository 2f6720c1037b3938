//! The eager interpreter: every op of a backward rule is computed at once, into a scratch
//! arena, on tensors. It drives the general pass of [`Var::backward`](crate::Var::backward),
//! and serves [`trace`](crate::trace) for local derivatives.

use super::scalar::ScalarInterpreter;
use super::{Chain, H, Rules};
use crate::float::Float;
use crate::ops::{self, Op};
use crate::shape::Shape;
use crate::tape::{Node, Tape};
use crate::tensor::Tensor;

/// The first-order interpreter: computes each op at once into a scratch arena.
pub(crate) struct EagerInterpreter<'t, T: Float> {
    pub(crate) nodes: &'t [Node<T>],
    /// Sends a gradient to every input, constants too (a trace's local derivatives); else
    /// only to inputs that require one.
    pub(crate) everything: bool,
    pub(crate) grads: &'t mut [Option<Tensor<T>>],
    pub(crate) scratch: &'t mut Vec<Option<Tensor<T>>>,
    pub(crate) indices: &'t [Vec<usize>],
    pub(crate) customs: &'t [std::sync::Arc<dyn crate::custom::CustomOp<T>>],
    pub(crate) id: usize,
}

const SCRATCH: u32 = 1 << 31;
const UPSTREAM: u32 = u32::MAX;

impl<T: Float> EagerInterpreter<'_, T> {
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

impl<T: Float> Rules<T> for EagerInterpreter<'_, T> {
    type H = H;
    fn input(&self, k: usize) -> H {
        H(self.nodes[self.id].input(k))
    }
    fn output(&self) -> H {
        H(self.id as u32)
    }
    fn shape(&self, h: H) -> Shape {
        Shape::from_slice(self.get(h).shape())
    }
    fn custom_op(&self, index: u32) -> std::sync::Arc<dyn crate::custom::CustomOp<T>> {
        std::sync::Arc::clone(&self.customs[index as usize])
    }
    fn opaque(&mut self, _: &str, args: &[H], f: &dyn Fn(&[&Tensor<T>]) -> Tensor<T>) -> H {
        let values: Vec<&Tensor<T>> = args.iter().map(|&a| self.get(a)).collect();
        let value = f(&values);
        self.scratch.push(Some(value));
        H((self.scratch.len() - 1) as u32 | SCRATCH)
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
}

impl<T: Float> Chain<T> for EagerInterpreter<'_, T> {
    fn upstream(&self) -> H {
        H(UPSTREAM)
    }
    fn needs(&self, k: usize) -> bool {
        self.everything || self.nodes[self.target(k)].requires()
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

/// [`Var::backward`](crate::Var::backward) on a tape holding arrays: a tensor per gradient
/// (`None` reads as zeros), and the scalar interpreter wherever a node and its inputs are
/// rank 0.
pub(crate) fn general_pass<T: Float>(tape: &mut Tape<T>, out: usize) {
    let shape = Shape::from_slice(tape.value(out).shape());
    tape.grads.resize(out + 1, None);
    tape.grads[out] = Some(Tensor::ones(&shape));
    let hooked = tape.extras.as_ref().is_some_and(|e| !e.hooks.is_empty());
    for id in (0..=out).rev() {
        if hooked {
            run_hooks(tape, id);
        }
        let node = &tape.node(id);
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
            if ScalarInterpreter::run(&tape.slots, grads, id, up) {
                continue;
            }
        }
        tensor_step(tape, id);
    }
}

/// One node of [`Var::backward`] through the tensor interpreter; out of line, so the loop
/// around it keeps its registers for the scalar path.
#[inline(never)]
fn tensor_step<T: Float>(tape: &mut Tape<T>, id: usize) {
    let mut c = EagerInterpreter {
        nodes: &tape.slots[..tape.len],
        everything: false,
        grads: &mut tape.grads,
        scratch: &mut tape.scratch,
        indices: &tape.indices,
        customs: &tape.customs,
        id,
    };
    ops::rule(&tape.slots[id].op, &mut c);
    c.scratch.clear();
}

/// Runs node `id`'s hooks on its complete gradient, in the order they were added, each
/// seeing what the one before returned.
#[cold]
#[track_caller]
fn run_hooks<T: Float>(tape: &mut Tape<T>, id: usize) {
    let Some(extras) = tape.extras.as_mut() else {
        return;
    };
    let Some(grad) = tape.grads[id].as_mut() else {
        return;
    };
    for (node, hook) in &mut extras.hooks {
        if *node as usize != id {
            continue;
        }
        if let Some(new) = hook(grad) {
            if new.shape() != grad.shape() {
                hook_shape(id, grad.shape(), new.shape());
            }
            *grad = new;
        }
    }
}

#[cold]
#[track_caller]
fn hook_shape(id: usize, want: &[usize], got: &[usize]) -> ! {
    panic!(
        "on_grad: the hook of node {id} returned a gradient of shape {got:?}, but the node has shape {want:?}"
    )
}
