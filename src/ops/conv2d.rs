//! 2-D convolution (cross-correlation, as in PyTorch) of an NCHW input with an
//! `[out, in/groups, kh, kw]` weight, with zero padding, stride, dilation and groups:
//!
//! y[n, o, a, b] = Σ_{c, i, j} w[o, c, i, j] · x[n, g·C_g + c, a·s_h − p_h + i·d_h, b·s_w − p_w + j·d_w]
//!
//! where g = o / O_g is the output channel's group and x is 0 outside the input. The kernel
//! lays each sample's receptive fields out as columns (im2col) and multiplies by the weight
//! with the GEMM, one group at a time.
//!
//! y is bilinear in (x, w), so both partial derivatives are linear maps of the upstream G:
//! ∂/∂x = `conv_transpose2d(G, w)` (the adjoint in x: col2im of wᵀ·G) and ∂/∂w =
//! `conv2d_weight(x, G)` (Σ_n G·im2col(x)ᵀ). Those two are bilinear too, and the adjoints of
//! all three are again among the three (see their files), so the rules are closed and
//! `Graph::grad` differentiates them again. `conv1d` is `conv2d` on a height-1 image.

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::ops::Primitive;
use crate::tensor::Tensor;
use ndarray::{ArrayView2, ArrayViewMut2};

impl<'g, T: Float> Var<'g, T> {
    /// The 2-D convolution of an input `[N, C, H, W]` with a weight `[O, C/groups, kh, kw]`,
    /// PyTorch's `F.conv2d(x, w, padding=, stride=, dilation=, groups=)` in candle's argument
    /// order. The output is `[N, O, H', W']` with H' = ⌊(H + 2·padding − dilation·(kh − 1) −
    /// 1) / stride⌋ + 1 (the same for W'), and
    ///
    /// y[n, o, a, b] = Σ_{c, i, j} w[o, c, i, j] · x[n, g·C/groups + c, a·stride − padding +
    /// i·dilation, b·stride − padding + j·dilation], with x = 0 outside the input and g the
    /// group of output channel o. No bias: add one with broadcasting, as `nn::Conv2d` does.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec((1..=9).map(f64::from).collect(), &[1, 1, 3, 3]).unwrap());
    /// let w = g.tensor(Tensor::ones(&[1, 1, 2, 2]));
    /// let y = x.conv2d(w, 0, 1, 1, 1); // sums of each 2×2 window
    /// assert_eq!(y.value().data(), &[12.0, 16.0, 24.0, 28.0]);
    /// y.sum().backward();
    /// // Each input counts once per window holding it: corners 1, edges 2, centre 4.
    /// assert_eq!(x.grad().data(), &[1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]);
    /// ```
    ///
    /// # Panics
    /// When the input or weight is not 4-D, a parameter other than `padding` is 0, the
    /// channels do not match (C ≠ `weight[1]·groups`, or groups does not divide O), the kernel
    /// is empty, or the dilated kernel is longer than the padded input. The message names
    /// the shapes and the parameter, e.g. `conv2d: input [8, 3, 28, 28] has 3 channels but
    /// weight [16, 1, 3, 3] expects 1 (groups = 1)`.
    #[track_caller]
    pub fn conv2d(
        self,
        weight: Self,
        padding: usize,
        stride: usize,
        dilation: usize,
        groups: usize,
    ) -> Self {
        let (xs, ws) = (super::shape_of(self), super::shape_of(weight));
        check_conv("conv2d", &xs, &ws, padding, stride, dilation, groups);
        let geo = Geometry {
            stride: [stride; 2],
            padding: [padding; 2],
            dilation: [dilation; 2],
            groups,
        };
        self.graph
            .push(Conv2d(geo.keep(self.graph)), &[self, weight], &[])
    }

    /// The 1-D convolution of an input `[N, C, L]` with a weight `[O, C/groups, k]`,
    /// PyTorch's `F.conv1d` in candle's argument order; the output is `[N, O, L']` with L' =
    /// ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1 and y[n, o, a] = Σ_{c, i}
    /// w[o, c, i] · x[n, g·C/groups + c, a·stride − padding + i·dilation]. It is
    /// [`conv2d`](Var::conv2d) on a height-1 image (reshapes around one `conv2d` node).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 1, 3]).unwrap());
    /// let w = g.tensor(Tensor::from_vec(vec![1.0, -1.0], &[1, 1, 2]).unwrap());
    /// let y = x.conv1d(w, 1, 1, 1, 1); // padded [0, 1, 2, 3, 0]: differences
    /// assert_eq!(y.value().data(), &[-1.0, -1.0, -1.0, 3.0]);
    /// ```
    ///
    /// # Panics
    /// As [`conv2d`](Var::conv2d), for 3-D input and weight; the message says `conv1d`.
    #[track_caller]
    pub fn conv1d(
        self,
        weight: Self,
        padding: usize,
        stride: usize,
        dilation: usize,
        groups: usize,
    ) -> Self {
        let (xs, ws) = (super::shape_of(self), super::shape_of(weight));
        check_conv("conv1d", &xs, &ws, padding, stride, dilation, groups);
        let geo = Geometry {
            stride: [1, stride],
            padding: [0, padding],
            dilation: [1, dilation],
            groups,
        };
        let x4 = self.reshape(&[xs[0], xs[1], 1, xs[2]]);
        let w4 = weight.reshape(&[ws[0], ws[1], 1, ws[2]]);
        let y = self
            .graph
            .push(Conv2d(geo.keep(self.graph)), &[x4, w4], &[]);
        let ys = super::shape_of(y);
        y.reshape(&[ys[0], ys[1], ys[3]])
    }
}

/// Panics unless `xs` (input) and `ws` (weight) with these parameters make a convolution
/// over `xs.len() − 2` spatial axes; `op` names the method the user called.
#[track_caller]
fn check_conv(
    op: &str,
    xs: &[usize],
    ws: &[usize],
    padding: usize,
    stride: usize,
    dilation: usize,
    groups: usize,
) {
    let (rank, spatial) = if op == "conv1d" {
        (3, "length")
    } else {
        (4, "height, width")
    };
    if xs.len() != rank {
        conv_panic(format!(
            "{op}: input {xs:?} must have {rank} axes [batch, channels, {spatial}]"
        ));
    }
    if ws.len() != rank {
        conv_panic(format!(
            "{op}: weight {ws:?} must have {rank} axes [out channels, in channels / groups, {spatial}]"
        ));
    }
    for (name, v) in [
        ("stride", stride),
        ("dilation", dilation),
        ("groups", groups),
    ] {
        if v == 0 {
            conv_panic(format!("{op}: {name} must be at least 1 (got 0)"));
        }
    }
    if ws[1].checked_mul(groups) != Some(xs[1]) {
        conv_panic(format!(
            "{op}: input {xs:?} has {} channels but weight {ws:?} expects {} (groups = {groups})",
            xs[1],
            ws[1] as u128 * groups as u128
        ));
    }
    if ws[0] % groups != 0 {
        conv_panic(format!(
            "{op}: weight {ws:?} has {} output channels, which groups = {groups} does not divide",
            ws[0]
        ));
    }
    for axis in 2..rank {
        let (len, k) = (xs[axis], ws[axis]);
        if k == 0 {
            conv_panic(format!("{op}: weight {ws:?} has an empty kernel"));
        }
        let Some(padded) = padding.checked_mul(2).and_then(|p| p.checked_add(len)) else {
            conv_panic(format!(
                "{op}: padding {padding} makes axis {axis} of input {xs:?} too long to index"
            ))
        };
        let span = dilation.checked_mul(k - 1).and_then(|s| s.checked_add(1));
        if span.is_none_or(|s| s > padded) {
            conv_panic(format!(
                "{op}: kernel {k} with dilation {dilation} is longer than axis {axis} of input \
                 {xs:?} padded by {padding} on each side"
            ));
        }
    }
}

#[cold]
#[track_caller]
fn conv_panic(msg: String) -> ! {
    panic!("{msg}")
}

/// A convolution's parameters per spatial axis (height, width). The tape keeps them in its
/// table of index lists, so the recorded ops stay small and `Copy`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry {
    pub(crate) stride: [usize; 2],
    pub(crate) padding: [usize; 2],
    pub(crate) dilation: [usize; 2],
    pub(crate) groups: usize,
}

impl Geometry {
    /// Stores the parameters in `graph`'s table; returns their position.
    pub(crate) fn keep<T: Float>(self, graph: &Graph<T>) -> u32 {
        let [sh, sw] = self.stride;
        let [ph, pw] = self.padding;
        let [dh, dw] = self.dilation;
        graph.keep_index(&[sh, sw, ph, pw, dh, dw, self.groups])
    }

    /// The parameters stored by [`keep`](Geometry::keep).
    pub(crate) fn read(list: &[usize]) -> Self {
        Geometry {
            stride: [list[0], list[1]],
            padding: [list[2], list[3]],
            dilation: [list[4], list[5]],
            groups: list[6],
        }
    }
}

/// Every length of one convolution, from the input shape `[n, c, h, w]`, the weight shape
/// `[o, cg, kh, kw]` and the geometry (checked when the conv was recorded).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dims {
    pub(crate) n: usize,
    pub(crate) groups: usize,
    /// Input channels per group, and the input's height and width.
    pub(crate) cg: usize,
    pub(crate) h: usize,
    pub(crate) w: usize,
    /// Output channels per group.
    pub(crate) og: usize,
    pub(crate) kh: usize,
    pub(crate) kw: usize,
    /// The output's height and width.
    pub(crate) oh: usize,
    pub(crate) ow: usize,
    pub(crate) geo: Geometry,
}

impl Dims {
    pub(crate) fn of(xs: &[usize], ws: &[usize], geo: Geometry) -> Self {
        let out = |len: usize, k: usize, a: usize| {
            (len + 2 * geo.padding[a] - geo.dilation[a] * (k - 1) - 1) / geo.stride[a] + 1
        };
        Dims {
            n: xs[0],
            groups: geo.groups,
            cg: ws[1],
            h: xs[2],
            w: xs[3],
            og: ws[0] / geo.groups,
            kh: ws[2],
            kw: ws[3],
            oh: out(xs[2], ws[2], 0),
            ow: out(xs[3], ws[3], 1),
            geo,
        }
    }

    /// The output shape `[n, o, oh, ow]`.
    pub(crate) fn out_shape(&self) -> [usize; 4] {
        [self.n, self.og * self.groups, self.oh, self.ow]
    }

    /// Rows of one group's column matrix: cg·kh·kw.
    pub(crate) fn k(&self) -> usize {
        self.cg * self.kh * self.kw
    }

    /// Output positions per sample: oh·ow.
    pub(crate) fn p(&self) -> usize {
        self.oh * self.ow
    }

    /// Copies group `g`'s rows of a sample-major `[n, groups·og, p]` tensor `t` into `m`, as
    /// the `[og, n·p]` matrix m[o, n·p + j] = t[n, g·og + o, j].
    pub(crate) fn batch<T: Float>(&self, g: usize, t: &[T], m: &mut [T]) {
        let (p, np) = (self.p(), self.n * self.p());
        for n in 0..self.n {
            let block = &t[(n * self.groups + g) * self.og * p..][..self.og * p];
            for (o, row) in block.chunks_exact(p).enumerate() {
                m[o * np + n * p..][..p].copy_from_slice(row);
            }
        }
    }

    /// The inverse of [`batch`](Dims::batch): writes the `[og, n·p]` matrix `m` into group
    /// `g`'s rows of `t`.
    pub(crate) fn unbatch<T: Float>(&self, g: usize, m: &[T], t: &mut [T]) {
        let (p, np) = (self.p(), self.n * self.p());
        for n in 0..self.n {
            let block = &mut t[(n * self.groups + g) * self.og * p..][..self.og * p];
            for (o, row) in block.chunks_exact_mut(p).enumerate() {
                row.copy_from_slice(&m[o * np + n * p..][..p]);
            }
        }
    }

    /// Elements of one group's input channels in one sample.
    pub(crate) fn x_group(&self) -> usize {
        self.cg * self.h * self.w
    }

    /// Runs `f(row, input plane, kernel offset along height, along width)` for each row of
    /// the column matrix, in order: the row for (c, i, j) reads input plane c at offsets
    /// (i·d_h, j·d_w).
    fn rows(&self, mut f: impl FnMut(usize, usize, usize, usize)) {
        let [dh, dw] = self.geo.dilation;
        let mut r = 0;
        for c in 0..self.cg {
            for i in 0..self.kh {
                for j in 0..self.kw {
                    f(r, c, i * dh, j * dw);
                    r += 1;
                }
            }
        }
    }
}

/// The output positions `lo..hi` (of `out` along an axis) whose input position
/// `o·stride + offset − pad` lies inside `0..len`.
fn inside(out: usize, stride: usize, offset: usize, pad: usize, len: usize) -> (usize, usize) {
    let lo = pad.saturating_sub(offset).div_ceil(stride).min(out);
    let hi = (len + pad).saturating_sub(offset).div_ceil(stride).min(out);
    (lo, hi.max(lo))
}

/// Writes one group of one sample's receptive fields as columns: `x` is `[cg, h, w]` and
/// `cols` holds cg·kh·kw rows of oh·ow entries, row r starting at r·ld (so the samples of a
/// batch sit side by side in one matrix of leading dimension ld = n·oh·ow):
/// cols[(c, i, j), (a, b)] = x[c, a·s_h − p_h + i·d_h, b·s_w − p_w + j·d_w], 0 outside the
/// input.
pub(crate) fn im2col<T: Float>(d: &Dims, x: &[T], cols: &mut [T], ld: usize) {
    let ([sh, sw], [ph, pw]) = (d.geo.stride, d.geo.padding);
    let p = d.p();
    d.rows(|r, c, di, dj| {
        let row = &mut cols[r * ld..][..p];
        let plane = &x[c * d.h * d.w..][..d.h * d.w];
        let (ylo, yhi) = inside(d.oh, sh, di, ph, d.h);
        let (xlo, xhi) = inside(d.ow, sw, dj, pw, d.w);
        row[..ylo * d.ow].fill(T::ZERO);
        row[yhi * d.ow..].fill(T::ZERO);
        for a in ylo..yhi {
            let src = &plane[(a * sh + di - ph) * d.w..][..d.w];
            let dst = &mut row[a * d.ow..][..d.ow];
            dst[..xlo].fill(T::ZERO);
            dst[xhi..].fill(T::ZERO);
            if xlo == xhi {
                continue; // no tap inside the input (and `start` below would underflow)
            }
            let start = xlo * sw + dj - pw;
            if sw == 1 {
                dst[xlo..xhi].copy_from_slice(&src[start..start + (xhi - xlo)]);
            } else {
                for (o, &v) in dst[xlo..xhi]
                    .iter_mut()
                    .zip(src[start..].iter().step_by(sw))
                {
                    *o = v;
                }
            }
        }
    });
}

/// The adjoint of [`im2col`]: adds each column entry back into the input position it was
/// read from (positions in the padding are dropped). `x` is `[cg, h, w]`; row r of `cols`
/// starts at r·ld.
pub(crate) fn col2im<T: Float>(d: &Dims, cols: &[T], ld: usize, x: &mut [T]) {
    let ([sh, sw], [ph, pw]) = (d.geo.stride, d.geo.padding);
    let p = d.p();
    d.rows(|r, c, di, dj| {
        let row = &cols[r * ld..][..p];
        let plane = &mut x[c * d.h * d.w..][..d.h * d.w];
        let (ylo, yhi) = inside(d.oh, sh, di, ph, d.h);
        let (xlo, xhi) = inside(d.ow, sw, dj, pw, d.w);
        for a in ylo..yhi {
            let dst = &mut plane[(a * sh + di - ph) * d.w..][..d.w];
            let src = &row[a * d.ow..][..d.ow];
            if xlo == xhi {
                continue; // no tap inside the input (and `start` below would underflow)
            }
            let start = xlo * sw + dj - pw;
            for (o, &v) in dst[start..].iter_mut().step_by(sw).zip(&src[xlo..xhi]) {
                *o += v;
            }
        }
    });
}

/// C = op(A)·op(B) + β·C through ndarray's `general_mat_mul`, where A is stored `[m, k]`
/// (`[k, m]` when `ta`) and B `[k, n]` (`[n, k]` when `tb`); the transposes are strides.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm<T: Float>(
    a: &[T],
    ta: bool,
    b: &[T],
    tb: bool,
    (m, k, n): (usize, usize, usize),
    beta: T,
    c: &mut [T],
) {
    let (av, bv) = (view(a, m, k, ta), view(b, k, n, tb));
    let mut cv = ArrayViewMut2::from_shape((m, n), c).expect("shape fits data");
    ndarray::linalg::general_mat_mul(T::ONE, &av, &bv, beta, &mut cv);
}

/// A `[rows, cols]` view of `s`, stored `[cols, rows]` and transposed by strides when `t`.
fn view<T: Float>(s: &[T], rows: usize, cols: usize, t: bool) -> ArrayView2<'_, T> {
    if t {
        ArrayView2::from_shape((cols, rows), s)
            .expect("shape fits data")
            .reversed_axes()
    } else {
        ArrayView2::from_shape((rows, cols), s).expect("shape fits data")
    }
}

/// The op as recorded on the tape: a position in the table of index lists, holding the
/// [`Geometry`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conv2d(pub(crate) u32);

impl<T: Float> Primitive<T> for Conv2d {
    const NAME: &'static str = "conv2d";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        let (x, w) = (x[0], x[1]);
        let d = Dims::of(
            x.shape(),
            w.shape(),
            Geometry::read(&indices[self.0 as usize]),
        );
        let k = d.k();
        if k == 0 || d.n * d.og * d.groups * d.p() == 0 || x.is_empty() {
            return Tensor::zeros(&d.out_shape()); // an empty sum (or only padding) is 0
        }
        // Per group, one GEMM over the whole batch: w_g [og, k] · cols [k, n·p], the samples'
        // columns side by side, then each sample's [og, p] block copied into place.
        let (p, np) = (d.p(), d.n * d.p());
        let mut out = Tensor::stale(&d.out_shape());
        let mut cols = Tensor::<T>::stale(&[k * np]);
        let mut y = Tensor::<T>::stale(&[d.og * np]);
        let (xd, wd) = (x.data(), w.data());
        for g in 0..d.groups {
            for n in 0..d.n {
                let xg = &xd[(n * d.groups + g) * d.x_group()..][..d.x_group()];
                im2col(&d, xg, &mut cols.data_mut()[n * p..], np);
            }
            let wg = &wd[g * d.og * k..][..d.og * k];
            gemm(
                wg,
                false,
                cols.data(),
                false,
                (d.og, k, np),
                T::ZERO,
                y.data_mut(),
            );
            d.unbatch(g, y.data(), out.data_mut());
        }
        out
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let (x, w, g) = (c.input(0), c.input(1), c.upstream());
        if c.needs(0) {
            let xs = c.shape(x);
            let gx = c.conv_transpose2d(g, w, self.0, &xs);
            c.send(0, gx);
        }
        if c.needs(1) {
            let ws = c.shape(w);
            let gw = c.conv2d_weight(x, g, self.0, &ws);
            c.send(1, gw);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = conv2d(ẋ, w) + conv2d(x, ẇ): bilinear.
        let (x, w) = (c.input(0), c.input(1));
        let dx = c.tangent(0).map(|t| c.conv2d(t, w, self.0));
        let dw = c.tangent(1).map(|t| c.conv2d(x, t, self.0));
        c.emit_sum(dx, dw);
    }
}

#[cfg(test)]
#[path = "conv2d_tests.rs"]
mod tests;
