//! Tape memory that outlives a `Graph`: the buffers of the last small tape dropped on a thread
//! are kept, cleared, for the next [`Graph`](crate::Graph) made on that thread.
//!
//! A training loop written as a new user writes it makes a fresh `Graph` per step. Without
//! this, every step would allocate the node list, the gradient list and the name list, and
//! free them again at the end. With it, a fresh graph costs what a cleared one does. One tape
//! per thread and per float type is kept, and only one of at most [`MAX_NODES`] nodes, so the
//! memory held back is bounded (a few hundred kilobytes) whatever the program does.

use crate::float::Float;
use crate::tape::Tape;
use std::any::Any;
use std::cell::RefCell;

/// The largest tape (in node capacity) worth keeping.
pub(crate) const MAX_NODES: usize = 1 << 12;

thread_local! {
    static F64: RefCell<Option<Tape<f64>>> = const { RefCell::new(None) };
    static F32: RefCell<Option<Tape<f32>>> = const { RefCell::new(None) };
}

/// Keeps `tape`'s buffers for the next graph on this thread, if it is small enough; leaves an
/// empty tape behind.
pub(crate) fn keep<T: Float>(tape: &mut Tape<T>) {
    if tape.slots.capacity() > MAX_NODES
        || tape.grads.capacity() > MAX_NODES
        || tape.scalar_grads.capacity() > MAX_NODES
    {
        return;
    }
    tape.clear();
    tape.records = true;
    tape.extras = None;
    let any: &mut dyn Any = tape;
    if let Some(t) = any.downcast_mut::<Tape<f64>>() {
        store(&F64, t);
    } else if let Some(t) = any.downcast_mut::<Tape<f32>>() {
        store(&F32, t);
    }
}

fn store<T: Float>(
    slot: &'static std::thread::LocalKey<RefCell<Option<Tape<T>>>>,
    t: &mut Tape<T>,
) {
    // `try_with`: during thread teardown the slot may already be gone; then nothing is kept.
    let _ = slot.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            *s = Some(std::mem::take(t));
        }
    });
}

/// The kept tape of this thread for `T`, if any.
pub(crate) fn take<T: Float>() -> Option<Tape<T>> {
    let mut out: Option<Tape<T>> = None;
    let any: &mut dyn Any = &mut out;
    if let Some(o) = any.downcast_mut::<Option<Tape<f64>>>() {
        *o = F64.try_with(|s| s.borrow_mut().take()).ok().flatten();
    } else if let Some(o) = any.downcast_mut::<Option<Tape<f32>>>() {
        *o = F32.try_with(|s| s.borrow_mut().take()).ok().flatten();
    }
    out
}
