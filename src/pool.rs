//! The buffer pool behind every non-scalar [`Tensor`](crate::Tensor).
//!
//! A tensor of rank ≥ 1 keeps its shape and data in one shared block (`Arc<Array<T>>`).
//! When the last tensor holding a block is dropped, the block, with its data buffer, goes to
//! a free list of the current thread instead of back to the allocator; kernels that build an output take a
//! block from that list. A training step on a reused [`Graph`](crate::Graph) frees last
//! step's values and gradients (at `clear` and at the start of `backward`) and then builds
//! the same shapes again, so after the first steps every output finds a block of the right
//! size waiting: the steady state makes no heap allocations.
//!
//! The free list is bucketed by capacity: bucket k holds blocks whose capacity c satisfies
//! 2ᵏ ≤ c < 2ᵏ⁺¹. A request for n elements looks only in bucket ⌊log₂ n⌋, from the most
//! recently freed block down, for one with capacity ≥ n; so a block serves requests between
//! half and all of its capacity, and a miss allocates exactly n. There is one pool per
//! element type (`f32`, `f64`) per thread; no locks, no `unsafe`.
//!
//! The pool is capped: at most a byte limit and [`MAX_PER_BUCKET`] blocks per bucket wait in
//! one thread's pool for one element type; a freed block beyond the cap is returned to the
//! allocator. So the memory it holds is bounded by the working set of the largest step, and
//! never more than the cap. The byte limit is [`MAX_BYTES`] (256 MiB) for the first thread
//! that pools a buffer, normally the program's main thread, where training runs, and
//! [`OTHER_THREAD_MAX_BYTES`] (32 MiB) for every later thread, so that a program with many
//! worker threads does not quietly keep 256 MiB in each (32 threads would hold 16 GiB);
//! [`set_limit`] changes it for the calling thread.

use crate::float::Float;
use crate::shape::Shape;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The heap block of a non-scalar tensor: its shape and its row-major data.
#[derive(PartialEq)]
pub(crate) struct Array<T> {
    pub(crate) shape: Shape,
    pub(crate) data: Vec<T>,
}

/// The most bytes of free buffers the first thread to pool a buffer keeps for one element
/// type, unless [`set_limit`] says otherwise.
pub(crate) const MAX_BYTES: usize = 256 << 20;

/// The most bytes of free buffers any later thread keeps for one element type, unless
/// [`set_limit`] says otherwise. A step's working set that exceeds it still runs, but
/// allocates the excess afresh each step.
pub(crate) const OTHER_THREAD_MAX_BYTES: usize = 32 << 20;

/// Whether some thread has already taken the first thread's limit.
static FIRST_TAKEN: AtomicBool = AtomicBool::new(false);

/// The byte limit a thread starts with: [`MAX_BYTES`] for the first thread to ask,
/// [`OTHER_THREAD_MAX_BYTES`] for the rest. Decided once per thread (not per element type),
/// so both of the first thread's pools get the large limit.
fn default_limit() -> usize {
    thread_local! {
        static FIRST: Cell<Option<bool>> = const { Cell::new(None) };
    }
    let first = FIRST
        .try_with(|f| {
            let first = f
                .get()
                .unwrap_or_else(|| !FIRST_TAKEN.swap(true, Ordering::Relaxed));
            f.set(Some(first));
            first
        })
        .unwrap_or(false);
    if first {
        MAX_BYTES
    } else {
        OTHER_THREAD_MAX_BYTES
    }
}

/// The most free blocks one size bucket keeps.
pub(crate) const MAX_PER_BUCKET: usize = 512;

const BUCKETS: usize = usize::BITS as usize;

/// A block as tensors hold it.
pub(crate) type Block<T> = Arc<Array<T>>;

/// Free blocks of one element type, bucketed by ⌊log₂ capacity⌋. Every block in the pool is
/// held by nothing else.
struct Pool<T> {
    buckets: [Vec<Block<T>>; BUCKETS],
    bytes: usize,
    /// The byte limit; `None` until first needed, then [`default_limit`] or what
    /// [`set_limit`] set.
    limit: Option<usize>,
}

impl<T> Pool<T> {
    const fn new() -> Self {
        Pool {
            buckets: [const { Vec::new() }; BUCKETS],
            bytes: 0,
            limit: None,
        }
    }

    fn limit(&mut self) -> usize {
        *self.limit.get_or_insert_with(default_limit)
    }

    /// Frees blocks, largest buckets first, until the pool holds at most its limit.
    fn trim(&mut self) -> Vec<Block<T>> {
        let limit = self.limit();
        let mut freed = Vec::new();
        for bucket in self.buckets.iter_mut().rev() {
            while self.bytes > limit {
                let Some(a) = bucket.pop() else { break };
                self.bytes -= a.data.capacity() * size_of::<T>();
                freed.push(a);
            }
        }
        freed
    }

    fn take(&mut self, n: usize) -> Option<Block<T>> {
        let bucket = &mut self.buckets[log2(n)];
        let i = bucket.iter().rposition(|a| a.data.capacity() >= n)?;
        let a = bucket.swap_remove(i);
        self.bytes -= a.data.capacity() * size_of::<T>();
        Some(a)
    }

    /// Keeps `a`, or hands it back when the pool is full.
    fn give(&mut self, a: Block<T>) -> Option<Block<T>> {
        let cap = a.data.capacity();
        let bytes = cap * size_of::<T>();
        let limit = self.limit();
        let bucket = &mut self.buckets[log2(cap)];
        if cap == 0 || self.bytes + bytes > limit || bucket.len() >= MAX_PER_BUCKET {
            return Some(a);
        }
        if bucket.capacity() == bucket.len() {
            // Grow the list straight to its cap, once: a pool that grows in steps of two
            // would allocate again each time a step makes one more block of this size.
            bucket.reserve_exact(MAX_PER_BUCKET - bucket.len());
        }
        bucket.push(a);
        self.bytes += bytes;
        None
    }
}

/// ⌊log₂ n⌋, with 0 for n = 0.
#[inline]
fn log2(n: usize) -> usize {
    (usize::BITS - 1).saturating_sub(n.leading_zeros()) as usize
}

struct Pools {
    f32: Pool<f32>,
    f64: Pool<f64>,
}

thread_local! {
    static POOLS: RefCell<Pools> = const {
        RefCell::new(Pools {
            f32: Pool::new(),
            f64: Pool::new(),
        })
    };
}

/// Runs `f` on this thread's pool for `T`; `None` while the thread is exiting (its pool is
/// gone) or, defensively, when the pool is already in use.
#[inline]
fn with<T: Float, R>(f: impl FnOnce(&mut Pool<T>) -> R) -> Option<R> {
    POOLS
        .try_with(|p| {
            let mut p = p.try_borrow_mut().ok()?;
            let p = &mut *p;
            if let Some(pool) = (&mut p.f32 as &mut dyn Any).downcast_mut::<Pool<T>>() {
                return Some(f(pool));
            }
            (&mut p.f64 as &mut dyn Any)
                .downcast_mut::<Pool<T>>()
                .map(f)
        })
        .ok()
        .flatten()
}

/// A block with room for at least `n` elements: from the pool when one fits, else new.
#[inline]
fn pooled_or_new<T: Float>(n: usize) -> Block<T> {
    with(|p: &mut Pool<T>| p.take(n))
        .flatten()
        .unwrap_or_else(|| {
            Arc::new(Array {
                shape: Shape::new(),
                data: Vec::with_capacity(n),
            })
        })
}

/// An unshared block with room for at least `n` elements, its data empty (length 0): from
/// the pool when one fits, else newly allocated with capacity `n`.
#[inline]
pub(crate) fn take<T: Float>(n: usize) -> Block<T> {
    let mut a = pooled_or_new(n);
    unique(&mut a).data.clear();
    a
}

/// An unshared block holding exactly `n` elements of unspecified value (left over from the
/// block's last use, or 0): for a kernel that overwrites every element, such as a GEMM with
/// β = 0, and so need not clear the buffer first.
#[inline]
pub(crate) fn take_stale<T: Float>(n: usize) -> Block<T> {
    let mut a = pooled_or_new(n);
    let data = &mut unique(&mut a).data;
    data.truncate(n);
    data.resize(n, T::ZERO);
    a
}

/// The block's contents, for writing.
///
/// # Panics
/// When the block is shared; callers hold the only reference (a block just taken from the
/// pool, or one whose tensor has checked that it is the only holder).
#[inline]
pub(crate) fn unique<T>(a: &mut Block<T>) -> &mut Array<T> {
    Arc::get_mut(a).expect("a block written to is held by one tensor only")
}

/// Lets go of one holder's reference: the last holder's block goes to the pool (or to the
/// allocator when the pool is full); a block still shared is only released.
#[inline]
pub(crate) fn give<T: Float>(mut a: Block<T>) {
    if Arc::get_mut(&mut a).is_none() {
        return; // another tensor still holds it
    }
    // A block the pool refuses is dropped here, outside the pool's borrow.
    let _rejected = with(|p: &mut Pool<T>| p.give(a));
}

/// The bytes of free buffers this thread's pool holds for `T`.
pub(crate) fn pooled_bytes<T: Float>() -> usize {
    with(|p: &mut Pool<T>| p.bytes).unwrap_or(0)
}

/// This thread's byte limit for `T`.
pub(crate) fn limit<T: Float>() -> usize {
    with(|p: &mut Pool<T>| p.limit()).unwrap_or(0)
}

/// Sets this thread's byte limit for `T`, returning the old one; buffers beyond the new limit
/// go back to the allocator now.
pub(crate) fn set_limit<T: Float>(bytes: usize) -> usize {
    let (old, _freed) = with(|p: &mut Pool<T>| {
        let old = p.limit();
        p.limit = Some(bytes);
        (old, p.trim())
    })
    .unwrap_or((0, Vec::new()));
    // `_freed` is dropped here, outside the pool's borrow.
    old
}

/// Returns every free buffer of this thread's pool for `T` to the allocator; the bytes freed.
pub(crate) fn release<T: Float>() -> usize {
    let taken = with(|p: &mut Pool<T>| {
        p.bytes = 0;
        std::mem::replace(&mut p.buckets, [const { Vec::new() }; BUCKETS])
    });
    // Dropped here, outside the pool's borrow.
    taken.map_or(0, |buckets| {
        buckets
            .iter()
            .flatten()
            .map(|a| a.data.capacity() * size_of::<T>())
            .sum()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(n: usize) -> Block<f64> {
        Arc::new(Array {
            shape: Shape::new(),
            data: Vec::with_capacity(n),
        })
    }

    #[test]
    fn a_freed_block_is_reused_for_a_request_that_fits() {
        let mut p = Pool::<f64>::new();
        assert!(p.give(block(100)).is_none());
        assert!(p.take(101).is_none()); // too small for 101
        let a = p.take(70).expect("100 ≥ 70, same bucket");
        assert_eq!((a.data.capacity(), p.bytes), (100, 0));
        assert!(p.take(100).is_none()); // taken
    }

    #[test]
    fn a_block_serves_no_request_below_half_its_capacity() {
        let mut p = Pool::<f64>::new();
        assert!(p.give(block(100)).is_none());
        assert!(p.take(63).is_none()); // bucket 5 (32..64) is empty
        assert!(p.take(64).is_some()); // bucket 6 (64..128)
    }

    #[test]
    fn the_pool_refuses_blocks_beyond_its_caps() {
        let mut p = Pool::<f64>::new();
        p.limit = Some(MAX_BYTES);
        for _ in 0..MAX_PER_BUCKET {
            assert!(p.give(block(4)).is_none());
        }
        assert!(p.give(block(4)).is_some(), "the bucket is full");
        p.bytes = MAX_BYTES - 8;
        assert!(p.give(block(2)).is_some(), "over the byte cap");
        p.bytes = MAX_PER_BUCKET * 4 * 8;
        assert!(p.give(block(0)).is_some(), "nothing to keep");
        assert_eq!(p.bytes, MAX_PER_BUCKET * 4 * 8);
    }

    #[test]
    fn a_block_still_shared_is_not_pooled() {
        let a = block(1000);
        let before = pooled_bytes::<f64>();
        give(Arc::clone(&a));
        assert_eq!(
            pooled_bytes::<f64>(),
            before,
            "the other holder still uses it"
        );
        give(a);
        assert_eq!(
            pooled_bytes::<f64>(),
            before + 8000,
            "the last holder let go"
        );
        assert!(take::<f64>(1000).data.capacity() >= 1000);
    }

    #[test]
    fn pools_of_f32_and_f64_are_separate() {
        let before = (pooled_bytes::<f32>(), pooled_bytes::<f64>());
        give::<f32>(Arc::new(Array {
            shape: Shape::new(),
            data: Vec::with_capacity(1000),
        }));
        assert_eq!(pooled_bytes::<f32>(), before.0 + 4000);
        assert_eq!(pooled_bytes::<f64>(), before.1);
        assert!(take::<f64>(1000).data.capacity() >= 1000);
        assert_eq!(take::<f32>(1000).data.capacity(), 1000);
        assert_eq!(pooled_bytes::<f32>(), before.0);
    }

    #[test]
    fn later_threads_start_with_the_smaller_limit_and_can_change_it() {
        // This thread asks first or not; a thread spawned after it is never the first.
        let here = limit::<f64>();
        assert!(here == MAX_BYTES || here == OTHER_THREAD_MAX_BYTES);
        let later = std::thread::spawn(|| {
            let start = (limit::<f32>(), limit::<f64>());
            give::<f64>(block(1 << 20)); // 8 MiB: under either limit
            assert_eq!(pooled_bytes::<f64>(), 8 << 20);
            assert_eq!(set_limit::<f64>(1 << 20), OTHER_THREAD_MAX_BYTES);
            let after = (pooled_bytes::<f64>(), limit::<f64>(), limit::<f32>());
            give::<f64>(block(1 << 18)); // 2 MiB: over the new 1 MiB limit
            (start, after, pooled_bytes::<f64>())
        })
        .join()
        .unwrap();
        let want = (OTHER_THREAD_MAX_BYTES, OTHER_THREAD_MAX_BYTES);
        assert_eq!(later.0, want, "both element types of a later thread");
        assert_eq!(
            later.1,
            (0, 1 << 20, OTHER_THREAD_MAX_BYTES),
            "lowering the limit frees what is over it, for that type only"
        );
        assert_eq!(later.2, 0, "a block over the limit is refused");
    }
}
