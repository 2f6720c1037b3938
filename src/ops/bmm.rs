//! A batch of matrix products: out[i] = op(A[i])·op(B[i]) for 3-D A `[batch, m, k]` and B
//! `[batch, k, n]`, where op transposes the last two axes when asked (as strides, never a
//! copy). The rule is `matmul`'s, batch by batch: dA = G·op(B)ᵀ (or op(B)·Gᵀ when A is
//! transposed) and dB = op(A)ᵀ·G (or Gᵀ·op(A)), each again a `bmm` with transpose flags, so
//! the rule is closed under itself. `matmul` on rank ≥ 3 broadcasts the batch axes and
//! reshapes to this op (see `src/join.rs`).

use crate::backward::{Chain, Rules, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;
use ndarray::{ArrayView2, ArrayViewMut2};

impl<'g, T: Float> Var<'g, T> {
    /// Batched matrix product of two 3-D values with the same batch length, as PyTorch's
    /// `bmm`: `[b, m, k] · [b, k, n] → [b, m, n]`. For broadcast batch axes and other ranks,
    /// use [`matmul`](Var::matmul).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 1, 2]).unwrap());
    /// let b = g.tensor(Tensor::from_vec(vec![1.0, 1.0, 2.0, 0.0], &[2, 2, 1]).unwrap());
    /// let c = a.bmm(b); // [1·1 + 2·1], [3·2 + 4·0]
    /// assert_eq!(c.value().data(), &[3.0, 6.0]);
    /// ```
    ///
    /// # Panics
    /// When either value is not 3-D, the batch lengths differ or the inner lengths differ;
    /// the message shows both shapes.
    #[track_caller]
    pub fn bmm(self, other: Self) -> Self {
        let (sa, sb) = (super::shape_of(self), super::shape_of(other));
        match (&sa[..], &sb[..]) {
            ([ba, _, k], [bb, k2, _]) if ba == bb && k == k2 => {}
            _ => bmm_panic(&sa, &sb),
        }
        let op = BatchMatMul {
            ta: false,
            tb: false,
        };
        self.graph.push(op, &[self, other], &[])
    }
}

#[cold]
#[track_caller]
fn bmm_panic(a: &[usize], b: &[usize]) -> ! {
    panic!(
        "bmm: {a:?} and {b:?} cannot be multiplied (need [batch, m, k] · [batch, k, n], both 3-D)"
    )
}

/// (batch, rows, cols) of op(x).
#[track_caller]
fn dims<T: Float>(x: &Tensor<T>, t: bool, a: &Tensor<T>, b: &Tensor<T>) -> (usize, usize, usize) {
    match *x.shape() {
        [n, r, c] if t => (n, c, r),
        [n, r, c] => (n, r, c),
        _ => bmm_panic(a.shape(), b.shape()),
    }
}

/// One matrix of a batch as a 2-D view, transposed by swapping strides when `t` is set.
fn view<T: Float>(d: &[T], (r, c): (usize, usize), t: bool) -> ArrayView2<'_, T> {
    let v = ArrayView2::from_shape((r, c), d).expect("shape fits data");
    if t { v.reversed_axes() } else { v }
}

/// Records op(x)·op(y) batch by batch in the interpreter `c`.
fn bmm<T: Float, C: Rules<T>>(c: &mut C, x: C::H, tx: bool, y: C::H, ty: bool) -> C::H {
    c.apply(BatchMatMul { ta: tx, tb: ty }.into(), &[x, y], &[])
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BatchMatMul {
    /// Whether the first operand's matrices are used transposed.
    pub(crate) ta: bool,
    /// Whether the second operand's matrices are used transposed.
    pub(crate) tb: bool,
}

impl<T: Float> Primitive<T> for BatchMatMul {
    const NAME: &'static str = "bmm";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (a, b, ta, tb) = (x[0], x[1], self.ta, self.tb);
        let (na, m, k) = dims(a, ta, a, b);
        let (nb, k2, n) = dims(b, tb, a, b);
        if na != nb || k != k2 {
            bmm_panic(a.shape(), b.shape());
        }
        let mut out = Tensor::zeros(&[na, m, n]); // an empty sum is 0
        if k == 0 || m * n == 0 {
            return out;
        }
        // The stored (untransposed) shape of each operand's matrices.
        let sa = if ta { (k, m) } else { (m, k) };
        let sb = if tb { (n, k) } else { (k, n) };
        let mats = a
            .data()
            .chunks_exact(m * k)
            .zip(b.data().chunks_exact(k * n));
        for ((da, db), dc) in mats.zip(out.data_mut().chunks_exact_mut(m * n)) {
            let mut c = ArrayViewMut2::from_shape((m, n), dc).expect("shape fits data");
            let (va, vb) = (view(da, sa, ta), view(db, sb, tb));
            ndarray::linalg::general_mat_mul(T::ONE, &va, &vb, T::ZERO, &mut c);
        }
        out
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let BatchMatMul { ta, tb } = self;
        let (a, b, g) = (c.input(0), c.input(1), c.upstream());
        if c.needs(0) {
            let da = if ta {
                bmm(c, b, tb, g, true)
            } else {
                bmm(c, g, false, b, !tb)
            };
            c.send(0, da);
        }
        if c.needs(1) {
            let db = if tb {
                bmm(c, g, true, a, ta)
            } else {
                bmm(c, a, !ta, g, false)
            };
            c.send(1, db);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = op(Ȧ)·op(B) + op(A)·op(Ḃ), batch by batch
        let BatchMatMul { ta, tb } = self;
        let (a, b) = (c.input(0), c.input(1));
        let da = c.tangent(0).map(|t| bmm(c, t, ta, b, tb));
        let db = c.tangent(1).map(|t| bmm(c, a, ta, t, tb));
        c.emit_sum(da, db);
    }

    fn label(self) -> String {
        format!(
            "bmm{}{}",
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
    fn bmm_grad_matches_finite_difference() {
        for (b, m, k, n) in [(1, 1, 1, 1), (2, 3, 2, 4), (3, 1, 2, 1)] {
            check(
                |_, v| v[0].bmm(v[1]).tanh(),
                &[
                    draw(&[b, m, k], -1.0, 1.0, 1),
                    draw(&[b, k, n], -1.0, 1.0, 2),
                ],
            );
        }
        // Rank 0 and 1 operands reach bmm through reshapes.
        check(
            |_, v| v[0].reshape(&[1, 1, 1]).bmm(v[1].reshape(&[1, 1, 3])).exp(),
            &[draw(&[], -1.0, 1.0, 3), draw(&[3], -1.0, 1.0, 4)],
        );
    }

    #[test]
    fn bmm_literal() {
        // Batch 0: [1,2]·[[1],[1]] = 3; batch 1: [3,4]·[[2],[0]] = 6. dΣ/dA[i] = B[i]ᵀ and
        // dΣ/dB[i] = A[i]ᵀ, batch by batch.
        let g = Graph::new();
        let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 1, 2]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![1.0, 1.0, 2.0, 0.0], &[2, 2, 1]).unwrap());
        let c = a.bmm(b);
        c.sum().backward();
        assert_eq!(c.value().data(), &[3.0, 6.0]);
        assert_eq!(a.grad().data(), &[1.0, 1.0, 2.0, 0.0]);
        assert_eq!(b.grad().data(), &[1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn bmm_agrees_with_matmul_batch_by_batch() {
        let g = Graph::new();
        let a = g.tensor(draw(&[3, 4, 5], -1.0, 1.0, 5));
        let b = g.tensor(draw(&[3, 5, 2], -1.0, 1.0, 6));
        let c = a.bmm(b).value();
        for i in 0..3 {
            let ai = a.narrow(0, i, 1).reshape(&[4, 5]);
            let bi = b.narrow(0, i, 1).reshape(&[5, 2]);
            let ci = ai.matmul(bi).value();
            for (x, y) in ci.data().iter().zip(&c.data()[i * 8..(i + 1) * 8]) {
                assert!((x - y).abs() < 1e-14, "batch {i}: {x} vs {y}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "bmm: [2, 3, 4] and [3, 4, 5] cannot be multiplied")]
    fn bmm_batch_mismatch_panics() {
        let g = Graph::new();
        let _ = g
            .tensor(Tensor::zeros(&[2, 3, 4]))
            .bmm(g.tensor(Tensor::zeros(&[3, 4, 5])));
    }
}
