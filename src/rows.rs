//! Row selection on [`Tensor`]s: the rows of a minibatch, by an index list or a range.
//!
//! A row is everything under one index of axis 0: for a tensor of shape `[n, d₁, …, dₖ]`,
//! row i is the `d₁·…·dₖ` elements that start at flat offset `i·d₁·…·dₖ` (row-major). Both
//! methods copy; the result has shape `[m, d₁, …, dₖ]` for `m` rows taken. They work on plain
//! tensors (data outside the tape), which is why they live here and not among the ops.

use crate::float::Float;
use crate::tensor::Tensor;
use std::ops::{Bound, RangeBounds};

impl<T: Float> Tensor<T> {
    /// The rows `index` (along axis 0), stacked in that order: `out[k] = self[index[k]]`.
    /// An index may repeat; an empty list gives `[0, d₁, …]`. The minibatch of a training
    /// step.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]).unwrap();
    /// let b = x.select_rows(&[2, 0]);
    /// assert_eq!((b.shape(), b.data()), (&[2, 2][..], &[5.0, 6.0, 1.0, 2.0][..]));
    /// ```
    ///
    /// # Panics
    /// When the tensor is rank 0 (it has no rows) or an index is not below `shape[0]`.
    #[track_caller]
    pub fn select_rows(&self, index: &[usize]) -> Tensor<T> {
        let shape = self.shape();
        if shape.is_empty() {
            rank0_panic("select_rows");
        }
        let width: usize = shape[1..].iter().product();
        let mut out = Vec::with_capacity(index.len() * width);
        for &i in index {
            if i >= shape[0] {
                select_panic(shape, i);
            }
            out.extend_from_slice(&self.data()[i * width..(i + 1) * width]);
        }
        let mut s = shape.to_vec();
        s[0] = index.len();
        Tensor::from_vec(out, &s).expect("m rows of the same width fill [m, d₁, …]")
    }

    /// The contiguous rows in `range` (along axis 0): `x.rows(a..b)` is
    /// `x.select_rows(&[a, a + 1, …, b − 1])`, copied as one block. Any range form works
    /// (`a..b`, `a..=b`, `a..`, `..b`, `..`).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]).unwrap();
    /// assert_eq!(x.rows(1..3).data(), &[3.0, 4.0, 5.0, 6.0]);
    /// assert_eq!(x.rows(..1).shape(), &[1, 2]);
    /// assert_eq!(x.rows(2..2).shape(), &[0, 2]);
    /// ```
    ///
    /// # Panics
    /// When the tensor is rank 0, or the range runs backwards or past `shape[0]`.
    #[track_caller]
    pub fn rows(&self, range: impl RangeBounds<usize>) -> Tensor<T> {
        let shape = self.shape();
        if shape.is_empty() {
            rank0_panic("rows");
        }
        let n = shape[0];
        // Bounds as a half-open [start, end); an inclusive end of usize::MAX is past any n.
        let start = match range.start_bound() {
            Bound::Included(&a) => Some(a),
            Bound::Excluded(&a) => a.checked_add(1),
            Bound::Unbounded => Some(0),
        };
        let end = match range.end_bound() {
            Bound::Included(&b) => b.checked_add(1),
            Bound::Excluded(&b) => Some(b),
            Bound::Unbounded => Some(n),
        };
        let (start, end) = match (start, end) {
            (Some(a), Some(b)) if a <= b && b <= n => (a, b),
            _ => range_panic(shape, range.start_bound(), range.end_bound()),
        };
        let width: usize = shape[1..].iter().product();
        let mut s = shape.to_vec();
        s[0] = end - start;
        Tensor::from_vec(self.data()[start * width..end * width].to_vec(), &s)
            .expect("a block of whole rows fills [m, d₁, …]")
    }
}

#[cold]
#[track_caller]
fn rank0_panic(method: &str) -> ! {
    panic!("Tensor::{method}: a rank-0 tensor (a scalar) has no rows")
}

#[cold]
#[track_caller]
fn select_panic(shape: &[usize], i: usize) -> ! {
    panic!("Tensor::select_rows: cannot take row {i} of a tensor of shape {shape:?}")
}

#[cold]
#[track_caller]
fn range_panic(shape: &[usize], start: Bound<&usize>, end: Bound<&usize>) -> ! {
    panic!(
        "Tensor::rows: the range ({start:?}, {end:?}) is not within the {} rows of a tensor \
         of shape {shape:?}",
        shape[0]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[4, 2, 3]`: element (i, j, k) holds 100·i + 10·j + k, so each value names its row.
    fn cube() -> Tensor<f64> {
        let data = (0..4)
            .flat_map(|i| {
                (0..2).flat_map(move |j| (0..3).map(move |k| (100 * i + 10 * j + k) as f64))
            })
            .collect();
        Tensor::from_vec(data, &[4, 2, 3]).unwrap()
    }

    /// The row each block of 6 elements came from (its hundreds digit).
    fn row_ids(t: &Tensor<f64>) -> Vec<usize> {
        let rows: Vec<usize> = t
            .data()
            .chunks(6)
            .map(|c| (c[0] / 100.0) as usize)
            .collect();
        // Every element of a block belongs to the same row, in (j, k) order.
        for (c, &i) in t.data().chunks(6).zip(&rows) {
            let want: Vec<f64> = (0..6)
                .map(|e| (100 * i + 10 * (e / 3) + e % 3) as f64)
                .collect();
            assert_eq!(c, &want[..]);
        }
        rows
    }

    #[test]
    fn select_rows_stacks_whole_rows_in_the_given_order() {
        let t = cube().select_rows(&[3, 1, 1, 0]);
        assert_eq!(t.shape(), &[4, 2, 3]);
        assert_eq!(row_ids(&t), [3, 1, 1, 0]);
        assert_eq!(cube().select_rows(&[]).shape(), &[0, 2, 3]);
        let v = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap();
        assert_eq!(v.select_rows(&[2, 0]).data(), &[3.0, 1.0]);
    }

    #[test]
    fn rows_is_select_rows_of_the_range_for_every_range_form() {
        let x = cube();
        let same = |t: Tensor<f64>, idx: &[usize]| assert_eq!(t, x.select_rows(idx));
        same(x.rows(1..3), &[1, 2]);
        same(x.rows(1..=3), &[1, 2, 3]);
        same(x.rows(2..), &[2, 3]);
        same(x.rows(..2), &[0, 1]);
        same(x.rows(..), &[0, 1, 2, 3]);
        same(x.rows(4..4), &[]);
    }

    #[test]
    #[should_panic(expected = "Tensor::select_rows: cannot take row 3 of a tensor of shape [3, 2]")]
    fn select_rows_out_of_range_panics_naming_the_row_and_shape() {
        let _ = Tensor::<f64>::zeros(&[3, 2]).select_rows(&[0, 3]);
    }

    #[test]
    #[should_panic(
        expected = "Tensor::rows: the range (Included(2), Excluded(5)) is not within \
                               the 4 rows of a tensor of shape [4, 2, 3]"
    )]
    fn rows_past_the_end_panics() {
        let _ = cube().rows(2..5);
    }

    #[test]
    #[should_panic(expected = "is not within the 4 rows")]
    fn rows_running_backwards_panics() {
        #[allow(clippy::reversed_empty_ranges)]
        let _ = cube().rows(3..1);
    }

    #[test]
    #[should_panic(expected = "is not within the 4 rows")]
    fn rows_inclusive_to_usize_max_panics_instead_of_wrapping() {
        let _ = cube().rows(0..=usize::MAX);
    }

    #[test]
    #[should_panic(expected = "Tensor::rows: a rank-0 tensor (a scalar) has no rows")]
    fn rows_of_a_scalar_panics() {
        let _ = Tensor::scalar(1.0).rows(..);
    }
}
