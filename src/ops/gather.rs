//! Picks one entry per row along an axis: out[…, 0, …] = x[…, index[r], …], where r counts
//! the rows (all positions of the other axes, row-major). The axis is kept with length 1.
//! Its adjoint is `scatter`: each picked entry receives its row's gradient, the rest 0.

use super::{check_axis, keepdim, split_at_axis};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// One entry per row along `axis`: for a `[n, c]` value and `axis = 1`, `index` holds n
    /// class numbers and the result is `[n, 1]` with `out[i] = x[i, index[i]]`.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap());
    /// let y = x.gather(1, &[2, 0]);
    /// y.sum().backward();
    /// assert_eq!(y.value().data(), &[3.0, 4.0]);
    /// assert_eq!(x.grad().data(), &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When `axis` is out of range, `index` does not have one entry per row, or an entry is
    /// not below the axis length.
    #[track_caller]
    pub fn gather(self, axis: usize, index: &[usize]) -> Self {
        let shape = super::shape_of(self);
        check_axis("gather", axis, &shape);
        check_index("gather", &shape, axis, index);
        let op = Gather {
            axis: axis as u32,
            index: self.graph.keep_index(index),
        };
        self.graph.push(op, &[self], &[])
    }
}

/// Panics unless `index` has one entry per row of `shape` along `axis`, each in range.
#[track_caller]
pub(crate) fn check_index(op: &str, shape: &[usize], axis: usize, index: &[usize]) {
    let (pre, len, post) = split_at_axis(shape, axis);
    if index.len() != pre * post {
        index_panic(&format!(
            "{op} along axis {axis}: index has {} entries but shape {shape:?} has {} rows (one per position of the other axes)",
            index.len(),
            pre * post
        ));
    }
    if let Some((r, &i)) = index.iter().enumerate().find(|&(_, &i)| i >= len) {
        index_panic(&format!(
            "{op}: index {i} at position {r} is out of range for axis {axis} of length {len} (shape {shape:?})"
        ));
    }
}

#[cold]
#[track_caller]
fn index_panic(msg: &str) -> ! {
    panic!("{msg}")
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gather {
    pub(crate) axis: u32,
    /// A position in the tape's table of index lists.
    pub(crate) index: u32,
}

impl<T: Float> Primitive<T> for Gather {
    const NAME: &'static str = "gather";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        let (x, axis, index) = (x[0], self.axis as usize, &indices[self.index as usize]);
        let (_, len, post) = split_at_axis(x.shape(), axis);
        let d = x.data();
        Tensor::build(&keepdim(x.shape(), axis), |v| {
            v.extend(
                index
                    .iter()
                    .enumerate()
                    .map(|(r, &j)| d[((r / post) * len + j) * post + r % post]),
            )
        })
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let Gather { axis, index } = self;
        let g = c.upstream();
        let shape = c.shape(c.input(0));
        let gx = c.scatter(g, axis, index, &shape);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ picked at the same entries
        let Some(t) = c.tangent(0) else { return };
        let t = c.gather(t, self.axis, self.index);
        c.emit(t);
    }

    fn label(self) -> String {
        format!("gather axis {}", self.axis)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn gather_grad_matches_finite_difference() {
        check(
            |_, v| v[0].gather(0, &[2]).exp(),
            &[draw(&[3], -1.0, 1.0, 1)],
        );
        let x = draw(&[2, 3], -1.0, 1.0, 2);
        check(|_, v| v[0].gather(1, &[2, 0]).exp(), &[x.clone()]);
        check(|_, v| v[0].gather(0, &[1, 0, 1]).exp(), &[x]);
        // Rank 0 through a reshape (a scalar has no axis to gather along).
        check(
            |_, v| v[0].reshape(&[1]).gather(0, &[0]).exp(),
            &[draw(&[], -1.0, 1.0, 3)],
        );
    }

    #[test]
    #[should_panic(
        expected = "gather along axis 1: index has 1 entries but shape [2, 3] has 2 rows"
    )]
    fn gather_with_the_wrong_number_of_rows_names_the_axis() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).gather(1, &[0]);
    }

    #[test]
    #[should_panic(
        expected = "gather: index 3 at position 1 is out of range for axis 1 of length 3"
    )]
    fn gather_out_of_range_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).gather(1, &[0, 3]);
    }
}
