//! Two values joined along one axis: out = [a, b] along `axis`, every other axis equal. The
//! gradient is split back by `narrow`: the first `len(a)` entries to a, the rest to b.
//! `Var::cat` of many values and `Var::stack` fold this binary op as a balanced tree (see
//! `src/join.rs`).

use super::narrow::{Narrow, copy_rows};
use super::pad::Pad;
use super::split_at_axis;
use crate::axes::fits_u32;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// Records one binary cat of `a` and `b` along the (already resolved) `axis`, after
    /// checking that every other axis agrees. `op` is the method the user called.
    #[track_caller]
    pub(crate) fn cat2(op: &str, a: Self, b: Self, axis: usize) -> Self {
        let (sa, sb) = (super::shape_of(a), super::shape_of(b));
        let agree = sa.len() == sb.len()
            && sa
                .iter()
                .zip(&sb)
                .enumerate()
                .all(|(i, (x, y))| i == axis || x == y);
        if !agree {
            mismatch_panic(op, &sa, &sb, axis);
        }
        let Some(len) = sa[axis].checked_add(sb[axis]) else {
            mismatch_panic(op, &sa, &sb, axis)
        };
        fits_u32(op, "joined length", len);
        let mut out = sa;
        out[axis] = len;
        a.graph.push(Cat(axis as u32), &[a, b], &out)
    }
}

#[cold]
#[track_caller]
fn mismatch_panic(op: &str, a: &[usize], b: &[usize], axis: usize) -> ! {
    panic!(
        "{op}: shapes {a:?} and {b:?} cannot be joined along axis {axis} (every other axis \
         must have the same length)"
    )
}

/// The op as recorded on the tape; the output shape is the node's target.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cat(pub(crate) u32);

impl<T: Float> Primitive<T> for Cat {
    const NAME: &'static str = "cat";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], _: &[Vec<usize>]) -> Tensor<T> {
        let (a, b, axis) = (x[0], x[1], self.0 as usize);
        let (pre, la, post) = split_at_axis(a.shape(), axis);
        let lb = b.shape()[axis];
        let len = la + lb;
        if pre * len * post == 0 {
            return Tensor::zeros(target);
        }
        Tensor::overwrite(target, |out| {
            copy_rows(a.data(), la, 0, out, len, 0, (pre, la, post));
            copy_rows(b.data(), lb, 0, out, len, la, (pre, lb, post));
        })
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let (sa, sb) = (c.shape(c.input(0)), c.shape(c.input(1)));
        let axis = self.0;
        if c.needs(0) {
            let ga = c.apply(Narrow { axis, start: 0 }.into(), &[g], &sa);
            c.send(0, ga);
        }
        if c.needs(1) {
            // The joined length fit in u32 when the node was recorded, so this one does.
            let start = sa[axis as usize] as u32;
            let gb = c.apply(Narrow { axis, start }.into(), &[g], &sb);
            c.send(1, gb);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = [ȧ, ḃ] joined the same way; a missing (zero) side is zeros, made by padding
        // the other side where that side's tangent should be.
        let shape = c.shape(c.output());
        let la = c.shape(c.input(0))[self.0 as usize] as u32;
        let t = match (c.tangent(0), c.tangent(1)) {
            (Some(a), Some(b)) => c.apply(self.into(), &[a, b], &shape),
            (Some(a), None) => c.apply(
                Pad {
                    axis: self.0,
                    start: 0,
                }
                .into(),
                &[a],
                &shape,
            ),
            (None, Some(b)) => c.apply(
                Pad {
                    axis: self.0,
                    start: la,
                }
                .into(),
                &[b],
                &shape,
            ),
            (None, None) => return,
        };
        c.emit(t);
    }

    fn label(self) -> String {
        format!("cat axis {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor, Var};

    #[test]
    fn cat_grad_matches_finite_difference() {
        // Rank 0 through reshapes; rank 1; rank 2 along each axis, with unequal lengths.
        check(
            |_, v| Var::cat(&[v[0].reshape(&[1]), v[1].reshape(&[1])], 0).exp(),
            &[draw(&[], -1.0, 1.0, 1), draw(&[], -1.0, 1.0, 2)],
        );
        check(
            |_, v| Var::cat(&[v[0], v[1]], 0).exp(),
            &[draw(&[2], -1.0, 1.0, 3), draw(&[3], -1.0, 1.0, 4)],
        );
        check(
            |_, v| Var::cat(&[v[0], v[1]], 0).powi(3),
            &[draw(&[1, 3], -1.0, 1.0, 5), draw(&[2, 3], -1.0, 1.0, 6)],
        );
        check(
            |_, v| Var::cat(&[v[0], v[1], v[0]], -1).tanh(),
            &[draw(&[2, 2], -1.0, 1.0, 7), draw(&[2, 1], -1.0, 1.0, 8)],
        );
    }

    #[test]
    fn cat_with_a_constant_side_matches_finite_difference() {
        // One side has no tangent: forward mode pads the other side's with zeros.
        let w = draw(&[2, 2], -1.0, 1.0, 9);
        let w2 = w.clone();
        check(
            move |g, v| Var::cat(&[v[0], g.constant(w.clone())], 1).exp(),
            &[draw(&[2, 3], -1.0, 1.0, 10)],
        );
        check(
            move |g, v| Var::cat(&[g.constant(w2.clone()), v[0]], 0).exp(),
            &[draw(&[1, 2], -1.0, 1.0, 11)],
        );
    }

    #[test]
    fn cat_literal() {
        // cat([[1],[2]], [[3,4],[5,6]], axis 1) = [[1,3,4],[2,5,6]]. With weights
        // w = [[1,2,3],[4,5,6]], d/da Σ w·y = w[:, 0] = [1, 4]; d/db = w[:, 1..] = [2,3,5,6].
        let g = Graph::new();
        let a = g.tensor(Tensor::from_vec(vec![1.0, 2.0], &[2, 1]).unwrap());
        let b = g.tensor(Tensor::from_vec(vec![3.0, 4.0, 5.0, 6.0], &[2, 2]).unwrap());
        let w = g.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap());
        let y = Var::cat(&[a, b], 1);
        (y * w).sum().backward();
        assert_eq!(y.value().data(), &[1.0, 3.0, 4.0, 2.0, 5.0, 6.0]);
        assert_eq!(a.grad().data(), &[1.0, 4.0]);
        assert_eq!(b.grad().data(), &[2.0, 3.0, 5.0, 6.0]);
    }

    #[test]
    #[should_panic(expected = "cat: shapes [2, 3] and [2, 4] cannot be joined along axis 0")]
    fn cat_mismatched_shapes_panic() {
        let g = Graph::new();
        let _ = Var::cat(
            &[
                g.tensor(Tensor::zeros(&[2, 3])),
                g.tensor(Tensor::zeros(&[2, 4])),
            ],
            0,
        );
    }
}
