//! The tangent interpreter (forward mode): every op of a tangent rule is pushed onto the
//! tape, so a node's tangent comes out as a node, which can be differentiated again (a
//! Hessian-vector product is the tangent of a gradient). It drives
//! [`Graph::tangent`](crate::Graph::tangent).

use super::{H, Rules, Tangent, not_traceable};
use crate::float::Float;
use crate::ops::{self, Op};
use crate::shape::Shape;
use crate::tape::{NONE, NodeId, Tape};
use crate::tensor::Tensor;

/// The forward interpreter: tangents are nodes on the tape.
pub(crate) struct TangentInterpreter<'t, T: Float> {
    pub(crate) tape: &'t mut Tape<T>,
    /// The tangent node of each original node, `None` where it is zero.
    pub(crate) tmap: &'t mut [Option<NodeId>],
    pub(crate) id: usize,
}

impl<T: Float> Rules<T> for TangentInterpreter<'_, T> {
    type H = H;
    fn input(&self, k: usize) -> H {
        H(self.tape.node(self.id).input(k))
    }
    fn output(&self) -> H {
        H(self.id as u32)
    }
    fn shape(&self, h: H) -> Shape {
        Shape::from_slice(self.tape.value(h.0 as usize).shape())
    }
    fn custom_op(&self, index: u32) -> std::sync::Arc<dyn crate::custom::CustomOp<T>> {
        std::sync::Arc::clone(&self.tape.customs[index as usize])
    }
    fn opaque(&mut self, op: &str, _: &[H], _: &dyn Fn(&[&Tensor<T>]) -> Tensor<T>) -> H {
        not_traceable(op, "forward mode")
    }
    fn apply(&mut self, op: Op<T>, args: &[H], target: &[usize]) -> H {
        let mut ids = [NONE; 2];
        for (slot, h) in ids.iter_mut().zip(args) {
            *slot = h.0;
        }
        H(self.tape.record(op, ids, target))
    }
}

impl<T: Float> Tangent<T> for TangentInterpreter<'_, T> {
    fn tangent(&self, k: usize) -> Option<H> {
        let input = self.tape.node(self.id).input(k);
        self.tmap[input as usize].map(H)
    }
    fn emit(&mut self, t: H) {
        let shape = self.shape(self.output());
        let t = self.broadcast_to(t, &shape);
        self.tmap[self.id] = Some(t.0);
    }
}

/// The tangent of node `y` when each seed's node `x` moves along its tangent node `t`:
/// one loop in push order running each tangent rule through [`TangentInterpreter`], up to
/// `y`. `None` when `y` does not depend on any seeded node (its tangent is zero). A seeded
/// node that is computed from other seeds keeps the tangent it was given.
pub(crate) fn tangent_pass<T: Float>(
    tape: &mut Tape<T>,
    y: NodeId,
    seeds: &[(NodeId, NodeId)],
) -> Option<NodeId> {
    let n = y as usize + 1;
    let mut tmap: Vec<Option<NodeId>> = vec![None; n];
    let mut seeded = vec![false; n];
    for &(x, t) in seeds {
        let x = x as usize;
        if x >= n {
            continue; // pushed after y: y cannot depend on it
        }
        tmap[x] = Some(match tmap[x] {
            None => t,
            Some(prev) => tape.record(ops::Add.into(), [prev, t], &[]),
        });
        seeded[x] = true;
    }
    for (id, &seeded) in seeded.iter().enumerate() {
        let node = tape.node(id);
        if seeded || node.is_leaf() || !node.args().iter().any(|&a| tmap[a as usize].is_some()) {
            continue;
        }
        let op = node.op;
        let mut c = TangentInterpreter {
            tape: &mut *tape,
            tmap: &mut tmap,
            id,
        };
        ops::tangent_rule(&op, &mut c);
    }
    tmap[y as usize]
}
