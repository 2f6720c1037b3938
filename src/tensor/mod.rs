//! `Tensor<T>`: a shape and row-major data, with no autodiff knowledge.
//!
//! A rank-0 tensor (a scalar) is stored inline, so scalar graphs never touch the heap. Any
//! other tensor keeps its shape and data in one boxed block, so a `Tensor` is two words for
//! `f64`: small enough to sit in every tape node.
//!
//! The block is shared, copy-on-write: cloning a tensor (a leaf bound from a parameter, a
//! gradient passed on unchanged, `Var::value`) shares the block, and the first write through
//! [`Tensor::data_mut`] to a shared block copies it. Blocks are recycled through a
//! per-thread pool (see `pool.rs`): dropping the last tensor that holds a block returns it,
//! and kernels build their outputs in recycled blocks, so a training step on a reused tape
//! allocates nothing once warm.

use crate::float::Float;
use crate::pool::{self, Array};
use crate::shape::{self, Shape};
use std::fmt;

mod build;
use std::sync::Arc;

/// An n-dimensional array of `f32` or `f64` in row-major order.
///
/// ```
/// use tapegrad::Tensor;
/// let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
/// assert_eq!(t.shape(), &[2, 3]);
/// assert_eq!(t.data()[4], 5.0);
/// assert!(Tensor::from_vec(vec![1.0, 2.0], &[3]).is_err());
/// ```
///
/// A clone shares the data until one side writes to it (copy-on-write), so cloning costs
/// no copy. Dropping the last holder of a buffer hands it to a per-thread pool, from which
/// new tensors take theirs.
///
/// # Shapes and memory
///
/// Every shape given to a constructor or an op is counted with checked multiplication: a
/// shape whose element count overflows (the product of its nonzero lengths, in bytes, past
/// `isize::MAX`) is an [`Error::ShapeOverflow`](crate::Error::ShapeOverflow) from [`Tensor::from_vec`],
/// [`Tensor::from_vec_finite`] and [`Tensor::try_zeros`], and a panic naming the call and the
/// shape from [`Tensor::zeros`], [`Tensor::ones`], [`Tensor::full`] and the ops. Nothing
/// wraps to a small count.
///
/// A shape that fits but whose buffer the allocator cannot supply is another matter: like
/// `Vec`, every function that allocates a buffer aborts the process then. Those are
/// [`Tensor::zeros`], [`Tensor::ones`], [`Tensor::full`], [`Tensor::map`],
/// [`Tensor::to_f64`], [`Tensor::from_f64`], [`Tensor::data_mut`] on a shared tensor (it
/// copies), [`Tensor::into_vec`] on a shared tensor, and every op's result. Only
/// [`Tensor::try_zeros`] reports the failure, as [`Error::OutOfMemory`](crate::Error::OutOfMemory): use it for sizes
/// that come from outside the program. ([`Tensor::from_vec`] takes a `Vec` already
/// allocated and allocates nothing for a rank ≥ 1 tensor beyond its small header.)
#[derive(PartialEq)]
pub struct Tensor<T: Float> {
    /// The shape and data of any tensor but a scalar; `None` for a scalar.
    block: Option<Arc<Array<T>>>,
    /// A scalar's value; 0 when `block` holds the data.
    ///
    /// Two plain fields rather than an enum: the compiler keeps a pair of scalars in two
    /// registers and moves it with two 8-byte writes, where an enum goes through memory in
    /// 16-byte pieces (a store-forwarding stall each time a fresh scalar is stored on the
    /// tape).
    x: T,
}

impl<T: Float> Drop for Tensor<T> {
    /// One compare for a scalar; the pool's work is out of line, so the drop loop over a
    /// tape of scalar nodes stays a few instructions per node.
    #[inline(always)]
    fn drop(&mut self) {
        self.release_array();
    }
}

impl<T: Float> Tensor<T> {
    /// Hands an array's block to the pool (or lets go of a shared one); leaves the scalar 0.
    #[inline(never)]
    fn release(&mut self) {
        if let Some(a) = self.block.take() {
            pool::give(a);
        }
    }

    /// Lets go of an array (its block goes back to the pool), leaving the scalar 0; leaves a
    /// scalar as it is.
    #[inline(always)]
    pub(crate) fn release_array(&mut self) {
        if self.block.is_some() {
            self.release();
        }
    }

    /// Replaces a tensor that holds a scalar (a tape slot) by `value`: on that path a store
    /// and nothing else; an array, should one be there, is dropped out of line, so the drop
    /// glue of the array case is not inlined into every scalar push.
    #[inline(always)]
    pub(crate) fn overwrite_scalar(&mut self, value: Self) {
        let old = std::mem::replace(self, value);
        if old.block.is_some() {
            drop_cold(old);
        } else {
            std::mem::forget(old); // a scalar: nothing to drop
        }
    }
}

#[cold]
#[inline(never)]
fn drop_cold<T: Float>(t: Tensor<T>) {
    drop(t);
}

impl<T: Float> Clone for Tensor<T> {
    /// Shares the data (copy-on-write): no copy until one side calls `data_mut`.
    #[inline]
    fn clone(&self) -> Self {
        Tensor {
            block: self.block.clone(),
            x: self.x,
        }
    }
}

impl<T: Float> Tensor<T> {
    /// The shape: one length per axis, `[]` for a scalar.
    #[inline]
    pub fn shape(&self) -> &[usize] {
        match &self.block {
            None => &[],
            Some(a) => &a.shape,
        }
    }

    /// The number stored inline: a scalar's value, 0 for any other tensor. For code that
    /// knows it holds a scalar (the dense backward pass), with no check.
    #[inline(always)]
    pub(crate) fn inline_value(&self) -> T {
        self.x
    }

    /// Whether this is a rank-0 tensor (stored inline).
    #[inline(always)]
    pub(crate) fn is_scalar(&self) -> bool {
        self.block.is_none()
    }

    /// The value of a rank-0 tensor (stored inline), `None` for any other rank: the test
    /// behind every scalar fast path.
    #[inline]
    pub(crate) fn as_scalar(&self) -> Option<T> {
        match self.block {
            None => Some(self.x),
            Some(_) => None,
        }
    }

    /// The elements in row-major order.
    #[inline]
    pub fn data(&self) -> &[T] {
        match &self.block {
            None => std::slice::from_ref(&self.x),
            Some(a) => &a.data,
        }
    }

    /// The elements in row-major order, mutable. When the data is shared with a clone, it
    /// is copied first (into a buffer from the pool), so the clone is not changed.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [T] {
        if matches!(&self.block, Some(a) if Arc::strong_count(a) > 1) {
            *self = self.deep_copy();
        }
        match &mut self.block {
            None => std::slice::from_mut(&mut self.x),
            Some(a) => &mut pool::unique(a).data,
        }
    }

    /// Adds `g` to the first element in place (the scalar interpreter's gradient
    /// accumulation: one compare and one add for a rank-0 tensor).
    #[inline(always)]
    pub(crate) fn add_to_first(&mut self, g: T) {
        if self.block.is_none() {
            self.x += g;
        } else {
            self.data_mut()[0] += g;
        }
    }

    /// Sets each element to `f(element, other element)`, in one pass (an optimizer's
    /// update). When the data is shared with a clone, the results go to a new buffer from
    /// the pool instead, so the clone is unchanged and nothing is copied first.
    #[track_caller]
    pub(crate) fn update_with(&mut self, other: &[T], f: impl Fn(T, T) -> T) {
        assert_eq!(self.len(), other.len(), "update_with: lengths differ");
        if matches!(&self.block, Some(a) if Arc::strong_count(a) > 1) {
            let data = self.data();
            *self = Self::overwrite(self.shape(), |o| {
                for ((o, &x), &y) in o.iter_mut().zip(data).zip(other) {
                    *o = f(x, y);
                }
            });
            return;
        }
        for (x, &y) in self.data_mut().iter_mut().zip(other) {
            *x = f(*x, y);
        }
    }

    /// A copy that shares nothing with `self`.
    fn deep_copy(&self) -> Self {
        Self::build(self.shape(), |v| v.extend_from_slice(self.data()))
    }

    /// The number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.data().len()
    }

    /// Whether the tensor has no elements (some axis has length 0).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of axes.
    #[inline]
    pub fn rank(&self) -> usize {
        self.shape().len()
    }

    /// The single element of a one-element tensor (any rank).
    ///
    /// # Panics
    /// When the tensor does not hold exactly one element; the message shows the shape.
    #[track_caller]
    pub fn item(&self) -> T {
        match &self.block {
            None => self.x,
            Some(a) if a.data.len() == 1 => a.data[0],
            Some(a) => item_panic(&a.shape),
        }
    }

    /// The elements, consuming the tensor.
    pub fn into_vec(mut self) -> Vec<T> {
        match self.block.take() {
            None => vec![self.x],
            Some(a) => match Arc::try_unwrap(a) {
                Ok(a) => a.data,
                Err(shared) => shared.data.clone(),
            },
        }
    }

    /// Applies `f` to every element.
    pub fn map(&self, f: impl Fn(T) -> T) -> Self {
        match &self.block {
            None => Self::scalar(f(self.x)),
            Some(a) => Self::overwrite(&a.shape, |o| {
                for (o, &x) in o.iter_mut().zip(&a.data) {
                    *o = f(x);
                }
            }),
        }
    }

    /// The same data under another shape with the same number of elements (the buffer is
    /// kept).
    #[track_caller]
    pub(crate) fn with_shape(mut self, shape: &[usize]) -> Self {
        // Checked here as well as by the caller: a product that wrapped to this length
        // (`[2³², 2³²]` against 0 elements) must not pass.
        let n = shape::len_of::<T>("reshape", shape);
        debug_assert_eq!(n, self.len());
        if let (Some(a), false) = (&mut self.block, shape.is_empty()) {
            if let Some(a) = Arc::get_mut(a) {
                a.shape.clear();
                a.shape.extend_from_slice(shape);
                return self;
            }
            let data = self.data();
            return Self::build(shape, |v| v.extend_from_slice(data));
        }
        let x = self.data()[0];
        Self::build(shape, |v| v.push(x))
    }

    /// Converts every element to `f64`.
    pub fn to_f64(&self) -> Tensor<f64> {
        Tensor::from_parts(
            Shape::from_slice(self.shape()),
            self.data().iter().map(|x| x.to_f64()).collect(),
        )
    }

    /// Converts every element from `f64`, rounding to nearest.
    pub fn from_f64(t: &Tensor<f64>) -> Self {
        Self::from_parts(
            Shape::from_slice(t.shape()),
            t.data().iter().map(|&x| T::from_f64(x)).collect(),
        )
    }
}

#[cold]
#[track_caller]
fn item_panic(shape: &[usize]) -> ! {
    panic!("item: the tensor has shape {shape:?}, not exactly one element")
}

impl<T: Float> From<T> for Tensor<T> {
    fn from(x: T) -> Self {
        Self::scalar(x)
    }
}

impl<T: Float> fmt::Debug for Tensor<T> {
    /// `Tensor(2.5)` for a scalar; `Tensor(shape=[2, 3], data=[1.0, …, 6.0])` with every
    /// element, row-major, up to `SUMMARY_THRESHOLD` elements; beyond that the nested
    /// summary of `fmt_summary`, so that a `[1000, 1000]` tensor prints a few hundred
    /// characters, not megabytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.block {
            None => write!(f, "Tensor({:?})", self.x),
            Some(a) if a.data.len() <= SUMMARY_THRESHOLD => {
                write!(f, "Tensor(shape={:?}, data={:?})", &a.shape[..], a.data)
            }
            Some(a) => {
                write!(f, "Tensor(shape={:?}, data=", &a.shape[..])?;
                fmt_summary(f, &a.shape, &a.data, |f, x| write!(f, "{x:?}"))?;
                f.write_str(")")
            }
        }
    }
}

/// Tensors of more elements than this are summarised when formatted (PyTorch's threshold).
const SUMMARY_THRESHOLD: usize = 1000;

/// How many entries a summary shows at each end of a long axis (PyTorch's `edgeitems`).
const EDGE_ITEMS: usize = 3;

/// Writes `data` of `shape` as nested lists, one level per axis, showing only the first and
/// last [`EDGE_ITEMS`] entries of any axis longer than twice that, with `...` between, as
/// NumPy, ndarray and PyTorch summarise large arrays:
/// `[[0.0, 1.0, 2.0, ..., 997.0, 998.0, 999.0], ..., [...]]`. Each element is written by
/// `elem`, so `Debug` and a `Display` can share the layout with their own number format.
///
/// The recursion is one level per axis, so its depth is the rank. `shape` is a valid shape
/// holding `data.len()` elements.
fn fmt_summary<T: Copy>(
    f: &mut fmt::Formatter<'_>,
    shape: &[usize],
    data: &[T],
    elem: impl Fn(&mut fmt::Formatter<'_>, T) -> fmt::Result + Copy,
) -> fmt::Result {
    let Some((&n, rest)) = shape.split_first() else {
        return elem(f, data[0]);
    };
    let stride: usize = rest.iter().product();
    let shown: Vec<usize> = if n > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS).chain(n - EDGE_ITEMS..n).collect()
    } else {
        (0..n).collect()
    };
    f.write_str("[")?;
    for (k, &i) in shown.iter().enumerate() {
        if k > 0 {
            f.write_str(", ")?;
        }
        if n > 2 * EDGE_ITEMS && k == EDGE_ITEMS {
            f.write_str("..., ")?;
        }
        fmt_summary(f, rest, &data[i * stride..(i + 1) * stride], elem)?;
    }
    f.write_str("]")
}

#[cfg(test)]
mod tests;
