//! An [`Mlp`] run the way micrograd runs it: every weight, every bias and every intermediate
//! value a rank-0 node of its own. Each neuron computes b + Σᵢ wᵢxᵢ, summed in that order,
//! one `mul` and one `add` node per weight.
//!
//! It reads the same [`Params`] as the tensor form, so both forms can start from the same
//! weights, use the same optimizer and be compared step by step. It is slower by design: a
//! 2-16-16-1 network on one sample is about 1,300 nodes here and a handful in tensor form.
//! It stands alone: include it with `#[path = "…/examples/common/scalar.rs"] mod scalar;`.

use tapegrad::nn::{Mlp, Params};
use tapegrad::{Float, Graph, Var};

/// The parameters recorded as one scalar leaf per element: `p.param(i)[j]` is element `j`
/// (row-major) of parameter `i`.
#[derive(Clone, Debug)]
pub struct ScalarBound<'g, T: Float = f64> {
    leaves: Vec<Vec<Var<'g, T>>>,
}

impl<'g, T: Float> ScalarBound<'g, T> {
    /// Records every element of every parameter as its own rank-0 variable leaf on `g`.
    pub fn bind(params: &Params<T>, g: &'g Graph<T>) -> Self {
        let leaves = params
            .iter()
            .map(|(_, p)| p.value.data().iter().map(|&v| g.scalar(v)).collect())
            .collect();
        ScalarBound { leaves }
    }

    /// The scalar leaves of parameter `i`, row-major.
    pub fn param(&self, i: usize) -> &[Var<'g, T>] {
        &self.leaves[i]
    }

    /// Copies each scalar leaf's gradient from the last `backward` into
    /// [`Param::grad`](tapegrad::nn::Param::grad).
    ///
    /// # Panics
    /// When these leaves were not made from parameters of these sizes.
    #[track_caller]
    pub fn read_grads(&self, params: &mut Params<T>) {
        let fits = self.leaves.len() == params.len()
            && self
                .leaves
                .iter()
                .zip(params.iter())
                .all(|(l, (_, p))| l.len() == p.value.len());
        if !fits {
            misuse(
                "ScalarBound::read_grads: the scalar leaves were not made from these parameters",
            );
        }
        for ((_, p), leaves) in params.iter_mut().zip(&self.leaves) {
            for (g, v) in p.grad.data_mut().iter_mut().zip(leaves) {
                *g = v.grad().item();
            }
        }
    }

    /// Σ p² over every scalar leaf, added one node at a time (micrograd's
    /// `sum(p*p for p in model.parameters())`).
    ///
    /// # Panics
    /// When there are no parameters.
    #[track_caller]
    pub fn sum_of_squares(&self) -> Var<'g, T> {
        let mut it = self.leaves.iter().flatten().map(|&p| p * p);
        let Some(first) = it.next() else {
            misuse("ScalarBound::sum_of_squares: there are no parameters")
        };
        it.fold(first, |acc, q| acc + q)
    }
}

/// The outputs of `model` for one sample `x` (one rank-0 node per input), computed neuron by
/// neuron on scalar nodes from the leaves `p` of the model's parameters. The same function as
/// [`Mlp::forward`], summed in micrograd's order (checked against it in
/// `tests/nn_examples.rs`).
///
/// # Panics
/// When `x` does not have one node per input of the first layer.
#[track_caller]
pub fn forward_scalars<'g, T: Float>(
    model: &Mlp<T>,
    p: &ScalarBound<'g, T>,
    x: &[Var<'g, T>],
) -> Vec<Var<'g, T>> {
    let layers = model.layers();
    if x.len() != layers[0].inputs {
        misuse(&format!(
            "forward_scalars: {} inputs for a first layer of {}",
            x.len(),
            layers[0].inputs
        ));
    }
    let mut h = x.to_vec();
    for (k, layer) in layers.iter().enumerate() {
        let (wi, bi) = layer.param_indices();
        let (w, b) = (p.param(wi), p.param(bi));
        h = (0..layer.outputs)
            .map(|o| {
                let row = &w[o * layer.inputs..(o + 1) * layer.inputs];
                let act = row
                    .iter()
                    .zip(&h)
                    .fold(b[o], |acc, (&wi, &xi)| acc + wi * xi);
                if k + 1 < layers.len() {
                    model.activation().apply(act)
                } else {
                    act
                }
            })
            .collect();
    }
    h
}

#[cold]
#[track_caller]
fn misuse(msg: &str) -> ! {
    panic!("{msg}")
}
