//! Reductions over any list of axes (negative counting from the end), with and without the
//! reduced axes kept at length 1: `sum_dims`, `mean_dims`, `max_dims`/`min_dims` (and the
//! one-axis `max_dim`/`min_dim`), `prod_dims`, `logsumexp`, `var`, `std`, `norm`, and the
//! index-valued `argmax`/`argmin` on [`Var`] and [`Tensor`]. All are composites of the
//! primitives (`sum_to`, `max`, `narrow`, `mul`, `exp`, `ln`, `sqrt`, `reshape`) and carry no
//! derivative code.
//!
//! An empty list of axes reduces nothing (as NumPy's `axis=()`): the value comes back as it
//! is. To reduce everything, list every axis, or use [`Var::sum`] and [`Var::mean`].

use crate::axes::{axes, axis, reduced};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::hardmax::argmax;
use crate::ops::shape_of;
use crate::shape::Shape;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The sum over `axes`, as `torch.sum(x, dims, keepdim)`: `[2, 3, 4].sum_dims(&[0, -1],
    /// false) → [3]`. The gradient is the upstream gradient broadcast back.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap());
    /// assert_eq!(x.sum_dims(&[-1], false).value().data(), &[6.0, 15.0]);
    /// assert_eq!(x.sum_dims(&[0], true).shape(), vec![1, 3]);
    /// ```
    ///
    /// # Panics
    /// When an axis is out of range or named twice.
    #[track_caller]
    pub fn sum_dims(self, axes: &[isize], keepdim: bool) -> Self {
        let (shape, ax) = resolve("sum_dims", self, axes);
        if ax.is_empty() {
            return self;
        }
        let s = self.sum_to(&reduced(&shape, &ax, true));
        finish(s, &shape, &ax, keepdim)
    }

    /// The mean over `axes`: the sum divided by the number of elements reduced (NaN when
    /// that is 0, as in PyTorch).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap());
    /// assert_eq!(x.mean_dims(&[0, 1], false).item(), 3.5);
    /// ```
    ///
    /// # Panics
    /// When an axis is out of range or named twice.
    #[track_caller]
    pub fn mean_dims(self, axes: &[isize], keepdim: bool) -> Self {
        let (shape, ax) = resolve("mean_dims", self, axes);
        if ax.is_empty() {
            return self;
        }
        let n: usize = ax.iter().map(|&a| shape[a]).product();
        let s = self.sum_dims(axes, keepdim);
        s / self.graph.constant(Tensor::scalar(T::from_usize(n)))
    }

    /// The maximum over `axes`. NaN propagates. The gradient goes to one maximum per
    /// result: the first in row-major order among ties (the axes are reduced one at a time,
    /// last axis first, each sending its gradient to the first arg-max, as `torch.max(x,
    /// dim)` does; PyTorch's `amax` splits it evenly among ties instead).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 4.0, 4.0, 2.0], &[2, 2]).unwrap());
    /// let m = x.max_dims(&[0, 1], false);
    /// m.backward();
    /// assert_eq!(m.item(), 4.0);
    /// assert_eq!(x.grad().data(), &[0.0, 1.0, 0.0, 0.0]); // the first 4 in row-major order
    /// ```
    ///
    /// # Panics
    /// When an axis is out of range, named twice, or has length 0.
    #[track_caller]
    pub fn max_dims(self, axes: &[isize], keepdim: bool) -> Self {
        let (shape, ax) = resolve("max_dims", self, axes);
        nonempty("max_dims", &shape, &ax);
        let m = ax.iter().rev().fold(self, |m, &a| m.max_keepdim(a));
        finish(m, &shape, &ax, keepdim)
    }

    /// The minimum over `axes`, −max(−x): NaN propagates, and the gradient goes to the first
    /// minimum in row-major order among ties.
    ///
    /// # Panics
    /// When an axis is out of range, named twice, or has length 0.
    #[track_caller]
    pub fn min_dims(self, axes: &[isize], keepdim: bool) -> Self {
        let (shape, ax) = resolve("min_dims", self, axes);
        nonempty("min_dims", &shape, &ax);
        -(-self).max_dims(axes, keepdim)
    }

    /// The maximum along one axis, as the values of `torch.max(x, dim, keepdim)`; the
    /// gradient goes to the first arg-max (see [`max_dims`](Var::max_dims)), whose indices
    /// [`argmax`](Var::argmax) gives.
    ///
    /// # Panics
    /// When `axis` is out of range or has length 0.
    #[track_caller]
    pub fn max_dim(self, axis: isize, keepdim: bool) -> Self {
        self.max_dims(&[axis], keepdim)
    }

    /// The minimum along one axis, as the values of `torch.min(x, dim, keepdim)`; the
    /// gradient goes to the first arg-min.
    ///
    /// # Panics
    /// When `axis` is out of range or has length 0.
    #[track_caller]
    pub fn min_dim(self, axis: isize, keepdim: bool) -> Self {
        self.min_dims(&[axis], keepdim)
    }

    /// The product over `axes` (1 over an empty axis). ∂/∂xᵢ = Πⱼ≠ᵢ xⱼ, exact where some
    /// xⱼ are 0: the product is a balanced tree of multiplications of halves (`narrow`
    /// and `mul`), never y / xᵢ. So with one zero in a row, only that entry gets a nonzero
    /// gradient (the product of the others); with two zeros, every gradient is 0.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![2.0, 0.0, 3.0], &[3]).unwrap());
    /// let p = x.prod_dims(&[0], false);
    /// p.backward();
    /// assert_eq!(p.item(), 0.0);
    /// assert_eq!(x.grad().data(), &[0.0, 6.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When an axis is out of range or named twice.
    #[track_caller]
    pub fn prod_dims(self, axes: &[isize], keepdim: bool) -> Self {
        let (shape, ax) = resolve("prod_dims", self, axes);
        if ax.is_empty() {
            return self;
        }
        if ax.iter().any(|&a| shape[a] == 0) {
            let ones = Tensor::ones(&reduced(&shape, &ax, keepdim));
            return self.graph.constant(ones);
        }
        let p = ax.iter().fold(self, |p, &a| prod_along(p, a));
        finish(p, &shape, &ax, keepdim)
    }

    /// ln Σ exp(x) over `axes`, computed as m + ln Σ exp(x − m) with m the maximum (a
    /// constant, replaced by 0 where it is infinite), so it neither overflows nor loses the
    /// large terms: `logsumexp([1e30, 0]) = 1e30` exactly. The gradient is the softmax over
    /// the reduced axes. Over an empty axis it is −∞, as in PyTorch.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1e30, 0.0], &[2]).unwrap());
    /// let y = x.logsumexp(&[0], false);
    /// y.backward();
    /// assert_eq!(y.item(), 1e30);
    /// assert_eq!(x.grad().data(), &[1.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// When an axis is out of range or named twice.
    #[track_caller]
    pub fn logsumexp(self, axes: &[isize], keepdim: bool) -> Self {
        let (shape, ax) = resolve("logsumexp", self, axes);
        if ax.is_empty() {
            return self;
        }
        let value = self.value();
        let m = ax
            .iter()
            .rev()
            .fold(value, |m, &a| max_keep(&m, a))
            .map(|v| if v.is_finite() { v } else { T::ZERO });
        let m = self.graph.constant(m);
        let s = (self - m).exp().sum_to(&reduced(&shape, &ax, true)).ln() + m;
        finish(s, &shape, &ax, keepdim)
    }

    /// The variance over `axes`, Σ(x − mean)² / (n − correction), as `torch.var(x, dims,
    /// correction, keepdim)`: `correction` 1 is the unbiased sample variance, 0 the
    /// population one. Where n ≤ correction the divisor is 0 and the result ∞ or NaN, as in
    /// PyTorch. ∂/∂xᵢ = 2(xᵢ − mean) / (n − correction).
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 6.0], &[4]).unwrap());
    /// assert_eq!(x.var(&[0], 1, false).item(), 14.0 / 3.0); // mean 3: (4 + 1 + 0 + 9) / 3
    /// assert_eq!(x.std(&[0], 0, false).item(), 3.5f64.sqrt());
    /// ```
    ///
    /// # Panics
    /// When an axis is out of range or named twice.
    #[track_caller]
    pub fn var(self, axes: &[isize], correction: usize, keepdim: bool) -> Self {
        let (shape, ax) = resolve("var", self, axes);
        let n: usize = ax.iter().map(|&a| shape[a]).product();
        let d = self - self.mean_dims(axes, true);
        let den = T::from_usize(n.saturating_sub(correction));
        (d * d).sum_dims(axes, keepdim) / self.graph.constant(Tensor::scalar(den))
    }

    /// The standard deviation over `axes`, √var (see [`var`](Var::var)). Where the values
    /// are all equal its gradient is NaN (0 · ∞), as in PyTorch.
    ///
    /// # Panics
    /// When an axis is out of range or named twice.
    #[track_caller]
    pub fn std(self, axes: &[isize], correction: usize, keepdim: bool) -> Self {
        self.var(axes, correction, keepdim).sqrt()
    }

    /// The Euclidean (L2) norm over `axes`, √Σx², as `torch.linalg.vector_norm`. ∂/∂x =
    /// x / ‖x‖, and 0 where the norm is 0 (as in PyTorch; JAX gives NaN there): such rows
    /// are computed as √(Σx² + 1) − 1 with the 1 a constant, whose value is exactly 0 and
    /// gradient exactly x = 0 there.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![0.0, 2.0, 0.0, 0.0], &[2, 2]).unwrap());
    /// let n = x.norm(&[1], false);
    /// n.sum().backward();
    /// assert_eq!(n.value().data(), &[2.0, 0.0]);
    /// assert_eq!(x.grad().data(), &[0.0, 1.0, 0.0, 0.0]); // x / ‖x‖, and 0 at the zero row
    /// ```
    ///
    /// # Panics
    /// When an axis is out of range or named twice.
    #[track_caller]
    pub fn norm(self, axes: &[isize], keepdim: bool) -> Self {
        resolve("norm", self, axes);
        let s = (self * self).sum_dims(axes, keepdim);
        let zero = s
            .value()
            .map(|v| if v == T::ZERO { T::ONE } else { T::ZERO });
        if zero.data().iter().all(|&z| z == T::ZERO) {
            return s.sqrt();
        }
        let z = self.graph.constant(zero);
        (s + z).sqrt() - z
    }

    /// The indices of the maximum along `axis`, one per row, in row-major order over the
    /// other axes: the form [`gather`](Var::gather) takes, so `x.gather(a, &x.argmax(a))`
    /// is `x.max_keepdim(a)`. Ties give the first index; a NaN counts as the largest.
    /// Indices have no gradient.
    ///
    /// # Panics
    /// When `axis` is out of range or has length 0.
    #[track_caller]
    pub fn argmax(self, axis: isize) -> Vec<usize> {
        let t = self.graph.tape.borrow();
        t.value(self.id as usize).argmax(axis)
    }

    /// The indices of the minimum along `axis` (see [`argmax`](Var::argmax)): ties give the
    /// first index; a NaN counts as the smallest.
    ///
    /// # Panics
    /// When `axis` is out of range or has length 0.
    #[track_caller]
    pub fn argmin(self, axis: isize) -> Vec<usize> {
        let t = self.graph.tape.borrow();
        t.value(self.id as usize).argmin(axis)
    }
}

impl<T: Float> Tensor<T> {
    /// The indices of the maximum along `axis` (negative counts from the end), one per row
    /// in row-major order over the other axes. Ties give the first index; a NaN counts as
    /// the largest (so it is found, as `max` propagates it).
    ///
    /// ```
    /// use tapegrad::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 5.0, 5.0, 7.0, 0.0, 2.0], &[2, 3]).unwrap();
    /// assert_eq!(x.argmax(-1), vec![1, 0]);
    /// assert_eq!(x.argmax(0), vec![1, 0, 0]);
    /// assert_eq!(x.argmin(1), vec![0, 1]);
    /// ```
    ///
    /// # Panics
    /// When `axis` is out of range or has length 0.
    #[track_caller]
    pub fn argmax(&self, axis: isize) -> Vec<usize> {
        arg_best("argmax", self, axis)
    }

    /// The indices of the minimum along `axis` (see [`argmax`](Tensor::argmax)); a NaN
    /// counts as the smallest.
    ///
    /// # Panics
    /// When `axis` is out of range or has length 0.
    #[track_caller]
    pub fn argmin(&self, axis: isize) -> Vec<usize> {
        arg_best("argmin", &self.map(|x| -x), axis)
    }
}

/// The index along `axis` of each row's first maximum.
#[track_caller]
fn arg_best<T: Float>(op: &str, x: &Tensor<T>, axis: isize) -> Vec<usize> {
    let shape = x.shape();
    let a = self::axis(op, axis, shape);
    nonempty(op, shape, &[a]);
    let post: usize = shape[a + 1..].iter().product();
    let len = shape[a];
    let mut out = Vec::with_capacity(x.len() / len);
    argmax(x, a, |i| out.push(i / post % len));
    out
}

/// The value's shape and `axes` resolved, or a panic naming `op`.
#[track_caller]
fn resolve<T: Float>(op: &str, x: Var<'_, T>, list: &[isize]) -> (Shape, Shape) {
    let shape = shape_of(x);
    let ax = axes(op, list, &shape);
    (shape, ax)
}

/// A result reduced with its axes kept at length 1, reshaped without them unless `keepdim`.
#[track_caller]
fn finish<'g, T: Float>(r: Var<'g, T>, shape: &[usize], ax: &[usize], keepdim: bool) -> Var<'g, T> {
    if keepdim {
        r
    } else {
        r.reshape(&reduced(shape, ax, false))
    }
}

/// Panics naming `op` when a reduced axis has length 0 (no maximum of no elements).
#[track_caller]
fn nonempty(op: &str, shape: &[usize], ax: &[usize]) {
    if let Some(&a) = ax.iter().find(|&&a| shape[a] == 0) {
        empty_panic(op, shape, a);
    }
}

#[cold]
#[track_caller]
fn empty_panic(op: &str, shape: &[usize], axis: usize) -> ! {
    panic!(
        "{op}: axis {axis} of shape {shape:?} has length 0, and the maximum or minimum of no \
         elements is undefined"
    )
}

/// The product along `axis` (of length ≥ 1), kept with length 1: halves multiplied level
/// by level (log₂ n levels, each a pair of `narrow`s and a `mul`), an odd last entry set
/// aside and multiplied in at the end. A loop, not recursion.
#[track_caller]
fn prod_along<T: Float>(x: Var<'_, T>, axis: usize) -> Var<'_, T> {
    let a = axis as isize;
    let (mut p, mut rest) = (x, None);
    let mut len = shape_of(x)[axis];
    while len > 1 {
        let h = len / 2;
        if len % 2 == 1 {
            let last = p.narrow(a, len - 1, 1);
            rest = Some(rest.map_or(last, |r| r * last));
        }
        p = p.narrow(a, 0, h) * p.narrow(a, h, h);
        len = h;
    }
    rest.map_or(p, |r| p * r)
}

/// The maximum of `t` along `axis`, kept with length 1 (−∞ over an empty axis).
fn max_keep<T: Float>(t: &Tensor<T>, axis: usize) -> Tensor<T> {
    let mut shape: Shape = t.shape().into();
    if shape[axis] == 0 {
        shape[axis] = 1;
        return Tensor::full(&shape, T::from_f64(f64::NEG_INFINITY));
    }
    shape[axis] = 1;
    let d = t.data();
    Tensor::build(&shape, |v| argmax(t, axis, |i| v.push(d[i])))
}
