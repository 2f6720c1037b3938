//! An [`Mlp`] run the way micrograd runs it: every weight, every bias and every intermediate
//! value a rank-0 node of its own. Each neuron computes b + Σᵢ wᵢxᵢ, summed in that order,
//! one `mul` and one `add` node per weight.
//!
//! It reads the same [`Params`] as the tensor form, so both forms can start from the same
//! weights, use the same optimizer and be compared step by step. It is slower by design: a
//! 2-16-16-1 network on one sample is about 1,300 nodes here and a handful in tensor form.

use super::layers::Mlp;
use super::params::Params;
use crate::float::Float;
use crate::graph::{Graph, Var};

/// The parameters recorded as one scalar leaf per element: `p.param(i)[j]` is element `j`
/// (row-major) of parameter `i`.
#[derive(Clone, Debug)]
pub struct ScalarBound<'g, T: Float = f64> {
    leaves: Vec<Vec<Var<'g, T>>>,
}

impl<'g, T: Float> ScalarBound<'g, T> {
    /// The scalar leaves of parameter `i`, row-major.
    pub fn param(&self, i: usize) -> &[Var<'g, T>] {
        &self.leaves[i]
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

impl<T: Float> Params<T> {
    /// Records every element of every parameter as its own rank-0 variable leaf on `g`.
    pub fn bind_scalars<'g>(&self, g: &'g Graph<T>) -> ScalarBound<'g, T> {
        let leaves = self
            .iter()
            .map(|(_, p)| p.value.data().iter().map(|&v| g.scalar(v)).collect())
            .collect();
        ScalarBound { leaves }
    }

    /// Copies each scalar leaf's gradient from the last `backward` into [`Param::grad`](super::Param::grad).
    ///
    /// # Panics
    /// When `bound` was not made from parameters of these sizes.
    #[track_caller]
    pub fn read_scalar_grads(&mut self, bound: &ScalarBound<'_, T>) {
        let fits = bound.leaves.len() == self.len()
            && bound
                .leaves
                .iter()
                .zip(self.iter())
                .all(|(l, (_, p))| l.len() == p.value.len());
        if !fits {
            misuse(
                "Params::read_scalar_grads: the scalar leaves were not made from these parameters",
            );
        }
        for ((_, p), leaves) in self.iter_mut().zip(&bound.leaves) {
            for (g, v) in p.grad.data_mut().iter_mut().zip(leaves) {
                *g = v.grad().item();
            }
        }
    }
}

impl<T: Float> Mlp<T> {
    /// The outputs for one sample `x` (one rank-0 node per input), computed neuron by neuron
    /// on scalar nodes from the leaves `p` of this model's parameters. The same function as
    /// [`forward`](Mlp::forward), summed in micrograd's order.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor, nn::{Activation, Init, Mlp}};
    /// let model = Mlp::new(&[2, 3, 1], Activation::Relu, Init::HeUniform, 0);
    /// let g = Graph::new();
    /// let x = [g.scalar(0.5), g.scalar(-1.0)];
    /// let y = model.forward_scalars(&model.params().bind_scalars(&g), &x);
    /// let t = model.predict(&Tensor::from_vec(vec![0.5, -1.0], &[1, 2]).unwrap());
    /// assert!((y[0].item() - t.item()).abs() < 1e-15);
    /// ```
    ///
    /// # Panics
    /// When `x` does not have one node per input of the first layer.
    #[track_caller]
    pub fn forward_scalars<'g>(&self, p: &ScalarBound<'g, T>, x: &[Var<'g, T>]) -> Vec<Var<'g, T>> {
        let layers = self.layers();
        if x.len() != layers[0].inputs {
            misuse(&format!(
                "Mlp::forward_scalars: {} inputs for a first layer of {}",
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
                        self.activation().apply(act)
                    } else {
                        act
                    }
                })
                .collect();
        }
        h
    }
}

#[cold]
#[track_caller]
fn misuse(msg: &str) -> ! {
    panic!("{msg}")
}

#[cfg(test)]
mod tests {
    use crate::nn::{Activation, Init, Mlp};
    use crate::{Graph, Tensor};

    #[test]
    fn scalar_and_tensor_forms_agree_in_value_and_gradient() {
        let model = Mlp::<f64>::new(&[2, 4, 3], Activation::Tanh, Init::XavierUniform, 11);
        let xs = [0.3, -0.7];
        let g = Graph::new();
        let sp = model.params().bind_scalars(&g);
        let x: Vec<_> = xs.iter().map(|&v| g.constant(Tensor::scalar(v))).collect();
        let ys = model.forward_scalars(&sp, &x);
        let ls = ys.iter().skip(1).fold(ys[0] * ys[0], |a, &y| a + y * y);
        ls.backward();
        let mut scalar = model.params().clone();
        scalar.read_scalar_grads(&sp);

        let g2 = Graph::new();
        let tp = model.params().bind(&g2);
        let y = model.forward(
            &tp,
            g2.constant(Tensor::from_vec(xs.to_vec(), &[1, 2]).unwrap()),
        );
        let lt = y.powi(2).sum();
        lt.backward();
        let mut tensor = model.params().clone();
        tensor.read_grads(&tp);

        assert!((ls.item() - lt.item()).abs() < 1e-15);
        for ((n, a), (_, b)) in scalar.iter().zip(tensor.iter()) {
            for (x, y) in a.grad.data().iter().zip(b.grad.data()) {
                assert!((x - y).abs() < 1e-15, "{n}: {x} vs {y}");
            }
        }
    }
}
