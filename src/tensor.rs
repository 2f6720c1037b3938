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
use crate::shape::{self, Shape};
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
///
/// # Shapes and memory
///
/// Every shape given to a constructor or an op is counted with checked multiplication: a
/// shape whose element count overflows (the product of its nonzero lengths, in bytes, past
/// `isize::MAX`) is an [`Error::ShapeOverflow`] from [`Tensor::from_vec`],
/// [`Tensor::from_vec_finite`] and [`Tensor::try_zeros`], and a panic naming the call and the
/// shape from [`Tensor::zeros`], [`Tensor::ones`], [`Tensor::full`] and the ops. Nothing
/// wraps to a small count.
///
/// A shape that fits but whose buffer the allocator cannot supply is another matter: like
/// `Vec`, every function that allocates a buffer aborts the process then. Those are
/// [`Tensor::zeros`], [`Tensor::ones`], [`Tensor::full`], [`Tensor::map`],
/// [`Tensor::to_f64`], [`Tensor::from_f64`], [`Tensor::data_mut`] on a shared tensor (it
/// copies), [`Tensor::into_vec`] on a shared tensor, and every op's result. Only
/// [`Tensor::try_zeros`] reports the failure, as [`Error::OutOfMemory`]: use it for sizes
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
    /// Builds a tensor from row-major `data` and a `shape`.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// // 2³² · 2³² elements would wrap to 0 in a plain product: an error, not an empty tensor.
    /// assert!(Tensor::<f64>::from_vec(vec![], &[1 << 32, 1 << 32]).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `data.len()` is not the product of `shape`; the error
    /// names both numbers. [`Error::ShapeOverflow`] when the shape holds more elements than
    /// any buffer can (the product of its lengths overflows).
    pub fn from_vec(data: Vec<T>, shape: &[usize]) -> Result<Self, Error> {
        let Some(expected) = shape::checked_len::<T>(shape) else {
            return Err(Error::ShapeOverflow {
                context: "Tensor::from_vec".into(),
                shape: shape.to_vec(),
            });
        };
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
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::full(&[2], 7.0).data(), &[7.0, 7.0]);
    /// ```
    ///
    /// # Panics
    /// When the shape holds more elements than any buffer can (the product of its lengths
    /// overflows); the message names `Tensor::full` and the shape.
    ///
    /// # Aborts
    /// Like `Vec::with_capacity`, when the allocator cannot supply the buffer the process
    /// aborts. For sizes that come from outside, use [`Tensor::try_zeros`].
    #[track_caller]
    pub fn full(shape: &[usize], x: T) -> Self {
        Self::filled("Tensor::full", shape, x)
    }

    /// A tensor of `shape` filled with 0.
    ///
    /// # Panics
    /// As [`Tensor::full`], naming `Tensor::zeros`.
    ///
    /// # Aborts
    /// As [`Tensor::full`]: on memory exhaustion. See [`Tensor::try_zeros`].
    #[track_caller]
    pub fn zeros(shape: &[usize]) -> Self {
        Self::filled("Tensor::zeros", shape, T::ZERO)
    }

    /// A tensor of `shape` filled with 1.
    ///
    /// # Panics
    /// As [`Tensor::full`], naming `Tensor::ones`.
    ///
    /// # Aborts
    /// As [`Tensor::full`]: on memory exhaustion.
    #[track_caller]
    pub fn ones(shape: &[usize]) -> Self {
        Self::filled("Tensor::ones", shape, T::ONE)
    }

    /// A tensor of `shape` filled with `x`, or a panic naming `op` when the shape overflows.
    #[track_caller]
    fn filled(op: &str, shape: &[usize], x: T) -> Self {
        if shape.is_empty() {
            return Self::scalar(x); // inline: no allocation
        }
        let n = shape::len_of::<T>(op, shape);
        Self::build(shape, |v| v.resize(n, x))
    }

    /// A tensor of `shape` filled with 0, or an error when its buffer cannot be had: for
    /// sizes that come from outside the program (a file's header, a request), where
    /// [`Tensor::zeros`] would abort the process on memory exhaustion.
    ///
    /// The buffer is reserved with `Vec::try_reserve_exact`, so an allocation the allocator
    /// refuses is reported, not fatal. (On systems that overcommit memory, such as Linux by
    /// default, a reservation may succeed and the process be killed later when the pages are
    /// touched; no library can see that coming.)
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// assert_eq!(Tensor::<f64>::try_zeros(&[2, 3]).unwrap().data(), &[0.0; 6]);
    /// // 2⁴⁰ f64 are 8 TiB: an error, not an abort.
    /// assert!(Tensor::<f64>::try_zeros(&[1 << 40]).is_err());
    /// assert!(Tensor::<f64>::try_zeros(&[1 << 32, 1 << 32]).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeOverflow`] when the shape holds more elements than any buffer can;
    /// [`Error::OutOfMemory`] when the allocator refuses the buffer.
    pub fn try_zeros(shape: &[usize]) -> Result<Self, Error> {
        const CONTEXT: &str = "Tensor::try_zeros";
        let Some(n) = shape::checked_len::<T>(shape) else {
            return Err(Error::ShapeOverflow {
                context: CONTEXT.into(),
                shape: shape.to_vec(),
            });
        };
        let mut data = Vec::new();
        if data.try_reserve_exact(n).is_err() {
            return Err(Error::OutOfMemory {
                context: CONTEXT.into(),
                shape: shape.to_vec(),
                bytes: n * size_of::<T>(), // checked_len bounds this by isize::MAX
            });
        }
        data.resize(n, T::ZERO);
        if shape.is_empty() {
            return Ok(Self::scalar(T::ZERO));
        }
        Ok(Self::from_parts(Shape::from_slice(shape), data))
    }

    /// Builds from a shape and data whose lengths are known to agree.
    #[track_caller]
    pub(crate) fn from_parts(shape: Shape, data: Vec<T>) -> Self {
        debug_assert_eq!(shape::checked_len::<T>(&shape), Some(data.len()));
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
        let n = shape::len_of::<T>("tensor", shape);
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
    /// (capped at [`Tensor::pool_limit`] bytes and 512 buffers per size class, per element
    /// type), from which new tensors take theirs: that is what lets a training step on a
    /// reused [`Graph`](crate::Graph) run without heap allocations. The pool holds about one
    /// step's working set.
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

    /// The most bytes of free buffers of this element type the current thread's pool keeps
    /// (see [`Tensor::pooled_bytes`]): by default 256 MiB for the first thread to pool a
    /// buffer (normally the main thread) and 32 MiB for every later thread, so that many
    /// worker threads do not each keep 256 MiB. [`Tensor::set_pool_limit`] changes it.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// drop(Tensor::<f64>::zeros(&[1])); // the main thread pools first
    /// let worker = std::thread::spawn(Tensor::<f64>::pool_limit).join().unwrap();
    /// assert_eq!((Tensor::<f64>::pool_limit(), worker), (256 << 20, 32 << 20));
    /// ```
    pub fn pool_limit() -> usize {
        pool::limit::<T>()
    }

    /// Sets the most bytes of free buffers of this element type the current thread's pool
    /// keeps, and returns the old limit. Buffers beyond the new limit go back to the
    /// allocator at once. 0 turns pooling off for this thread and type; a limit below a
    /// step's working set makes each step allocate the excess afresh.
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// std::thread::spawn(|| {
    ///     Tensor::<f32>::set_pool_limit(0);
    ///     drop(Tensor::<f32>::zeros(&[1000]));
    ///     assert_eq!(Tensor::<f32>::pooled_bytes(), 0); // nothing kept
    /// })
    /// .join()
    /// .unwrap();
    /// ```
    pub fn set_pool_limit(bytes: usize) -> usize {
        pool::set_limit::<T>(bytes)
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
    #[track_caller]
    pub(crate) fn stale(shape: &[usize]) -> Self {
        debug_assert!(!shape.is_empty());
        let mut block = pool::take_stale::<T>(shape::len_of::<T>("tensor", shape));
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
    #[track_caller]
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
    /// element, row-major, up to [`SUMMARY_THRESHOLD`] elements; beyond that the nested
    /// summary of [`fmt_summary`], so that a `[1000, 1000]` tensor prints a few hundred
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
    fn debug_summarises_a_large_tensor() {
        let t = Tensor::from_vec((0..1_000_000).map(f64::from).collect(), &[1000, 1000]).unwrap();
        let s = format!("{t:?}");
        // 7 rows shown (3, an ellipsis, 3) of 7 entries each: a few hundred characters.
        assert!(s.len() < 600, "{} characters: {s}", s.len());
        assert!(s.starts_with("Tensor(shape=[1000, 1000], data=[[0.0, 1.0, 2.0, ..., 997.0, 998.0, 999.0], [1000.0,"), "{s}");
        assert!(
            s.ends_with("[999000.0, 999001.0, 999002.0, ..., 999997.0, 999998.0, 999999.0]])"),
            "{s}"
        );
        assert_eq!(
            s.matches("...").count(),
            7,
            "one per shown row and one between rows: {s}"
        );
        // At the threshold every element is still shown, flat.
        let small = Tensor::from_vec(vec![0.5; 1000], &[10, 100]).unwrap();
        assert_eq!(format!("{small:?}").matches("0.5").count(), 1000);
        assert!(!format!("{small:?}").contains("..."));
        // Short axes of a large tensor are shown whole; empty axes print as [].
        let wide = Tensor::<f32>::zeros(&[2, 2000]);
        assert_eq!(format!("{wide:?}").matches("...").count(), 2);
        assert_eq!(
            format!("{:?}", Tensor::<f64>::zeros(&[2, 0])),
            "Tensor(shape=[2, 0], data=[])"
        );
        assert_eq!(format!("{:?}", Tensor::scalar(2.5)), "Tensor(2.5)");
    }

    #[test]
    #[should_panic(expected = "item: the tensor has shape [2]")]
    fn item_of_vector_panics() {
        Tensor::<f64>::zeros(&[2]).item();
    }
}
