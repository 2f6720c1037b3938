//! What a user reads off a tensor: `Display` (PyTorch's layout, summarised when large) and the
//! row-wise argmax. Kept apart from tensor.rs, which holds the storage.

use crate::float::Float;
use crate::tensor::Tensor;
use std::fmt;

/// Tensors with more elements than this print only the first and last [`EDGE`] entries along
/// each axis, as PyTorch's and NumPy's printers do (their threshold is also 1000).
const SUMMARY_THRESHOLD: usize = 1000;
/// Entries kept at each end of an axis in a summary.
const EDGE: usize = 3;

impl<T: Float> Tensor<T> {
    /// The position of the largest entry of each row along the last axis (ties go to the
    /// first; a NaN counts as larger than any number, as in NumPy and PyTorch, so a row
    /// holding one cannot pass for a clean prediction). For scores `[n, classes]` this is the
    /// predicted class of each sample; a rank-r tensor gives one index per position of its
    /// first r − 1 axes, in row-major order.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let scores = Tensor::from_vec(vec![0.1, 0.9, 0.0, 0.5, 0.5, 0.2], &[2, 3]).unwrap();
    /// assert_eq!(scores.argmax_rows(), [1, 0]); // row 1 ties: the first 0.5 wins
    /// ```
    ///
    /// # Panics
    /// When the tensor is rank 0 or its last axis has length 0 (no entry to pick).
    #[track_caller]
    pub fn argmax_rows(&self) -> Vec<usize> {
        let k = match self.shape().last() {
            Some(&k) if k > 0 => k,
            _ => argmax_panic(self.shape()),
        };
        self.data()
            .chunks(k)
            .map(|row| {
                let mut best = 0;
                for (j, &v) in row.iter().enumerate() {
                    if row[best].is_nan() {
                        break;
                    }
                    if v > row[best] || v.is_nan() {
                        best = j;
                    }
                }
                best
            })
            .collect()
    }
}

#[cold]
#[track_caller]
fn argmax_panic(shape: &[usize]) -> ! {
    panic!("argmax_rows: shape {shape:?} has no entries along a last axis to pick from")
}

impl<T: Float> fmt::Display for Tensor<T> {
    /// PyTorch's layout: `tensor([[1, 2],\n        [3, 4]])`, each entry in its shortest
    /// round-trip form (or with the precision given, `{:.3}`), right-aligned in columns.
    /// Above 1000 elements only the first and last three entries of each axis are shown,
    /// with `...` between them, and the shape follows:
    /// `tensor([[0, 0, 0, ..., 0, 0, 0],\n ...], shape=[1000, 1000])`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let t = Tensor::from_vec(vec![1.0, -2.5, 3.0, 40.0], &[2, 2]).unwrap();
    /// assert_eq!(t.to_string(), "tensor([[   1, -2.5],\n        [   3,   40]])");
    /// assert_eq!(format!("{:.2}", Tensor::scalar(0.5)), "tensor(0.50)");
    /// let big = Tensor::<f32>::zeros(&[1000, 1000]).to_string();
    /// assert!(big.len() < 400 && big.ends_with("shape=[1000, 1000])"), "{big}");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shape = self.shape();
        let summarise = self.len() > SUMMARY_THRESHOLD;
        let cell = |x: T| match f.precision() {
            Some(p) => format!("{x:.p$}"),
            None => format!("{x}"),
        };
        if shape.is_empty() {
            return write!(f, "tensor({})", cell(self.item()));
        }
        // The positions shown along each axis; None marks the ellipsis.
        let shown: Vec<Vec<Option<usize>>> = shape
            .iter()
            .map(|&d| {
                if summarise && d > 2 * EDGE {
                    (0..EDGE)
                        .map(Some)
                        .chain([None])
                        .chain((d - EDGE..d).map(Some))
                        .collect()
                } else {
                    (0..d).map(Some).collect()
                }
            })
            .collect();
        // Strides of the row-major layout.
        let mut strides = vec![1; shape.len()];
        for a in (0..shape.len() - 1).rev() {
            strides[a] = strides[a + 1] * shape[a + 1];
        }
        // Every shown element, its text, in order; the column width is the widest.
        let mut cells = Vec::new();
        let mut width = 0;
        for_each_shown(&shown, &strides, |i| {
            let s = cell(self.data()[i]);
            width = width.max(s.chars().count());
            cells.push(s);
        });
        let mut out = String::from("tensor(");
        let mut next = cells.iter();
        write_block(&mut out, &shown, 0, &mut next, width);
        if summarise {
            out.push_str(&format!(", shape={shape:?}"));
        }
        out.push(')');
        f.write_str(&out)
    }
}

/// Calls `visit` with the flat index of every shown element, in row-major order. An odometer
/// over the shown positions of each axis (no recursion), skipping the ellipsis marks.
fn for_each_shown(shown: &[Vec<Option<usize>>], strides: &[usize], mut visit: impl FnMut(usize)) {
    let positions: Vec<Vec<usize>> = shown
        .iter()
        .map(|s| s.iter().flatten().copied().collect())
        .collect();
    if positions.iter().any(Vec::is_empty) {
        return;
    }
    let mut digit = vec![0; positions.len()];
    loop {
        let flat = digit
            .iter()
            .zip(&positions)
            .zip(strides)
            .map(|((&d, p), &s)| p[d] * s)
            .sum();
        visit(flat);
        let mut a = positions.len();
        loop {
            if a == 0 {
                return;
            }
            a -= 1;
            digit[a] += 1;
            if digit[a] < positions[a].len() {
                break;
            }
            digit[a] = 0;
        }
    }
}

/// Writes the block of axis `axis` (and, nested, the axes after it), taking element texts in
/// order from `cells`. The depth is the tensor's rank, not the graph's size.
fn write_block<'a>(
    out: &mut String,
    shown: &[Vec<Option<usize>>],
    axis: usize,
    cells: &mut impl Iterator<Item = &'a String>,
    width: usize,
) {
    out.push('[');
    let last = axis + 1 == shown.len();
    // Rows of an inner axis line up under the first: "tensor(" plus one '[' per outer axis.
    let indent = " ".repeat("tensor(".len() + axis + 1);
    let blank_lines = "\n".repeat((shown.len() - axis - 1).min(2));
    for (k, pos) in shown[axis].iter().enumerate() {
        if k > 0 {
            if last {
                out.push_str(", ");
            } else {
                out.push(',');
                out.push_str(&blank_lines);
                out.push_str(&indent);
            }
        }
        match (pos, last) {
            (None, _) => out.push_str("..."),
            (Some(_), true) => {
                let s = cells.next().map(String::as_str).unwrap_or("");
                out.push_str(&" ".repeat(width - s.chars().count()));
                out.push_str(s);
            }
            (Some(_), false) => write_block(out, shown, axis + 1, cells, width),
        }
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_rows_picks_the_first_maximum_and_lets_nan_win() {
        let t = Tensor::from_vec(vec![1.0, 3.0, 3.0, 0.0, f64::NAN, 5.0], &[2, 3]).unwrap();
        assert_eq!(t.argmax_rows(), [1, 1]);
        let v = Tensor::from_vec(vec![2.0, 7.0, -1.0], &[3]).unwrap();
        assert_eq!(v.argmax_rows(), [1]);
    }

    #[test]
    #[should_panic(expected = "argmax_rows: shape [2, 0] has no entries along a last axis")]
    fn argmax_rows_of_empty_rows_panics() {
        let _ = Tensor::<f64>::zeros(&[2, 0]).argmax_rows();
    }

    #[test]
    fn small_tensors_print_every_entry_in_aligned_columns() {
        let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], &[2, 2, 2]).unwrap();
        // Rank 3: the two [2, 2] blocks are separated by one blank line, as in PyTorch.
        assert_eq!(
            t.to_string(),
            "tensor([[[1, 2],\n         [3, 4]],\n\n        [[5, 6],\n         [7, 8]]])"
        );
        assert_eq!(Tensor::<f64>::zeros(&[0]).to_string(), "tensor([])");
    }

    #[test]
    fn large_tensors_print_edges_an_ellipsis_and_the_shape() {
        let t = Tensor::from_vec((0..2000).map(f64::from).collect(), &[2, 1000]).unwrap();
        assert_eq!(
            t.to_string(),
            "tensor([[   0,    1,    2, ...,  997,  998,  999],\n        \
             [1000, 1001, 1002, ..., 1997, 1998, 1999]], shape=[2, 1000])"
        );
        let rows = Tensor::<f64>::zeros(&[1001, 1]).to_string();
        assert_eq!(
            rows,
            "tensor([[0],\n        [0],\n        [0],\n        ...,\n        [0],\n        \
             [0],\n        [0]], shape=[1001, 1])"
        );
    }
}
