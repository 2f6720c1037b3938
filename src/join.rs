//! Joining, splitting and reshaping composites: `cat`, `stack`, `chunk`, `split`,
//! `squeeze`, `unsqueeze`, `flatten`, and `matmul` beyond 2-D. They carry no derivative code:
//! each is `narrow`, the binary `cat` primitive, `reshape`, `broadcast_to`, `matmul` or `bmm`.

use crate::axes::{axis, axis_in};
use crate::float::Float;
use crate::graph::Var;
use crate::shape::{Shape, broadcast_shape};

impl<'g, T: Float> Var<'g, T> {
    /// The values joined along `axis` (negative counts from the end), as `torch.cat`: every
    /// other axis must agree. `cat(&[[2, 3], [4, 3]], 0) → [6, 3]`. The gradient of each
    /// input is its part of the upstream gradient.
    ///
    /// A node has at most two inputs, so n values are joined by n − 1 binary `cat` nodes,
    /// paired as a balanced tree: each element is copied about log₂ n times (a left fold would
    /// copy the first values n − 1 times).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor, Var};
    /// let g = Graph::new();
    /// let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
    /// let b = g.tensor(Tensor::from_vec(vec![3.0], &[1]).unwrap());
    /// let y = Var::cat(&[a, b, a], 0);
    /// (y * y).sum().backward();
    /// assert_eq!(y.value().data(), &[1.0, 2.0, 3.0, 1.0, 2.0]);
    /// assert_eq!(a.grad().data(), &[4.0, 8.0]); // 2a from each of its two copies
    /// ```
    ///
    /// # Panics
    /// When `values` is empty, `axis` is out of range, or the shapes differ on another axis.
    #[track_caller]
    pub fn cat(values: &[Self], axis: isize) -> Self {
        let Some(&first) = values.first() else {
            empty_panic("cat")
        };
        let ax = self::axis("cat", axis, &crate::ops::shape_of(first));
        join("cat", values, ax)
    }

    /// The values, all of one shape, stacked along a new axis at position `axis` (from 0 to
    /// their rank; negative counts from the end of the result), as `torch.stack`:
    /// `stack(&[[3], [3]], 0) → [2, 3]`.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor, Var};
    /// let g = Graph::new();
    /// let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap());
    /// let b = g.tensor(Tensor::from_vec(vec![3.0, 4.0], &[2]).unwrap());
    /// let y = Var::stack(&[a, b], 1);
    /// assert_eq!((y.shape(), y.value().data().to_vec()), (vec![2, 2], vec![1.0, 3.0, 2.0, 4.0]));
    /// ```
    ///
    /// # Panics
    /// When `values` is empty, `axis` is out of range, or the shapes differ.
    #[track_caller]
    pub fn stack(values: &[Self], axis: isize) -> Self {
        let Some(&first) = values.first() else {
            empty_panic("stack")
        };
        let shape = crate::ops::shape_of(first);
        let ax = axis_in("stack", axis, &shape, shape.len() + 1);
        for &v in values {
            let s = crate::ops::shape_of(v);
            if s != shape {
                stack_panic(&shape, &s);
            }
        }
        let parts: Vec<Self> = values.iter().map(|v| v.unsqueeze(ax as isize)).collect();
        join("stack", &parts, ax)
    }

    /// `n` pieces along `axis`, as `torch.chunk`: each ⌈len / n⌉ long but the last, which
    /// holds the rest (so there may be fewer than `n`). Each piece is a `narrow`.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0], &[5]).unwrap());
    /// let parts: Vec<Vec<usize>> = x.chunk(3, 0).iter().map(|p| p.shape()).collect();
    /// assert_eq!(parts, vec![vec![2], vec![2], vec![1]]);
    /// ```
    ///
    /// # Panics
    /// When `n` is 0 or `axis` is out of range.
    #[track_caller]
    pub fn chunk(self, n: usize, axis: isize) -> Vec<Self> {
        let shape = crate::ops::shape_of(self);
        let ax = self::axis("chunk", axis, &shape);
        if n == 0 {
            panic!("chunk: cannot split axis {ax} of shape {shape:?} into 0 chunks");
        }
        let size = shape[ax].div_ceil(n).max(1);
        self.split(size, axis)
    }

    /// Pieces of `size` along `axis`, as `torch.split` with an integer: the last piece holds
    /// what is left. An empty axis gives one empty piece.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap());
    /// let parts = x.split(2, 0);
    /// assert_eq!(parts[1].value().data(), &[3.0]);
    /// ```
    ///
    /// # Panics
    /// When `size` is 0 or `axis` is out of range.
    #[track_caller]
    pub fn split(self, size: usize, axis: isize) -> Vec<Self> {
        let shape = crate::ops::shape_of(self);
        let ax = self::axis("split", axis, &shape);
        if size == 0 {
            panic!("split: pieces of size 0 along axis {ax} of shape {shape:?}");
        }
        let len = shape[ax];
        if len == 0 {
            return vec![self.narrow(ax as isize, 0, 0)];
        }
        (0..len)
            .step_by(size)
            .map(|start| self.narrow(ax as isize, start, size.min(len - start)))
            .collect()
    }

    /// Pieces of the given `sizes` along `axis`, as `torch.split` with a list; the sizes
    /// must add up to the axis length.
    ///
    /// # Panics
    /// When `axis` is out of range or the sizes do not add up to its length.
    #[track_caller]
    pub fn split_with_sizes(self, sizes: &[usize], axis: isize) -> Vec<Self> {
        let shape = crate::ops::shape_of(self);
        let ax = self::axis("split_with_sizes", axis, &shape);
        let total = sizes.iter().try_fold(0usize, |a, &s| a.checked_add(s));
        if total != Some(shape[ax]) {
            panic!(
                "split_with_sizes: sizes {sizes:?} do not add up to the length {} of axis {ax} \
                 (shape {shape:?})",
                shape[ax]
            );
        }
        let mut start = 0;
        sizes
            .iter()
            .map(|&n| {
                start += n;
                self.narrow(ax as isize, start - n, n)
            })
            .collect()
    }

    /// A new axis of length 1 at position `axis` (from 0 to the rank; negative counts from
    /// the end of the result), as `torch.unsqueeze`: `[2, 3].unsqueeze(1) → [2, 1, 3]`.
    ///
    /// # Panics
    /// When `axis` is out of range.
    #[track_caller]
    pub fn unsqueeze(self, axis: isize) -> Self {
        let mut shape = crate::ops::shape_of(self);
        let ax = axis_in("unsqueeze", axis, &shape, shape.len() + 1);
        shape.insert(ax, 1);
        self.reshape(&shape)
    }

    /// The value without `axis` if its length is 1, and unchanged otherwise (as
    /// `torch.squeeze(dim)` and candle's `squeeze`): `[2, 1, 3].squeeze(1) → [2, 3]`.
    ///
    /// # Panics
    /// When `axis` is out of range.
    #[track_caller]
    pub fn squeeze(self, axis: isize) -> Self {
        let mut shape = crate::ops::shape_of(self);
        let ax = self::axis("squeeze", axis, &shape);
        if shape[ax] != 1 {
            return self;
        }
        shape.remove(ax);
        self.reshape(&shape)
    }

    /// The value without any of its axes of length 1, as `torch.squeeze()`.
    pub fn squeeze_all(self) -> Self {
        let shape = crate::ops::shape_of(self);
        let kept: Shape = shape.iter().copied().filter(|&d| d != 1).collect();
        if kept.len() == shape.len() {
            return self;
        }
        self.reshape(&kept)
    }

    /// Axes `start` to `end` (both included; negative counts from the end) merged into one,
    /// as `torch.flatten`: `[2, 3, 4].flatten(1, -1) → [2, 12]`. A rank-0 value becomes
    /// `[1]`, as in PyTorch.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::zeros(&[2, 3, 4]));
    /// assert_eq!(x.flatten(1, -1).shape(), vec![2, 12]);
    /// assert_eq!(x.flatten(0, 1).shape(), vec![6, 4]);
    /// ```
    ///
    /// # Panics
    /// When an axis is out of range or `start` comes after `end`.
    #[track_caller]
    pub fn flatten(self, start: isize, end: isize) -> Self {
        let shape = crate::ops::shape_of(self);
        if shape.is_empty() {
            return self.reshape(&[1]);
        }
        let (s, e) = (axis("flatten", start, &shape), axis("flatten", end, &shape));
        if s > e {
            panic!("flatten: start axis {start} comes after end axis {end} (shape {shape:?})");
        }
        let mut out: Shape = shape[..s].into();
        out.push(shape[s..=e].iter().product());
        out.extend_from_slice(&shape[e + 1..]);
        self.reshape(&out)
    }

    /// `matmul` on anything but two 2-D values, as `torch.matmul`: a 1-D first operand is a
    /// row and a 1-D second one a column (the added axis is removed from the result); axes
    /// before the last two are batch axes, broadcast against each other.
    #[track_caller]
    pub(crate) fn matmul_nd(self, other: Self) -> Self {
        let (sa, sb) = (crate::ops::shape_of(self), crate::ops::shape_of(other));
        if sa.is_empty() || sb.is_empty() {
            panic!("matmul: {sa:?} and {sb:?} cannot be multiplied (rank 0 has no matrix axes)");
        }
        let (ra, rb) = (sa.len(), sb.len());
        let a = if ra == 1 {
            self.reshape(&[1, sa[0]])
        } else {
            self
        };
        let b = if rb == 1 {
            other.reshape(&[sb[0], 1])
        } else {
            other
        };
        let (xa, xb) = (crate::ops::shape_of(a), crate::ops::shape_of(b));
        let (m, k) = (xa[xa.len() - 2], xa[xa.len() - 1]);
        let (k2, n) = (xb[xb.len() - 2], xb[xb.len() - 1]);
        if k != k2 {
            panic!(
                "matmul: {sa:?} and {sb:?} cannot be multiplied (inner lengths {k} and {k2} differ)"
            );
        }
        let (ba, bb) = (&xa[..xa.len() - 2], &xb[..xb.len() - 2]);
        let Some(batch) = broadcast_shape(ba, bb) else {
            panic!("matmul: batch axes {ba:?} of {sa:?} and {bb:?} of {sb:?} do not broadcast")
        };
        let nb: usize = batch.iter().product();
        let product = if bb.is_empty() {
            // A stack of matrices times one matrix: one 2-D product on the stacked rows.
            a.reshape(&[nb * m, k]).matmul(b)
        } else {
            let full = |mut s: Shape, r: usize, c: usize| {
                s.push(r);
                s.push(c);
                s
            };
            let a3 = a
                .broadcast_to(&full(batch.clone(), m, k))
                .reshape(&[nb, m, k]);
            let b3 = b
                .broadcast_to(&full(batch.clone(), k, n))
                .reshape(&[nb, k, n]);
            a3.bmm(b3)
        };
        let mut out = batch;
        if ra > 1 {
            out.push(m);
        }
        if rb > 1 {
            out.push(n);
        }
        product.reshape(&out)
    }
}

/// Joins `values` (at least one) along the resolved `axis` with binary `cat` nodes paired
/// as a balanced tree. `op` is the method the user called, for the messages.
#[track_caller]
fn join<'g, T: Float>(op: &str, values: &[Var<'g, T>], axis: usize) -> Var<'g, T> {
    let mut level: Vec<Var<'g, T>> = values.to_vec();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        // A plain loop, not a closure: `cat2`'s panics must report the caller's line.
        for p in level.chunks(2) {
            next.push(match *p {
                [a, b] => Var::cat2(op, a, b, axis),
                [a] => a,
                _ => unreachable!("chunks of two"),
            });
        }
        level = next;
    }
    level[0]
}

#[cold]
#[track_caller]
fn empty_panic(op: &str) -> ! {
    panic!("{op}: needs at least one value, got an empty list")
}

#[cold]
#[track_caller]
fn stack_panic(a: &[usize], b: &[usize]) -> ! {
    panic!("stack: every value must have the same shape, got {a:?} and {b:?}")
}
