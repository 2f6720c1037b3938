//! The transpose of a 2-D value. Its adjoint is the transpose again.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The transpose of a 2-D value: `[m, n] → [n, m]`. The gradient is transposed back.
    ///
    /// # Panics
    /// When the value is not 2-D.
    #[track_caller]
    pub fn transpose(self) -> Self {
        self.graph.push(Transpose, &[self], &[])
    }
}

#[cold]
#[track_caller]
fn transpose_panic(shape: &[usize]) -> ! {
    panic!("transpose: needs a 2-D value, got shape {shape:?}")
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Transpose;

impl<T: Float> Primitive<T> for Transpose {
    const NAME: &'static str = "transpose";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let x = x[0];
        let [m, n] = *x.shape() else {
            transpose_panic(x.shape())
        };
        let d = x.data();
        Tensor::build(&[n, m], |out| {
            for j in 0..n {
                out.extend((0..m).map(|i| d[i * n + j]));
            }
        })
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let gx = c.transpose(g);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋᵀ
        let Some(t) = c.tangent(0) else { return };
        let t = c.transpose(t);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn transpose_grad_matches_finite_difference() {
        for shape in [[1, 1], [1, 3], [2, 3]] {
            check(|_, v| v[0].transpose().exp(), &[draw(&shape, -1.0, 1.0, 5)]);
        }
    }

    #[test]
    fn transpose_literal() {
        let g = Graph::new();
        let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap());
        let y = x.transpose();
        assert_eq!(y.shape(), vec![3, 2]);
        assert_eq!(y.value().data(), &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }

    #[test]
    #[should_panic(expected = "transpose: needs a 2-D value, got shape [3]")]
    fn transpose_of_vector_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[3])).transpose();
    }
}
