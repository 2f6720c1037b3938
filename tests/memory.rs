//! Memory is flat: after warm-up, training steps of a small MLP allocate no growing memory.
//! A counting global allocator tracks live bytes per thread; the training thread's live bytes
//! after step 1,000 must equal those after step 10,000, and must not change at all after
//! warm-up. (Counting per thread matters: the test harness's own thread makes a one-off
//! 144-byte allocation at a time-dependent moment, which a process-wide count picks up.)
//!
//! The library forbids `unsafe`; this test binary is a separate crate and needs it once, for
//! the `GlobalAlloc` impl, which only forwards to the system allocator and counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use tapegrad::nn::{Activation, Init, Mlp, mse};
use tapegrad::optim::{Optimizer, Sgd};
use tapegrad::{Graph, Tensor};

/// Bytes currently allocated by the whole process.
static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    /// Bytes allocated minus bytes freed by this thread, and allocations made by it.
    static MINE: Cell<(isize, usize)> = const { Cell::new((0, 0)) };
}

/// Counts `bytes` (negative when freed) and one call when `call` is set.
fn count(bytes: isize, call: bool) {
    LIVE.fetch_add(bytes, Relaxed);
    // `try_with`: the slot may be gone while a thread exits; those bytes are not ours.
    let _ = MINE.try_with(|m| {
        let (b, c) = m.get();
        m.set((b + bytes, c + call as usize));
    });
}

fn mine() -> (isize, usize) {
    MINE.with(Cell::get)
}

struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is `System`'s; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize, true);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize, true);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize), false);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize, true);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn ten_thousand_training_steps_keep_live_memory_flat() {
    let mut model = Mlp::<f64>::new(&[4, 16, 16, 1], Activation::Tanh, Init::XavierUniform, 3);
    let mut opt = Sgd::new(0.05).momentum(0.9);
    let xs: Vec<f64> = (0..128)
        .map(|i| ((i * 37 % 101) as f64 / 50.0) - 1.0)
        .collect();
    let x = Tensor::from_vec(xs, &[32, 4]).unwrap();
    let ts: Vec<f64> = (0..32).map(|i| ((i * 13 % 7) as f64 / 3.5) - 1.0).collect();
    let t = Tensor::from_vec(ts, &[32, 1]).unwrap();
    let mut g = Graph::new();
    let (mut first_loss, mut last_loss) = (0.0, 0.0);
    // (this thread's live bytes, its allocations, the process's live bytes) after steps 1,000
    // and 10,000.
    let mut live = [(0, 0, 0); 2];
    // Steps after warm-up at which the live bytes changed, and by how much (capacity reserved
    // up front, so recording does not allocate).
    let mut changes: Vec<(usize, isize)> = Vec::with_capacity(1000);
    let mut prev = 0;
    for step in 1..=10_000 {
        g.clear();
        let p = model.params().bind(&g);
        let y = model.forward(&p, g.constant(x.clone()));
        let loss = mse(y, g.constant(t.clone()));
        loss.backward();
        model.params_mut().read_grads(&p);
        opt.step(model.params_mut());
        if step == 1 {
            first_loss = loss.item();
        }
        last_loss = loss.item();
        // Measured at the same point of every step: the step's tape and bound leaves alive.
        let (now, calls) = mine();
        if step > 100 && now != prev && changes.len() < changes.capacity() {
            changes.push((step, now - prev));
        }
        prev = now;
        match step {
            1_000 => live[0] = (now, calls, LIVE.load(Relaxed)),
            10_000 => live[1] = (now, calls, LIVE.load(Relaxed)),
            _ => {}
        }
    }
    println!(
        "live bytes of the training thread after step 1,000: {}; after step 10,000: {} \
         (whole process: {} and {}); {:.1} allocations (all freed again) per step in between; \
         loss {first_loss:.4} → {last_loss:.6}",
        live[0].0,
        live[1].0,
        live[0].2,
        live[1].2,
        (live[1].1 - live[0].1) as f64 / 9_000.0
    );
    assert!(
        last_loss < first_loss / 2.0,
        "training works: {first_loss} → {last_loss}"
    );
    assert!(
        changes.is_empty(),
        "live bytes changed after warm-up: {changes:?}"
    );
    assert_eq!(
        live[0].0, live[1].0,
        "live bytes differ between step 1,000 and 10,000"
    );
}
