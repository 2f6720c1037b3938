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

use crate::error::Error;
use crate::float::Float;
use crate::pool::{self, Array};
use crate::shape::Shape;
use std::fmt;
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
    /// Builds a tensor from row-major `data` and a `shape`.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `data.len()` is not the product of `shape`; the error
    /// names both numbers.
    pub fn from_vec(data: Vec<T>, shape: &[usize]) -> Result<Self, Error> {
        let expected: usize = shape.iter().product();
        if data.len() != expected {
            return Err(Error::LengthMismatch {
                len: data.len(),
                shape: shape.to_vec(),
                expected,
            });
        }
        Ok(Self::from_parts(Shape::from_slice(shape), data))
    }

    /// Like [`Tensor::from_vec`], and also rejects NaN and ±∞.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] as for `from_vec`; [`Error::NonFinite`] with the index of the
    /// first non-finite element.
    pub fn from_vec_finite(data: Vec<T>, shape: &[usize]) -> Result<Self, Error> {
        if let Some(index) = data.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                context: "Tensor::from_vec_finite".into(),
                index,
            });
        }
        Self::from_vec(data, shape)
    }

    /// A rank-0 tensor holding `x`. Stored inline: no allocation.
    #[inline]
    pub fn scalar(x: T) -> Self {
        Tensor { block: None, x }
    }

    /// A tensor of `shape` filled with `x`.
    pub fn full(shape: &[usize], x: T) -> Self {
        if shape.is_empty() {
            return Self::scalar(x); // inline: no allocation
        }
        let n = shape.iter().product();
        Self::build(shape, |v| v.resize(n, x))
    }

    /// A tensor of `shape` filled with 0.
    pub fn zeros(shape: &[usize]) -> Self {
        Self::full(shape, T::ZERO)
    }

    /// A tensor of `shape` filled with 1.
    pub fn ones(shape: &[usize]) -> Self {
        Self::full(shape, T::ONE)
    }

    /// Builds from a shape and data whose lengths are known to agree.
    #[track_caller]
    pub(crate) fn from_parts(shape: Shape, data: Vec<T>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        if shape.is_empty() {
            Self::scalar(data[0])
        } else {
            Tensor {
                block: Some(Arc::new(Array { shape, data })),
                x: T::ZERO,
            }
        }
    }

    /// A tensor of `shape` whose data `fill` pushes, in row-major order, into an empty
    /// buffer taken from the pool with room for all of it (so pushing never reallocates).
    /// `fill` must push exactly as many elements as `shape` holds. A rank-0 result is stored
    /// inline.
    #[inline]
    #[track_caller]
    pub(crate) fn build(shape: &[usize], fill: impl FnOnce(&mut Vec<T>)) -> Self {
        let n = shape.iter().product();
        let mut block = pool::take::<T>(n);
        let a = pool::unique(&mut block);
        fill(&mut a.data);
        debug_assert_eq!(a.data.len(), n, "build: wrong element count for {shape:?}");
        if shape.is_empty() {
            let x = a.data[0];
            pool::give(block);
            return Self::scalar(x);
        }
        a.shape.clear();
        a.shape.extend_from_slice(shape);
        Tensor {
            block: Some(block),
            x: T::ZERO,
        }
    }

    /// The bytes of free tensor buffers of this element type that the current thread keeps
    /// for reuse. Dropping the last tensor that holds a buffer hands it to a per-thread pool
    /// (capped at 256 MiB and 512 buffers per size class, per element type), from which new
    /// tensors take theirs: that is what lets a training step on a reused [`Graph`](crate::Graph)
    /// run without heap allocations. The pool holds about one step's working set.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// drop(Tensor::<f32>::zeros(&[1000]));
    /// assert!(Tensor::<f32>::pooled_bytes() >= 4000);
    /// Tensor::<f32>::release_pooled();
    /// assert_eq!(Tensor::<f32>::pooled_bytes(), 0);
    /// ```
    pub fn pooled_bytes() -> usize {
        pool::pooled_bytes::<T>()
    }

    /// Returns this thread's free tensor buffers of this element type to the allocator
    /// (after training, say), and the number of bytes freed. Later tensors allocate afresh
    /// until the pool has filled up again. See [`Tensor::pooled_bytes`].
    pub fn release_pooled() -> usize {
        pool::release::<T>()
    }

    /// A tensor of non-empty `shape` whose elements have unspecified values (a recycled
    /// buffer's old contents, or 0), for a kernel that overwrites them all.
    #[inline]
    pub(crate) fn stale(shape: &[usize]) -> Self {
        debug_assert!(!shape.is_empty());
        let mut block = pool::take_stale::<T>(shape.iter().product());
        let a = pool::unique(&mut block);
        a.shape.clear();
        a.shape.extend_from_slice(shape);
        Tensor {
            block: Some(block),
            x: T::ZERO,
        }
    }

    /// A tensor of `shape` whose elements `fill` sets, every one of them, in a buffer from
    /// the pool that holds unspecified values until then (no clearing pass). A rank-0 result
    /// is stored inline.
    #[inline]
    pub(crate) fn overwrite(shape: &[usize], fill: impl FnOnce(&mut [T])) -> Self {
        if shape.is_empty() {
            let mut x = [T::ZERO];
            fill(&mut x);
            return Self::scalar(x[0]);
        }
        let mut t = Self::stale(shape);
        fill(t.data_mut());
        t
    }

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
        debug_assert_eq!(shape.iter().product::<usize>(), self.len());
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.block {
            None => write!(f, "Tensor({:?})", self.x),
            Some(a) => write!(f, "Tensor(shape={:?}, data={:?})", &a.shape[..], a.data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_reports_both_lengths() {
        let err = Tensor::<f64>::from_vec(vec![1.0; 5], &[2, 3]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains('5') && msg.contains('6') && msg.contains("[2, 3]"),
            "{msg}"
        );
    }

    #[test]
    fn scalar_is_two_words() {
        assert_eq!(std::mem::size_of::<Tensor<f64>>(), 16);
        assert_eq!(std::mem::size_of::<Tensor<f32>>(), 16);
    }

    #[test]
    fn a_clone_is_unchanged_by_writes_to_the_original() {
        // Clones share the data until a write, which copies: value semantics.
        let mut a = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap();
        let b = a.clone();
        assert!(
            std::ptr::eq(a.data(), b.data()),
            "a clone shares the buffer"
        );
        a.data_mut()[0] = 9.0;
        assert_eq!(
            (a.data(), b.data()),
            (&[9.0, 2.0, 3.0][..], &[1.0, 2.0, 3.0][..])
        );
        let c = b.clone().with_shape(&[3, 1]);
        assert_eq!((b.shape(), c.shape()), (&[3][..], &[3, 1][..]));
        assert_eq!(c.into_vec(), vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn rank0_from_vec_is_scalar() {
        let t = Tensor::from_vec(vec![2.5], &[]).unwrap();
        assert_eq!(t, Tensor::scalar(2.5));
        assert_eq!(t.item(), 2.5);
    }

    #[test]
    fn from_vec_finite_names_the_index() {
        let err = Tensor::from_vec_finite(vec![1.0, f64::NAN], &[2]).unwrap_err();
        assert_eq!(
            err,
            Error::NonFinite {
                context: "Tensor::from_vec_finite".into(),
                index: 1
            }
        );
    }

    #[test]
    #[should_panic(expected = "item: the tensor has shape [2]")]
    fn item_of_vector_panics() {
        Tensor::<f64>::zeros(&[2]).item();
    }
}
