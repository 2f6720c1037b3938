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
use tapegrad::tutorial::{LEARNING_RATE, Network};
use tapegrad::{Graph, Tensor};

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

#[test]
fn tensor_step_allocations_do_not_grow() {
    // A small tensor model's step: y = tanh(x·W + b), loss = Σ y², on a reused tape.
    let x = Tensor::from_vec((0..32).map(|i| i as f64 / 32.0).collect(), &[8, 4]).unwrap();
    let w = Tensor::from_vec((0..12).map(|i| 0.1 * i as f64 - 0.5).collect(), &[4, 3]).unwrap();
    let b = Tensor::from_vec(vec![0.1, -0.2, 0.3], &[3]).unwrap();
    let mut g = Graph::new();
    let step = |g: &mut Graph| {
        g.clear();
        let (xv, wv, bv) = (
            g.constant(x.clone()),
            g.tensor(w.clone()),
            g.tensor(b.clone()),
        );
        let loss = (xv.matmul(wv) + bv).tanh().powi(2).sum();
        loss.backward();
        wv.grad().data()[0]
    };
    for _ in 0..3 {
        step(&mut g);
    }
    let first = allocations(|| {
        step(&mut g);
    });
    let tenth = allocations(|| {
        for _ in 0..9 {
            step(&mut g);
        }
    }) / 9;
    assert!(first > 0);
    assert!(
        tenth <= first,
        "{tenth} allocations per step after warm-up, {first} at first"
    );
    println!("tensor step: {first} allocations per step");
}
