//! The recording interpreter: every op of a backward rule is pushed onto the tape, so the
//! gradients come out as nodes. It drives [`Graph::grad`](crate::Graph::grad).

use super::{Chain, H, Rules, not_traceable};
use crate::float::Float;
use crate::ops::{self, Op};
use crate::shape::Shape;
use crate::tape::{NONE, NodeId, Tape};
use crate::tensor::Tensor;

/// The recording interpreter: every op becomes a node on the tape.
pub(crate) struct RecordingInterpreter<'t, T: Float> {
    pub(crate) tape: &'t mut Tape<T>,
    /// The gradient node of each original node, as far as known.
    pub(crate) gmap: &'t mut [Option<NodeId>],
    /// Whether a gradient must flow to each original node.
    pub(crate) wants: &'t [bool],
    pub(crate) id: usize,
    pub(crate) up: NodeId,
}

impl<T: Float> RecordingInterpreter<'_, T> {
    fn target(&self, k: usize) -> usize {
        self.tape.slots[self.id].input(k) as usize
    }
}

impl<T: Float> Rules<T> for RecordingInterpreter<'_, T> {
    type H = H;
    fn input(&self, k: usize) -> H {
        H(self.tape.slots[self.id].input(k))
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
        not_traceable(op, "Graph::grad")
    }
    fn apply(&mut self, op: Op<T>, args: &[H], target: &[usize]) -> H {
        let mut ids = [NONE; 2];
        for (slot, h) in ids.iter_mut().zip(args) {
            *slot = h.0;
        }
        H(self.tape.record(op, ids, target))
    }
}

impl<T: Float> Chain<T> for RecordingInterpreter<'_, T> {
    fn upstream(&self) -> H {
        H(self.up)
    }
    fn needs(&self, k: usize) -> bool {
        self.wants[self.target(k)]
    }
    fn send(&mut self, k: usize, g: H) {
        let t = self.target(k);
        if !self.wants[t] {
            return;
        }
        self.gmap[t] = Some(match self.gmap[t] {
            None => g.0,
            Some(prev) => self.tape.record(ops::Add.into(), [prev, g.0], &[]),
        });
    }
}

/// The gradients of node `y` (one element) with respect to the nodes `wrt`, recorded as new
/// nodes on `tape`: one reverse loop running each rule through [`RecordingInterpreter`]. A
/// node in `wrt` that does not reach `y` gets a zero constant of its shape.
pub(crate) fn recorded_pass<T: Float>(
    tape: &mut Tape<T>,
    y: NodeId,
    wrt: &[NodeId],
) -> Vec<NodeId> {
    let shape = tape.value(y as usize).shape().to_vec();
    let n = y as usize + 1;
    // wants[i]: node i depends on some w, so a gradient must flow through it.
    let mut wants = vec![false; n];
    for &w in wrt {
        if (w as usize) < n {
            wants[w as usize] = true;
        }
    }
    for i in 0..n {
        if !wants[i] && tape.node(i).requires() {
            wants[i] = tape.node(i).args().iter().any(|&a| wants[a as usize]);
        }
    }
    let mut gmap: Vec<Option<NodeId>> = vec![None; n];
    let seed = tape.push_node(Op::Leaf, [NONE; 2], Tensor::ones(&shape), false);
    gmap[n - 1] = Some(seed);
    for id in (0..n).rev() {
        let Some(up) = gmap[id] else { continue };
        if !wants[id] || tape.node(id).args().is_empty() {
            continue;
        }
        let op = tape.node(id).op;
        let mut c = RecordingInterpreter {
            tape: &mut *tape,
            gmap: &mut gmap,
            wants: &wants,
            id,
            up,
        };
        ops::rule(&op, &mut c);
    }
    wrt.iter()
        .map(|&w| match gmap.get(w as usize).copied().flatten() {
            Some(id) => id,
            None => {
                let zeros = Tensor::zeros(tape.value(w as usize).shape());
                tape.push_node(Op::Leaf, [NONE; 2], zeros, false)
            }
        })
        .collect()
}
