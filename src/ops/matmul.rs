//! op(A)·op(B) for 2-D A and B, where op transposes when asked. The transposes are passed to
//! the GEMM kernel as strides and never copied.
//!
//! For C = A·B with upstream G: ∂/∂A = G·Bᵀ and ∂/∂B = Aᵀ·G. With transposes:
//! - A not transposed: dA = G·op(B)ᵀ;  A transposed: dA = op(B)·Gᵀ.
//! - B not transposed: dB = op(A)ᵀ·G;  B transposed: dB = Gᵀ·op(A).
//!
//! Every case is again a matmul with transpose flags, so the rule is closed under itself and
//! the recorded path needs nothing else.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;
use ndarray::{ArrayView2, ArrayViewMut2};

impl<'g, T: Float> Var<'g, T> {
    /// The matrix product of two 2-D values: `[m, k] · [k, n] → [m, n]`.
    /// ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[1, 2]).unwrap());
    /// let b = g.tensor(Tensor::from_vec(vec![3.0, 4.0], &[2, 1]).unwrap());
    /// let c = a.matmul(b);
    /// c.backward();
    /// assert_eq!(c.item(), 11.0);
    /// assert_eq!(a.grad().data(), &[3.0, 4.0]);
    /// ```
    ///
    /// # Panics
    /// When either value is not 2-D or the inner lengths differ; the message shows both
    /// shapes.
    #[track_caller]
    pub fn matmul(self, other: Self) -> Self {
        self.graph.push(
            MatMul {
                ta: false,
                tb: false,
            },
            &[self, other],
            &[],
        )
    }

    /// self · otherᵀ for 2-D values: `[m, k] · [n, k]ᵀ → [m, n]`, the form of a linear layer
    /// x·Wᵀ. The transpose is passed to the GEMM kernel as strides: nothing is copied, where
    /// `a.matmul(b.transpose())` copies `b` first. ∂/∂A = G·B, ∂/∂B = Gᵀ·A.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[1, 2]).unwrap());
    /// let w = g.tensor(Tensor::from_vec(vec![3.0, 4.0, 5.0, 6.0], &[2, 2]).unwrap());
    /// let y = x.matmul_t(w); // [1·3 + 2·4, 1·5 + 2·6]
    /// assert_eq!(y.value().data(), &[11.0, 17.0]);
    /// ```
    ///
    /// # Panics
    /// When either value is not 2-D or the inner lengths differ; the message shows both
    /// shapes.
    #[track_caller]
    pub fn matmul_t(self, other: Self) -> Self {
        self.graph.push(
            MatMul {
                ta: false,
                tb: true,
            },
            &[self, other],
            &[],
        )
    }
}

/// (rows, cols) of op(x).
#[track_caller]
fn dims<T: Float>(x: &Tensor<T>, t: bool, a: &Tensor<T>, b: &Tensor<T>) -> (usize, usize) {
    match *x.shape() {
        [r, c] if t => (c, r),
        [r, c] => (r, c),
        _ => matmul_panic(a.shape(), b.shape()),
    }
}

#[cold]
#[track_caller]
fn matmul_panic(a: &[usize], b: &[usize]) -> ! {
    panic!("matmul: {a:?} and {b:?} cannot be multiplied (need m×k · k×n, both 2-D)")
}

/// Products of at most this many multiply-adds take [`small`]; larger ones go to
/// `matrixmultiply`, whose packing (and the buffer it allocates for it on every call) only
/// pays off above this size: the threshold sits at the crossover of the two on products of a
/// thin operand (1×k·k×n against 2×k·k×n, k = 100, n = 16), where the plain loop still wins
/// below and packing wins above. (matrixmultiply's AVX/FMA kernels are chosen at run time;
/// this safe loop is compiled for the baseline target, so the crossover moves with the CPU.)
const SMALL: usize = 2048;

/// C += op(A)·op(B) with plain loops. Each C[i, j] is summed over p in increasing order,
/// whatever the transposes, so `a.matmul_t(b)` and `a.matmul(b.transpose())` agree to the
/// bit. A·Bᵀ (a linear layer's forward) is a dot product of two contiguous rows per entry;
/// otherwise C[i, :] += A(i, p)·B(p, :) row by row, a contiguous loop the compiler
/// vectorises, with a transposed B first copied into a row-major buffer from the pool (at
/// most `SMALL` elements).
fn small<T: Float>(
    a: &Tensor<T>,
    ta: bool,
    b: &Tensor<T>,
    tb: bool,
    (m, k, n): (usize, usize, usize),
    c: &mut [T],
) {
    let (ad, bd) = (a.data(), b.data());
    if !ta && tb {
        // ad is [m, k] and bd [n, k]: C[i, j] = Σ_p ad[i·k + p]·bd[j·k + p].
        for (ci, ai) in c.chunks_exact_mut(n).zip(ad.chunks_exact(k)) {
            for (cij, bj) in ci.iter_mut().zip(bd.chunks_exact(k)) {
                *cij = ai.iter().zip(bj).fold(T::ZERO, |s, (&x, &y)| s + x * y);
            }
        }
        return;
    }
    let packed;
    let rows = if tb {
        // bd is [n, k]; B(p, j) = bd[j·k + p].
        packed = Tensor::build(&[k, n], |v| {
            for p in 0..k {
                v.extend(bd[p..].iter().step_by(k).take(n));
            }
        });
        packed.data()
    } else {
        bd
    };
    for (i, ci) in c.chunks_exact_mut(n).enumerate() {
        for (p, row) in rows.chunks_exact(n).enumerate() {
            let x = if ta { ad[p * m + i] } else { ad[i * k + p] };
            for (cij, &y) in ci.iter_mut().zip(row) {
                *cij += x * y;
            }
        }
    }
}

/// A 2-D view of `x`, transposed by swapping strides when `t` is set.
fn view<T: Float>(x: &Tensor<T>, t: bool) -> ArrayView2<'_, T> {
    let s = x.shape();
    let v = ArrayView2::from_shape((s[0], s[1]), x.data()).expect("shape fits data");
    if t { v.reversed_axes() } else { v }
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MatMul {
    /// Whether the first operand is used transposed.
    pub(crate) ta: bool,
    /// Whether the second operand is used transposed.
    pub(crate) tb: bool,
}

impl<T: Float> Primitive<T> for MatMul {
    const NAME: &'static str = "matmul";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (a, b, ta, tb) = (x[0], x[1], self.ta, self.tb);
        let (m, k) = dims(a, ta, a, b);
        let (k2, n) = dims(b, tb, a, b);
        if k != k2 {
            matmul_panic(a.shape(), b.shape());
        }
        crate::shape::len_of::<T>("matmul", &[m, n]);
        if k == 0 || m * n == 0 || m.saturating_mul(k).saturating_mul(n) <= SMALL {
            let mut out = Tensor::zeros(&[m, n]); // an empty sum is 0
            if k > 0 && m * n > 0 {
                small(a, ta, b, tb, (m, k, n), out.data_mut());
            }
            return out;
        }
        // With β = 0 matrixmultiply writes every element of C without reading it, so C need not
        // be cleared first: a recycled buffer is used as it is.
        let mut out = Tensor::stale(&[m, n]);
        let mut c = ArrayViewMut2::from_shape((m, n), out.data_mut()).expect("shape fits data");
        ndarray::linalg::general_mat_mul(T::ONE, &view(a, ta), &view(b, tb), T::ZERO, &mut c);
        out
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let MatMul { ta, tb } = self;
        let (a, b, g) = (c.input(0), c.input(1), c.upstream());
        if c.needs(0) {
            let da = if ta {
                c.matmul(b, tb, g, true)
            } else {
                c.matmul(g, false, b, !tb)
            };
            c.send(0, da);
        }
        if c.needs(1) {
            let db = if tb {
                c.matmul(g, true, a, ta)
            } else {
                c.matmul(a, !ta, g, false)
            };
            c.send(1, db);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = op(Ȧ)·op(B) + op(A)·op(Ḃ)
        let MatMul { ta, tb } = self;
        let (a, b) = (c.input(0), c.input(1));
        let da = c.tangent(0).map(|t| c.matmul(t, ta, b, tb));
        let db = c.tangent(1).map(|t| c.matmul(a, ta, t, tb));
        c.emit_sum(da, db);
    }

    fn label(self) -> String {
        format!(
            "matmul{}{}",
            if self.ta { " Aᵀ" } else { "" },
            if self.tb { " Bᵀ" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn matmul_grad_matches_finite_difference() {
        for (m, k, n) in [(1, 1, 1), (2, 3, 4), (3, 1, 2)] {
            check(
                |_, v| v[0].matmul(v[1]),
                &[draw(&[m, k], -1.0, 1.0, 1), draw(&[k, n], -1.0, 1.0, 2)],
            );
        }
        // Transposed operands (recorded as strides) in both positions.
        check(
            |_, v| v[0].transpose().matmul(v[1].transpose()).tanh(),
            &[draw(&[3, 2], -1.0, 1.0, 3), draw(&[4, 3], -1.0, 1.0, 4)],
        );
    }

    #[test]
    fn matmul_t_matches_matmul_of_transpose() {
        check(
            |_, v| v[0].matmul_t(v[1]),
            &[draw(&[3, 2], -1.0, 1.0, 5), draw(&[4, 2], -1.0, 1.0, 6)],
        );
        let g = Graph::new();
        let a = g.tensor(draw(&[3, 2], -1.0, 1.0, 7));
        let b = g.tensor(draw(&[4, 2], -1.0, 1.0, 8));
        assert_eq!(a.matmul_t(b).value(), a.matmul(b.transpose()).value());
    }

    #[test]
    fn matmul_literal() {
        // [[1,2],[3,4]]·[[5],[6]] = [[17],[39]]; dΣ/dA = 1·Bᵀ per row; dΣ/dB = column sums of A.
        let g = Graph::new();
        let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![5.0, 6.0], &[2, 1]).unwrap());
        let c = a.matmul(b);
        c.sum().backward();
        assert_eq!(c.value().data(), &[17.0, 39.0]);
        assert_eq!(a.grad().data(), &[5.0, 6.0, 5.0, 6.0]);
        assert_eq!(b.grad().data(), &[4.0, 6.0]);
    }

    #[test]
    fn small_kernel_matches_matrixmultiply_for_every_transpose() {
        // The plain loop (small products) against ndarray's general_mat_mul (matrixmultiply).
        let (m, k, n) = (7, 5, 3);
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = draw(&if ta { [k, m] } else { [m, k] }, -1.0, 1.0, 11);
            let b = draw(&if tb { [n, k] } else { [k, n] }, -1.0, 1.0, 12);
            let mut fast = vec![0.0; m * n];
            super::small(&a, ta, &b, tb, (m, k, n), &mut fast);
            let mut c = ndarray::Array2::<f64>::zeros((m, n));
            let (va, vb) = (super::view(&a, ta), super::view(&b, tb));
            ndarray::linalg::general_mat_mul(1.0, &va, &vb, 0.0, &mut c);
            for (x, y) in fast.iter().zip(c.iter()) {
                assert!((x - y).abs() < 1e-14, "{ta} {tb}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn a_large_product_ignores_what_its_recycled_buffer_held() {
        // A NaN-filled buffer goes back to the pool; the next 40×60 product (above the small
        // path) may get it, and must overwrite every element.
        drop(Tensor::<f64>::full(&[40, 60], f64::NAN));
        let g = Graph::new();
        let c = g
            .tensor(Tensor::ones(&[40, 30]))
            .matmul(g.tensor(Tensor::ones(&[30, 60])));
        assert!(c.value().data().iter().all(|&x| x == 30.0));
    }

    #[test]
    fn matmul_with_an_empty_axis_gives_zeros_of_the_right_shape() {
        let g = Graph::new();
        let c = g
            .tensor(Tensor::zeros(&[2, 0]))
            .matmul(g.tensor(Tensor::zeros(&[0, 3])));
        assert_eq!((c.shape(), c.value().data()), (vec![2, 3], &[0.0; 6][..]));
        let e = g
            .tensor(Tensor::ones(&[2, 4]))
            .matmul(g.tensor(Tensor::ones(&[4, 0])));
        assert_eq!(e.shape(), vec![2, 0]);
    }

    #[test]
    #[should_panic(expected = "matmul: [2, 3] and [4, 5] cannot be multiplied")]
    fn matmul_shape_mismatch_panics() {
        let g = Graph::new();
        let _ = g
            .tensor(Tensor::zeros(&[2, 3]))
            .matmul(g.tensor(Tensor::zeros(&[4, 5])));
    }
}
