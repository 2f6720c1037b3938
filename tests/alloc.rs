//! Heap use, counted (not timed) by a global allocator that wraps the system one.
//!
//! The counters are per thread, so the tests of this binary can run in parallel without
//! seeing each other's allocations. Each test warms its tape up first: what is proved is the
//! steady state of a training loop.
//!
//! This file needs `unsafe` for `GlobalAlloc` (the library itself forbids it); one test binary
//! holds one global allocator, which is why these tests live apart.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
#[path = "../examples/common/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;
use tapegrad::{Graph, Tensor};
use tutorial::{LEARNING_RATE, Network};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn grow(bytes: isize) {
    let _ = LIVE.try_with(|l| {
        let v = l.get() + bytes;
        l.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
}

// SAFETY: every call forwards to `System` unchanged; the bookkeeping only touches
// thread-local `Cell`s with const initialisers, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        grow(layout.size() as isize);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        grow(-(layout.size() as isize));
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // Counted as if the new block were allocated before the old one is freed: the
        // conservative peak.
        grow(new_size as isize);
        grow(-(layout.size() as isize));
        // SAFETY: forwarded with the caller's arguments.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while running `f`.
fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

/// The most bytes this thread held at once while running `f`, above what it held before.
fn peak_bytes(f: impl FnOnce()) -> isize {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    f();
    PEAK.with(Cell::get) - base
}

#[test]
fn scalar_training_step_on_a_reused_graph_allocates_nothing() {
    let mut net = Network::default();
    let mut g = Graph::new();
    for _ in 0..3 {
        net.step(&mut g, LEARNING_RATE); // the tape grows to its working size
    }
    let n = allocations(|| {
        for _ in 0..1000 {
            net.step(&mut g, LEARNING_RATE);
        }
    });
    assert_eq!(n, 0, "{n} allocations in 1000 steps");
    assert!(net.forward(&g).e_total.item() < 0.29); // the steps did train
}

#[test]
fn memory_stays_flat_over_10_000_scalar_steps() {
    let mut net = Network::default();
    let mut g = Graph::new();
    net.step(&mut g, LEARNING_RATE);
    let first = peak_bytes(|| {
        net.step(&mut g, LEARNING_RATE);
    });
    let later = peak_bytes(|| {
        for _ in 0..10_000 {
            net.step(&mut g, LEARNING_RATE);
        }
    });
    assert_eq!((first, later), (0, 0));
}

#[test]
fn deep_chain_uses_at_most_96_bytes_per_node_at_peak() {
    // x ← tanh(0.9x + 0.1), 10⁶ times: 3·10⁶ + 1 nodes. The peak counts every byte the tape
    // holds at once, values and gradients included, with each `Vec` growth counted as if the
    // old and the new block were both live.
    const N: usize = 1_000_000;
    let mut nodes = 0;
    let peak = peak_bytes(|| {
        let g = Graph::new();
        let x0 = g.scalar(0.5);
        let mut x = x0;
        for _ in 0..N {
            x = (0.9 * x + 0.1).tanh();
        }
        x.backward();
        assert!(x0.grad().item().is_finite());
        nodes = g.len();
    });
    let per_node = peak as f64 / nodes as f64;
    assert_eq!(nodes, 3 * N + 1);
    assert!(per_node <= 96.0, "{per_node:.1} bytes per node at peak");
    println!("deep chain: {per_node:.1} bytes per node at peak");
}

/// One SGD step of a small tensor model on a reused tape: y = tanh(x·W + b), loss = Σ y²;
/// the parameters are bound as leaves, the gradients read back with `grad()` and applied.
/// Returns the loss.
fn tensor_step(g: &mut Graph, x: &Tensor<f64>, w: &mut Tensor<f64>, b: &mut Tensor<f64>) -> f64 {
    g.clear();
    let (xv, wv, bv) = (
        g.constant(x.clone()),
        g.tensor(w.clone()),
        g.tensor(b.clone()),
    );
    let loss = (xv.matmul(wv) + bv).tanh().powi(2).sum();
    loss.backward();
    for (p, v) in [(w, wv), (b, bv)] {
        let grad = v.grad();
        for (p, &d) in p.data_mut().iter_mut().zip(grad.data()) {
            *p -= 0.01 * d;
        }
    }
    loss.item()
}

/// The inputs x [8, 4] and the starting parameters W [4, 3] and b [3] of `tensor_step`.
fn tensor_problem() -> (Tensor<f64>, Tensor<f64>, Tensor<f64>) {
    let x = Tensor::from_vec((0..32).map(|i| i as f64 / 32.0).collect(), &[8, 4]).unwrap();
    let w = Tensor::from_vec((0..12).map(|i| 0.1 * i as f64 - 0.5).collect(), &[4, 3]).unwrap();
    let b = Tensor::from_vec(vec![0.1, -0.2, 0.3], &[3]).unwrap();
    (x, w, b)
}

#[test]
fn tensor_training_step_on_a_reused_graph_allocates_nothing() {
    // Every tensor buffer (values, gradients, backward scratch, the clones bound as leaves,
    // the copies `grad()` returns) comes from and goes back to the per-thread pool.
    let (x, mut w, mut b) = tensor_problem();
    let mut g = Graph::new();
    let first_loss = tensor_step(&mut g, &x, &mut w, &mut b);
    for _ in 0..3 {
        tensor_step(&mut g, &x, &mut w, &mut b); // the tape and the pool reach their size
    }
    let mut last_loss = 0.0;
    let n = allocations(|| {
        for _ in 0..1000 {
            last_loss = tensor_step(&mut g, &x, &mut w, &mut b);
        }
    });
    assert_eq!(n, 0, "{n} allocations in 1000 tensor steps");
    assert!(last_loss < first_loss / 2.0, "{first_loss} → {last_loss}");
}

#[test]
fn memory_stays_flat_over_1000_tensor_steps() {
    // The pool holds last step's buffers between steps and no more: the bytes this thread
    // holds do not move after warm-up.
    let (x, mut w, mut b) = tensor_problem();
    let mut g = Graph::new();
    for _ in 0..4 {
        tensor_step(&mut g, &x, &mut w, &mut b);
    }
    let later = peak_bytes(|| {
        for _ in 0..1000 {
            tensor_step(&mut g, &x, &mut w, &mut b);
        }
    });
    assert_eq!(later, 0, "{later} bytes above the warm-up level");
}
