//! The adjoint of `conv2d` in its input: z = conv_transpose2d(G, w) is the `x`-shaped z with
//! ⟨z, u⟩ = ⟨G, conv2d(u, w)⟩ for every u. It is how `conv2d` sends its gradient to the
//! input: per sample and group, the columns wᵀ·G scattered back by col2im (each column entry
//! added into the input position im2col read it from). The output shape is the recorded
//! target, since a strided convolution maps several input sizes to one output size.
//!
//! Bilinear in (G, w). With upstream U (shaped like the input):
//! ∂/∂G = conv2d(U, w) and ∂/∂w = conv2d_weight(U, G), both again in the closed set of
//! three, so second order works.

use super::conv2d::{Dims, Geometry, col2im, gemm};
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::ops::Primitive;
use crate::tensor::Tensor;

/// The op as recorded on the tape: a position in the table of index lists, holding the
/// [`Geometry`] of the convolution it transposes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConvTranspose2d(pub(crate) u32);

impl<T: Float> Primitive<T> for ConvTranspose2d {
    const NAME: &'static str = "conv_transpose2d";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], target: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        let (g, w) = (x[0], x[1]);
        let d = Dims::of(target, w.shape(), Geometry::read(&indices[self.0 as usize]));
        debug_assert_eq!(g.shape(), d.out_shape());
        let k = d.k();
        let mut out = Tensor::zeros(target);
        if k == 0 || out.is_empty() || g.is_empty() {
            return out; // nothing to send, or nowhere to send it
        }
        // Per group, one GEMM over the whole batch: cols [k, n·p] = w_gᵀ·G_g, with G_g the
        // [og, n·p] matrix of the samples' upstream blocks, then col2im per sample.
        let (p, np) = (d.p(), d.n * d.p());
        let mut gm = Tensor::<T>::stale(&[d.og * np]);
        let mut cols = Tensor::<T>::stale(&[k * np]);
        let (gd, wd) = (g.data(), w.data());
        for grp in 0..d.groups {
            d.batch(grp, gd, gm.data_mut());
            let wg = &wd[grp * d.og * k..][..d.og * k];
            gemm(
                wg,
                true,
                gm.data(),
                false,
                (k, d.og, np),
                T::ZERO,
                cols.data_mut(),
            );
            for n in 0..d.n {
                let xg = &mut out.data_mut()[(n * d.groups + grp) * d.x_group()..][..d.x_group()];
                col2im(&d, &cols.data()[n * p..], np, xg);
            }
        }
        out
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (g, w, u) = (c.input(0), c.input(1), c.upstream());
        if c.needs(0) {
            let gg = c.conv2d(u, w, self.0);
            c.send(0, gg);
        }
        if c.needs(1) {
            let ws = c.shape(w);
            let gw = c.conv2d_weight(u, g, self.0, &ws);
            c.send(1, gw);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = conv_transpose2d(Ġ, w) + conv_transpose2d(G, ẇ): bilinear.
        let (g, w) = (c.input(0), c.input(1));
        let xs = c.shape(c.output());
        let dg = c.tangent(0).map(|t| c.conv_transpose2d(t, w, self.0, &xs));
        let dw = c.tangent(1).map(|t| c.conv_transpose2d(g, t, self.0, &xs));
        c.emit_sum(dg, dw);
    }
}
