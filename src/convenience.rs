//! Everyday expression building on [`Graph`] and [`Var`]: many scalar leaves at once, one
//! element of a node, and the row-wise argmax of a node's value. Composites only: picking an
//! element is a `reshape` and a `gather`, whose rules the tape already has.

use crate::float::Float;
use crate::graph::{Graph, Var};

impl<T: Float> Graph<T> {
    /// One rank-0 variable leaf per number, in order: the unknowns of a small problem.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let [x, y] = g.scalars(&[1.0, 2.0])[..] else { unreachable!() };
    /// let f = x * x * y; // ∂f/∂x = 2xy = 4, ∂f/∂y = x² = 1
    /// f.backward();
    /// assert_eq!((x.grad().item(), y.grad().item()), (4.0, 1.0));
    /// ```
    pub fn scalars(&self, xs: &[T]) -> Vec<Var<'_, T>> {
        xs.iter().map(|&x| self.scalar(x)).collect()
    }
}

impl<'g, T: Float> Var<'g, T> {
    /// Element `i` of the value in row-major order, as a rank-0 node (for a vector, its i-th
    /// entry). Its gradient reaches that one entry: ∂x.at(i)/∂x is the one-hot of i.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![3.0, 4.0, 5.0], &[3]).unwrap());
    /// let y = x.at(0) * x.at(2); // x₀·x₂
    /// y.backward();
    /// assert_eq!(y.item(), 15.0);
    /// assert_eq!(x.grad().data(), &[5.0, 0.0, 3.0]);
    /// ```
    ///
    /// # Panics
    /// When `i` is not below the number of elements.
    #[track_caller]
    pub fn at(self, i: usize) -> Self {
        let shape = crate::ops::shape_of(self);
        let n: usize = shape.iter().product();
        if i >= n {
            at_panic(&shape, i, n);
        }
        self.reshape(&[1, n]).gather(1, &[i]).reshape(&[])
    }

    /// The element at the multi-index `index` (one entry per axis), as a rank-0 node:
    /// `m.get(&[i, j])` is mᵢⱼ. Its gradient reaches that one entry.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let m = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap());
    /// let det = m.get(&[0, 0]) * m.get(&[1, 1]) - m.get(&[0, 1]) * m.get(&[1, 0]);
    /// det.backward();
    /// assert_eq!(det.item(), -2.0); // 1·4 − 2·3
    /// assert_eq!(m.grad().data(), &[4.0, -3.0, -2.0, 1.0]); // the cofactors
    /// ```
    ///
    /// # Panics
    /// When `index` does not have one entry per axis, or an entry is not below its axis's
    /// length.
    #[track_caller]
    pub fn get(self, index: &[usize]) -> Self {
        let shape = crate::ops::shape_of(self);
        if index.len() != shape.len() || index.iter().zip(shape.iter()).any(|(&i, &d)| i >= d) {
            get_panic(&shape, index);
        }
        // Row-major: the flat position is Σ index[a]·stride[a], stride[a] = Π shape[a+1..].
        let flat = index
            .iter()
            .zip(shape.iter())
            .fold(0, |acc, (&i, &d)| acc * d + i);
        self.at(flat)
    }

    /// The position of the largest entry of each row of the value along the last axis:
    /// [`Tensor::argmax_rows`](crate::Tensor::argmax_rows) of [`value`](Var::value). Indices
    /// are not differentiable, so this returns plain numbers and records nothing.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let logits = g.tensor(Tensor::from_vec(vec![0.2, 0.7, 0.1, 0.9, 0.05, 0.05], &[2, 3]).unwrap());
    /// assert_eq!(logits.softmax(1).argmax_rows(), [1, 0]);
    /// ```
    ///
    /// # Panics
    /// As [`Tensor::argmax_rows`](crate::Tensor::argmax_rows): for a rank-0 value or an empty
    /// last axis.
    #[track_caller]
    pub fn argmax_rows(self) -> Vec<usize> {
        self.value().argmax_rows()
    }
}

#[cold]
#[track_caller]
fn at_panic(shape: &[usize], i: usize, n: usize) -> ! {
    panic!("at: index {i} is out of range for shape {shape:?} ({n} elements)")
}

#[cold]
#[track_caller]
fn get_panic(shape: &[usize], index: &[usize]) -> ! {
    if index.len() != shape.len() {
        panic!(
            "get: index {index:?} has {} entries but shape {shape:?} has {} axes",
            index.len(),
            shape.len()
        )
    }
    panic!("get: index {index:?} is out of range for shape {shape:?}")
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn at_and_get_pick_one_entry_and_pass_its_gradient_back() {
        // f = m[1, 2]·m[0, 1] + v.at(3): ∂f/∂m is m[0, 1] at (1, 2), m[1, 2] at (0, 1).
        let m = draw(&[2, 3], -1.0, 1.0, 1);
        let v = draw(&[4], -1.0, 1.0, 2);
        check(
            |_, x| x[0].get(&[1, 2]) * x[0].get(&[0, 1]) + x[1].at(3),
            &[m.clone(), v.clone()],
        );
        let g = Graph::new();
        let (mv, vv) = (g.tensor(m.clone()), g.tensor(v.clone()));
        assert_eq!(mv.get(&[1, 2]).item(), m.data()[5]);
        assert_eq!(vv.at(3).item(), v.data()[3]);
        assert_eq!(mv.get(&[1, 2]).shape(), Vec::<usize>::new());
    }

    #[test]
    #[should_panic(expected = "get: index [0, 3] is out of range for shape [2, 3]")]
    fn get_out_of_range_names_index_and_shape() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).get(&[0, 3]);
    }

    #[test]
    #[should_panic(expected = "get: index [1] has 1 entries but shape [2, 3] has 2 axes")]
    fn get_with_too_few_entries_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).get(&[1]);
    }

    #[test]
    #[should_panic(expected = "at: index 3 is out of range for shape [3] (3 elements)")]
    fn at_out_of_range_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[3])).at(3);
    }

    #[test]
    fn scalars_are_independent_variable_leaves() {
        let g = Graph::new();
        let xs = g.scalars(&[1.0, 2.0, 3.0]);
        let y = xs[0] * xs[1] * xs[2];
        y.backward();
        // ∂(abc)/∂a = bc = 6, /∂b = ac = 3, /∂c = ab = 2.
        let grads: Vec<f64> = xs.iter().map(|x| x.grad().item()).collect();
        assert_eq!(grads, [6.0, 3.0, 2.0]);
    }
}
