//! The GEMM crate choice, measured: `matrixmultiply` (through ndarray's `general_mat_mul`, as
//! the library calls it) against the `gemm` crate, on P3's eight products: batch 128, MLP
//! 784-256-128-10, three forward (x·Wᵀ) and five backward (Gᵀ·h and G·W), every transposed
//! operand passed as strides. In f32 (P3's type) and in f64.
//!
//! `gemm` is timed on one thread and on two (rayon) in the same run. matrixmultiply picks its
//! thread count once per process, from `MATMUL_NUM_THREADS` or the number of cores;
//! for its one-thread figure run `MATMUL_NUM_THREADS=1 cargo bench --bench gemm`.
//!
//! This file calls `gemm::gemm`, an `unsafe fn` taking raw pointers and strides. The library
//! crate forbids `unsafe`; a bench is a separate crate, and the one call below is checked by
//! construction (every pointer comes from a live `Vec` of exactly the size the strides index).
//! Run: `cargo bench --bench gemm`

use criterion::{Criterion, criterion_group, criterion_main};
use gemm::Parallelism;
use ndarray::ArrayView2;
use ndarray::ArrayViewMut2;
use ndarray::linalg::general_mat_mul;
use std::hint::black_box;
use std::time::Duration;
use tapegrad::Float;

const BATCH: usize = 128;
const SIZES: [usize; 4] = [784, 256, 128, 10];

/// A row-major matrix.
struct Mat<T> {
    rows: usize,
    cols: usize,
    data: Vec<T>,
}

impl<T: Float> Mat<T> {
    fn new(rows: usize, cols: usize, seed: u32) -> Self {
        let data = (0..rows * cols)
            .map(|i| {
                let u = ((i as u32).wrapping_mul(2_654_435_761) ^ seed) as f64 / u32::MAX as f64;
                T::from_f64(u - 0.5)
            })
            .collect();
        Mat { rows, cols, data }
    }

    /// (rows, cols) of op(self), and its (row, column) strides in elements.
    fn op(&self, t: bool) -> ((usize, usize), (isize, isize)) {
        if t {
            ((self.cols, self.rows), (1, self.cols as isize))
        } else {
            ((self.rows, self.cols), (self.cols as isize, 1))
        }
    }
}

/// One product C = op(A)·op(B), naming its operands by index into the buffers.
struct Product {
    a: usize,
    ta: bool,
    b: usize,
    tb: bool,
    c: usize,
}

/// The step's buffers and its eight products.
struct Step<T> {
    bufs: Vec<Mat<T>>,
    products: Vec<Product>,
}

fn step<T: Float>() -> Step<T> {
    let [i, h1, h2, o] = SIZES;
    // 0 x, 1-3 W₀..W₂, 4-6 h₀..h₂, 7-9 G₀..G₂, 10-12 dW₀..dW₂, 13-14 dh₀, dh₁.
    let shapes = [
        (BATCH, i),
        (h1, i),
        (h2, h1),
        (o, h2),
        (BATCH, h1),
        (BATCH, h2),
        (BATCH, o),
        (BATCH, h1),
        (BATCH, h2),
        (BATCH, o),
        (h1, i),
        (h2, h1),
        (o, h2),
        (BATCH, h1),
        (BATCH, h2),
    ];
    let bufs = shapes
        .iter()
        .enumerate()
        .map(|(k, &(r, c))| Mat::new(r, c, k as u32))
        .collect();
    let p = |a, ta, b, tb, c| Product { a, ta, b, tb, c };
    let products = vec![
        // Forward: hₗ = input·Wₗᵀ.
        p(0, false, 1, true, 4),
        p(4, false, 2, true, 5),
        p(5, false, 3, true, 6),
        // Backward: dWₗ = Gₗᵀ·(input of layer l); dh = Gₗ·Wₗ for l = 2, 1 (x needs none).
        p(9, true, 5, false, 12),
        p(9, false, 3, false, 14),
        p(8, true, 4, false, 11),
        p(8, false, 2, false, 13),
        p(7, true, 0, false, 10),
    ];
    Step { bufs, products }
}

/// Takes buffer `c` out so that it can be written while `a` and `b` are read.
fn split<T: Float>(bufs: &mut [Mat<T>], c: usize) -> Mat<T> {
    std::mem::replace(&mut bufs[c], Mat::new(0, 0, 0))
}

/// op(m) as an ndarray view: a transpose is a swap of strides.
fn view<T: Float>(m: &Mat<T>, t: bool) -> ArrayView2<'_, T> {
    let v = ArrayView2::from_shape((m.rows, m.cols), &m.data[..]).expect("shape");
    if t { v.reversed_axes() } else { v }
}

fn with_matrixmultiply<T: Float>(s: &mut Step<T>) {
    for p in &s.products {
        let mut c = split(&mut s.bufs, p.c);
        let (a, b) = (view(&s.bufs[p.a], p.ta), view(&s.bufs[p.b], p.tb));
        let mut cv = ArrayViewMut2::from_shape((c.rows, c.cols), &mut c.data[..]).expect("shape");
        general_mat_mul(T::ONE, &a, &b, T::ZERO, &mut cv);
        s.bufs[p.c] = c;
    }
}

fn with_gemm<T: Float>(s: &mut Step<T>, par: Parallelism) {
    for p in &s.products {
        let mut c = split(&mut s.bufs, p.c);
        let (a, b) = (&s.bufs[p.a], &s.bufs[p.b]);
        let (((m, k), (a_rs, a_cs)), ((k2, n), (b_rs, b_cs))) = (a.op(p.ta), b.op(p.tb));
        assert!(k == k2 && (m, n) == (c.rows, c.cols) && c.data.len() == m * n);
        // SAFETY: op(A) is m×k and op(B) k×n with the strides `Mat::op` gives, which index
        // only inside `a.data` and `b.data` (checked lengths: rows·cols each); C is m×n
        // row-major in `c.data`, which nothing else borrows. `read_dst = false`, so C's old
        // contents are not read. gemm computes dst = alpha·dst + beta·lhs·rhs.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                c.data.as_mut_ptr(),
                1,
                n as isize,
                false,
                a.data.as_ptr(),
                a_cs,
                a_rs,
                b.data.as_ptr(),
                b_cs,
                b_rs,
                T::ZERO,
                T::ONE,
                false,
                false,
                false,
                par,
            );
        }
        s.bufs[p.c] = c;
    }
}

fn group<T: Float>(c: &mut Criterion) {
    // Both crates compute the same eight products.
    let (mut x, mut y) = (step::<T>(), step::<T>());
    with_matrixmultiply(&mut x);
    with_gemm(&mut y, Parallelism::Rayon(2));
    for p in &x.products {
        let (u, v) = (&x.bufs[p.c].data, &y.bufs[p.c].data);
        let worst = u
            .iter()
            .zip(v)
            .map(|(a, b)| (*a - *b).abs().to_f64())
            .fold(0.0, f64::max);
        let scale = u.iter().map(|a| a.abs().to_f64()).fold(1.0, f64::max);
        assert!(worst <= 1e-4 * scale, "product into {}: {worst}", p.c);
    }
    let flops: usize = x
        .products
        .iter()
        .map(|p| {
            let ((m, k), _) = x.bufs[p.a].op(p.ta);
            2 * m * k * x.bufs[p.b].op(p.tb).0.1
        })
        .sum();
    println!("P3's eight GEMMs: {:.1} MFLOP per step", flops as f64 / 1e6);

    let mut group = c.benchmark_group(format!("P3 eight GEMMs {}", T::NAME));
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    // Buffers live outside the closures: criterion calls a closure once per sample.
    let mut s = step::<T>();
    group.bench_function(
        "matrixmultiply (MATMUL_NUM_THREADS, default all cores)",
        |bch| {
            bch.iter(|| {
                with_matrixmultiply(&mut s);
                black_box(s.bufs[10].data[0])
            });
        },
    );
    for (name, par) in [
        ("gemm, 1 thread", Parallelism::None),
        ("gemm, 2 threads (rayon)", Parallelism::Rayon(2)),
    ] {
        group.bench_function(name, |bch| {
            bch.iter(|| {
                with_gemm(&mut s, par);
                black_box(s.bufs[10].data[0])
            });
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    group::<f32>(c);
    group::<f64>(c);
}

criterion_group!(benches, bench);
criterion_main!(benches);
