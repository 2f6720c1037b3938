//! Making tensors: from data (a `Result`), filled constructors (a panic naming the call for an
//! overflowing shape), buffers from the pool, and the pool's limits.

use super::Tensor;
use crate::error::Error;
use crate::float::Float;
use crate::pool::{self, Array};
use crate::shape::{self, Shape};
use std::sync::Arc;

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
}
