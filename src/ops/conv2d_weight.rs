//! The adjoint of `conv2d` in its weight: v = conv2d_weight(x, G) is the weight-shaped v
//! with ⟨v, u⟩ = ⟨G, conv2d(x, u)⟩ for every u. It is how `conv2d` sends its gradient to
//! the weight: per group, v_g = Σ_n G_{n,g}·im2col(x_{n,g})ᵀ. The output shape is the
//! recorded target (the weight's shape).
//!
//! Bilinear in (x, G). With upstream U (shaped like the weight):
//! ∂/∂x = conv_transpose2d(G, U) and ∂/∂G = conv2d(x, U), both again in the closed set of
//! three, so second order works.

use super::conv2d::{Dims, Geometry, gemm, im2col};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::ops::Primitive;
use crate::tensor::Tensor;

/// The op as recorded on the tape: a position in the table of index lists, holding the
/// [`Geometry`] of the convolution whose weight gradient it is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conv2dWeight(pub(crate) u32);

impl<T: Float> Primitive<T> for Conv2dWeight {
    const NAME: &'static str = "conv2d_weight";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        let (x, g) = (x[0], x[1]);
        let d = Dims::of(x.shape(), target, Geometry::read(&indices[self.0 as usize]));
        debug_assert_eq!(g.shape(), d.out_shape());
        let k = d.k();
        let mut out = Tensor::zeros(target);
        if k == 0 || out.is_empty() || x.is_empty() || g.is_empty() {
            return out; // an empty sum (or only padding) is 0
        }
        // Per group, one GEMM over the whole batch: v_g = G_g·colsᵀ, [og, n·p]·[n·p, k], with
        // the samples' columns and upstream blocks side by side.
        let (p, np) = (d.p(), d.n * d.p());
        let mut gm = Tensor::<T>::stale(&[d.og * np]);
        let mut cols = Tensor::<T>::stale(&[k * np]);
        let (xd, gd) = (x.data(), g.data());
        for grp in 0..d.groups {
            for n in 0..d.n {
                let xg = &xd[(n * d.groups + grp) * d.x_group()..][..d.x_group()];
                im2col(&d, xg, &mut cols.data_mut()[n * p..], np);
            }
            d.batch(grp, gd, gm.data_mut());
            let vg = &mut out.data_mut()[grp * d.og * k..][..d.og * k];
            gemm(
                gm.data(),
                false,
                cols.data(),
                true,
                (d.og, np, k),
                T::ZERO,
                vg,
            );
        }
        out
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (x, g, u) = (c.input(0), c.input(1), c.upstream());
        if c.needs(0) {
            let xs = c.shape(x);
            let gx = c.conv_transpose2d(g, u, self.0, &xs);
            c.send(0, gx);
        }
        if c.needs(1) {
            let gg = c.conv2d(x, u, self.0);
            c.send(1, gg);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = conv2d_weight(ẋ, G) + conv2d_weight(x, Ġ): bilinear.
        let (x, g) = (c.input(0), c.input(1));
        let ws = c.shape(c.output());
        let dx = c.tangent(0).map(|t| c.conv2d_weight(t, g, self.0, &ws));
        let dg = c.tangent(1).map(|t| c.conv2d_weight(x, t, self.0, &ws));
        c.emit_sum(dx, dg);
    }
}
