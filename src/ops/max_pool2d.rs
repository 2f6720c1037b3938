//! Max pooling over `kh × kw` windows of an NCHW value, moved by a stride (no padding, as
//! PyTorch's default). Recorded as `max_pool2d(x, v)`: the value of `v` at the first
//! arg-max of `x` in each window, with `v = x` for the user's call. Splitting "where" (x)
//! from "what" (v) makes the rules closed: the arg-max is locally constant, so x gets no
//! gradient through its first input, and the adjoint in v is `max_unpool2d(x, G)` (G routed
//! to each window's arg-max), whose own adjoint is `max_pool2d(x, U)` again.
//!
//! Ties go to the first arg-max in row-major order within the window (PyTorch's CPU kernel
//! does the same); a NaN counts as the maximum, so it propagates. Average pooling is a
//! composite: a depthwise `conv2d` with the constant weight 1/(kh·kw).

use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// Max pooling of an input `[N, C, H, W]` over `kernel × kernel` windows moved by
    /// `stride` (PyTorch's `F.max_pool2d(x, kernel, stride)`, no padding): the output is
    /// `[N, C, H', W']` with H' = ⌊(H − kernel) / stride⌋ + 1, y = the window's maximum. The
    /// gradient goes to the first arg-max of each window (row-major order), once per window
    /// that picks it; a NaN counts as the maximum.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 5.0, 5.0, 2.0], &[1, 1, 2, 2]).unwrap());
    /// let y = x.max_pool2d(2, 2);
    /// y.backward();
    /// assert_eq!(y.item(), 5.0);
    /// assert_eq!(x.grad().data(), &[0.0, 1.0, 0.0, 0.0]); // the tie goes to the first 5
    /// ```
    ///
    /// # Panics
    /// When the input is not 4-D, `kernel` or `stride` is 0, or the kernel is larger than
    /// the input's height or width.
    #[track_caller]
    pub fn max_pool2d(self, kernel: usize, stride: usize) -> Self {
        let xs = super::shape_of(self);
        check_pool("max_pool2d", &xs, kernel, stride);
        let geo = self.graph.keep_index(&[kernel, kernel, stride, stride]);
        self.graph.push(MaxPool2d(geo), &[self, self], &[])
    }

    /// Max pooling of an input `[N, C, L]` over windows of `kernel` moved by `stride`
    /// (PyTorch's `F.max_pool1d`): `[N, C, ⌊(L − kernel) / stride⌋ + 1]`. It is
    /// [`max_pool2d`](Var::max_pool2d) on a height-1 image, with the same tie rule.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![3.0, 1.0, 4.0, 1.0, 5.0], &[1, 1, 5]).unwrap());
    /// assert_eq!(x.max_pool1d(3, 2).value().data(), &[4.0, 5.0]);
    /// ```
    ///
    /// # Panics
    /// As [`max_pool2d`](Var::max_pool2d), for a 3-D input; the message says `max_pool1d`.
    #[track_caller]
    pub fn max_pool1d(self, kernel: usize, stride: usize) -> Self {
        let xs = super::shape_of(self);
        check_pool("max_pool1d", &xs, kernel, stride);
        let x4 = self.reshape(&[xs[0], xs[1], 1, xs[2]]);
        let geo = self.graph.keep_index(&[1, kernel, 1, stride]);
        let y = self.graph.push(MaxPool2d(geo), &[x4, x4], &[]);
        let ys = super::shape_of(y);
        y.reshape(&[ys[0], ys[1], ys[3]])
    }

    /// Average pooling of an input `[N, C, H, W]` over `kernel × kernel` windows moved by
    /// `stride` (PyTorch's `F.avg_pool2d(x, kernel, stride)`, no padding): y = the window's
    /// mean, `[N, C, ⌊(H − kernel) / stride⌋ + 1, …]`. A composite: `conv2d` with groups C
    /// and the constant weight 1/kernel², so each input gets 1/kernel² of the upstream
    /// gradient per window holding it.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 6.0], &[1, 1, 2, 2]).unwrap());
    /// let y = x.avg_pool2d(2, 2);
    /// y.backward();
    /// assert_eq!(y.item(), 3.0);
    /// assert_eq!(x.grad().data(), &[0.25; 4]);
    /// ```
    ///
    /// # Panics
    /// As [`max_pool2d`](Var::max_pool2d); the message says `avg_pool2d`.
    #[track_caller]
    pub fn avg_pool2d(self, kernel: usize, stride: usize) -> Self {
        let xs = super::shape_of(self);
        check_pool("avg_pool2d", &xs, kernel, stride);
        let share = T::ONE / T::from_usize(kernel * kernel);
        let w = self
            .graph
            .constant(Tensor::full(&[xs[1], 1, kernel, kernel], share));
        self.conv2d(w, 0, stride, 1, xs[1])
    }

    /// Average pooling of an input `[N, C, L]` over windows of `kernel` moved by `stride`
    /// (PyTorch's `F.avg_pool1d`): a composite, `conv1d` with groups C and the constant
    /// weight 1/kernel.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 3.0, 5.0, 7.0], &[1, 1, 4]).unwrap());
    /// assert_eq!(x.avg_pool1d(2, 2).value().data(), &[2.0, 6.0]);
    /// ```
    ///
    /// # Panics
    /// As [`max_pool1d`](Var::max_pool1d); the message says `avg_pool1d`.
    #[track_caller]
    pub fn avg_pool1d(self, kernel: usize, stride: usize) -> Self {
        let xs = super::shape_of(self);
        check_pool("avg_pool1d", &xs, kernel, stride);
        let share = T::ONE / T::from_usize(kernel);
        let w = self
            .graph
            .constant(Tensor::full(&[xs[1], 1, kernel], share));
        self.conv1d(w, 0, stride, 1, xs[1])
    }
}

/// Panics unless `xs` can be pooled by `kernel` and `stride`; `op` names the method the
/// user called, whose name ends in its number of spatial axes.
#[track_caller]
fn check_pool(op: &str, xs: &[usize], kernel: usize, stride: usize) {
    let (rank, spatial) = if op.ends_with("1d") {
        (3, "length")
    } else {
        (4, "height, width")
    };
    if xs.len() != rank {
        pool_panic(format!(
            "{op}: input {xs:?} must have {rank} axes [batch, channels, {spatial}]"
        ));
    }
    for (name, v) in [("kernel", kernel), ("stride", stride)] {
        if v == 0 {
            pool_panic(format!("{op}: {name} must be at least 1 (got 0)"));
        }
    }
    if let Some(axis) = (2..rank).find(|&a| xs[a] < kernel) {
        pool_panic(format!(
            "{op}: kernel {kernel} is longer than axis {axis} of input {xs:?}"
        ));
    }
}

#[cold]
#[track_caller]
fn pool_panic(msg: String) -> ! {
    panic!("{msg}")
}

/// A pooling's lengths: input `[n·c planes, h, w]`, window `kh × kw`, stride `sh × sw`, and
/// the output's height and width.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub(crate) planes: usize,
    pub(crate) h: usize,
    pub(crate) w: usize,
    pub(crate) k: [usize; 2],
    pub(crate) s: [usize; 2],
    pub(crate) oh: usize,
    pub(crate) ow: usize,
}

impl Window {
    /// From the input shape and the stored `[kh, kw, sh, sw]`.
    pub(crate) fn of(xs: &[usize], list: &[usize]) -> Self {
        let (k, s) = ([list[0], list[1]], [list[2], list[3]]);
        Window {
            planes: xs[0] * xs[1],
            h: xs[2],
            w: xs[3],
            k,
            s,
            oh: (xs[2] - k[0]) / s[0] + 1,
            ow: (xs[3] - k[1]) / s[1] + 1,
        }
    }

    /// Calls `f(output index, input index of the window's first arg-max in x)` for every
    /// window, in order.
    pub(crate) fn argmax<T: Float>(&self, x: &[T], mut f: impl FnMut(usize, usize)) {
        let mut o = 0;
        for plane in 0..self.planes {
            let base = plane * self.h * self.w;
            for a in 0..self.oh {
                for b in 0..self.ow {
                    let top = base + a * self.s[0] * self.w + b * self.s[1];
                    let mut best = top;
                    for i in 0..self.k[0] {
                        for j in 0..self.k[1] {
                            let at = top + i * self.w + j;
                            // Strictly greater keeps the first of equal values; NaN wins once.
                            if x[at] > x[best] || (x[at].is_nan() && !x[best].is_nan()) {
                                best = at;
                            }
                        }
                    }
                    f(o, best);
                    o += 1;
                }
            }
        }
    }
}

/// The op as recorded on the tape: a position in the table of index lists holding
/// `[kh, kw, sh, sw]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MaxPool2d(pub(crate) u32);

impl<T: Float> Primitive<T> for MaxPool2d {
    const NAME: &'static str = "max_pool2d";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        let (x, v) = (x[0], x[1]);
        let xs = x.shape();
        let win = Window::of(xs, &indices[self.0 as usize]);
        let vd = v.data();
        Tensor::build(&[xs[0], xs[1], win.oh, win.ow], |out| {
            win.argmax(x.data(), |_, at| out.push(vd[at]))
        })
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        // The arg-max is locally constant: x (input 0) gets nothing through it.
        if c.needs(1) {
            let (x, g) = (c.input(0), c.upstream());
            let gv = c.max_unpool2d(x, g, self.0);
            c.send(1, gv);
        }
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = v̇ at the same arg-max positions; x's tangent does not move them.
        let Some(t) = c.tangent(1) else { return };
        let x = c.input(0);
        let t = c.max_pool2d(x, t, self.0);
        c.emit(t);
    }
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
