//! The adjoint of `max_pool2d(x, ·)` in its value input: max_unpool2d(x, G) has x's shape
//! and holds, at each position, the sum of G over the windows whose first arg-max in x is
//! that position (0 elsewhere). Like PyTorch's `MaxUnpool2d`, with the indices found from x.
//!
//! Linear in G, and x only chooses positions (locally constant): with upstream U,
//! ∂/∂G = max_pool2d(x, U) and x gets nothing.

use super::max_pool2d::Window;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::ops::Primitive;
use crate::tensor::Tensor;

/// The op as recorded on the tape: the position of the pooling's `[kh, kw, sh, sw]` in the
/// table of index lists.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MaxUnpool2d(pub(crate) u32);

impl<T: Float> Primitive<T> for MaxUnpool2d {
    const NAME: &'static str = "max_unpool2d";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        let (x, g) = (x[0], x[1]);
        let win = Window::of(x.shape(), &indices[self.0 as usize]);
        let gd = g.data();
        let mut out = Tensor::zeros(x.shape());
        let od = out.data_mut();
        win.argmax(x.data(), |o, at| od[at] += gd[o]);
        out
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        if c.needs(1) {
            let (x, u) = (c.input(0), c.upstream());
            let gg = c.max_pool2d(x, u, self.0);
            c.send(1, gg);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = Ġ routed to the same arg-max positions; x's tangent does not move them.
        let Some(t) = c.tangent(1) else { return };
        let x = c.input(0);
        let t = c.max_unpool2d(x, t, self.0);
        c.emit(t);
    }
}
