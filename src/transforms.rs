//! Derivatives of a function as plain tensors: [`jvp`] (forward mode), [`value_and_grad`]
//! (reverse mode), [`jacobian`] (either, whichever side is smaller), [`hessian`] and [`hvp`]
//! (forward over reverse).
//!
//! Each takes the function as `f(graph, x) -> y`, the same form as
//! [`directional_derivative`](crate::directional_derivative): a closure written in the call,
//! or a `fn f<'g>(g: &'g Graph, x: Var<'g>) -> Var<'g>`. Each call builds one graph, so the
//! function is traced once per call.

use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::tensor::Tensor;

/// f(x) and the Jacobian-vector product J·v, pushed forward in one pass: no backward pass,
/// and no double-VJP trick. Each primitive's tangent rule runs once, in push order.
///
/// J·v is the directional derivative of f at x along v (not normalised), with f(x)'s shape.
///
/// ```
/// use tapegrad::{Tensor, jvp};
/// // f(x) = x² elementwise: J = diag(2x), so J·v = 2x·v.
/// let x = Tensor::from_vec(vec![3.0, 4.0], &[2]).unwrap();
/// let v = Tensor::from_vec(vec![1.0, 0.5], &[2]).unwrap();
/// let (y, jv) = jvp(|_, x| x * x, &x, &v);
/// assert_eq!(y.data(), &[9.0, 16.0]);
/// assert_eq!(jv.data(), &[6.0, 4.0]);
/// ```
///
/// # Panics
/// When `v`'s shape differs from `x`'s.
#[track_caller]
pub fn jvp<T: Float>(
    f: impl for<'g> Fn(&'g Graph<T>, Var<'g, T>) -> Var<'g, T>,
    x: &Tensor<T>,
    v: &Tensor<T>,
) -> (Tensor<T>, Tensor<T>) {
    check_same("jvp", x, v);
    let g = Graph::default();
    let xv = g.tensor(x.clone());
    let y = f(&g, xv);
    let t = g.tangent(y, &[(xv, g.constant(v.clone()))]);
    (y.value(), t.value())
}

/// f(x) and ∇f(x) for a one-element f, from one backward pass: the everyday call for
/// optimisation code outside ML.
///
/// ```
/// use tapegrad::{Tensor, value_and_grad};
/// // f(x) = Σ xᵢ², ∇f = 2x.
/// let x = Tensor::from_vec(vec![1.0, -2.0], &[2]).unwrap();
/// let (y, grad) = value_and_grad(|_, x| (x * x).sum(), &x);
/// assert_eq!(y, 5.0);
/// assert_eq!(grad.data(), &[2.0, -4.0]);
/// ```
///
/// # Panics
/// When f's output is not one element.
#[track_caller]
pub fn value_and_grad<T: Float>(
    f: impl for<'g> Fn(&'g Graph<T>, Var<'g, T>) -> Var<'g, T>,
    x: &Tensor<T>,
) -> (T, Tensor<T>) {
    let g = Graph::default();
    let xv = g.tensor(x.clone());
    let y = f(&g, xv);
    y.backward();
    (y.item(), xv.grad())
}

/// The Jacobian ∂f/∂x, with shape `f(x).shape ++ x.shape`.
///
/// It picks the mode by which side is smaller: reverse mode (one backward pass per output
/// element) when f(x) has fewer elements than x, forward mode (one tangent pass per input
/// element) otherwise. Both give the same numbers up to rounding.
///
/// ```
/// use tapegrad::{Tensor, jacobian};
/// // f(x) = 3x: J = 3·I.
/// let x = Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap();
/// let j = jacobian(|_, x| 3.0 * x, &x);
/// assert_eq!(j.shape(), &[2, 2]);
/// assert_eq!(j.data(), &[3.0, 0.0, 0.0, 3.0]);
/// ```
pub fn jacobian<T: Float>(
    f: impl for<'g> Fn(&'g Graph<T>, Var<'g, T>) -> Var<'g, T>,
    x: &Tensor<T>,
) -> Tensor<T> {
    let g = Graph::default();
    let xv = g.tensor(x.clone());
    let y = f(&g, xv);
    let (m, n) = (y.value().len(), x.len());
    let mut shape = y.shape();
    shape.extend_from_slice(x.shape());
    let mut out = vec![T::ZERO; m * n];
    if m < n {
        // Row i: the gradient of yᵢ, from backward on ⟨y, eᵢ⟩.
        for i in 0..m {
            let e = g.constant(basis(y.value().shape(), i));
            (y * e).sum().backward();
            out[i * n..(i + 1) * n].copy_from_slice(xv.grad().data());
        }
    } else {
        // Column j: the tangent of y along eⱼ.
        for j in 0..n {
            let t = g.tangent(y, &[(xv, g.constant(basis(x.shape(), j)))]);
            for (i, &v) in t.value().data().iter().enumerate() {
                out[i * n + j] = v;
            }
        }
    }
    Tensor::from_vec(out, &shape).expect("the shape counts m·n elements")
}

/// The Hessian ∇²f(x) of a one-element f, with shape `x.shape ++ x.shape`: one
/// Hessian-vector product ([`hvp`]) per input element, forward over reverse.
///
/// ```
/// use tapegrad::{Tensor, hessian};
/// // f(x) = (Σ xᵢ)³: H = 6·(Σ xᵢ)·𝟙𝟙ᵀ = 18 everywhere at (1, 2).
/// let x = Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap();
/// let h = hessian(|_, x| x.sum().powi(3), &x);
/// assert_eq!(h.shape(), &[2, 2]);
/// assert_eq!(h.data(), &[18.0, 18.0, 18.0, 18.0]);
/// ```
///
/// # Panics
/// When f's output is not one element.
#[track_caller]
pub fn hessian<T: Float>(
    f: impl for<'g> Fn(&'g Graph<T>, Var<'g, T>) -> Var<'g, T>,
    x: &Tensor<T>,
) -> Tensor<T> {
    let g = Graph::default();
    let xv = g.tensor(x.clone());
    let grad = g.grad(f(&g, xv), &[xv])[0];
    let n = x.len();
    let mut out = vec![T::ZERO; n * n];
    for j in 0..n {
        let col = g.tangent(grad, &[(xv, g.constant(basis(x.shape(), j)))]);
        for (i, &v) in col.value().data().iter().enumerate() {
            out[i * n + j] = v;
        }
    }
    let mut shape = x.shape().to_vec();
    shape.extend_from_slice(x.shape());
    Tensor::from_vec(out, &shape).expect("the shape counts n² elements")
}

/// The Hessian-vector product ∇²f(x)·v of a one-element f, forward over reverse: the
/// tangent of the recorded gradient along v, for about the cost of two gradients, without
/// forming the Hessian.
///
/// ```
/// use tapegrad::{Tensor, hvp};
/// // f(x) = Σ xᵢ³: H = diag(6x), so H·v = 6x·v.
/// let x = Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap();
/// let v = Tensor::from_vec(vec![1.0, 1.0], &[2]).unwrap();
/// assert_eq!(hvp(|_, x| x.powi(3).sum(), &x, &v).data(), &[6.0, 12.0]);
/// ```
///
/// # Panics
/// When f's output is not one element, or `v`'s shape differs from `x`'s.
#[track_caller]
pub fn hvp<T: Float>(
    f: impl for<'g> Fn(&'g Graph<T>, Var<'g, T>) -> Var<'g, T>,
    x: &Tensor<T>,
    v: &Tensor<T>,
) -> Tensor<T> {
    check_same("hvp", x, v);
    let g = Graph::default();
    let xv = g.tensor(x.clone());
    let grad = g.grad(f(&g, xv), &[xv])[0];
    g.tangent(grad, &[(xv, g.constant(v.clone()))]).value()
}

/// The one-hot tensor of `shape` with a 1 at flat position `k`.
fn basis<T: Float>(shape: &[usize], k: usize) -> Tensor<T> {
    let mut e = Tensor::zeros(shape);
    e.data_mut()[k] = T::ONE;
    e
}

#[track_caller]
fn check_same<T: Float>(op: &str, x: &Tensor<T>, v: &Tensor<T>) {
    if x.shape() != v.shape() {
        shape_panic(op, x.shape(), v.shape());
    }
}

#[cold]
#[track_caller]
fn shape_panic(op: &str, x: &[usize], v: &[usize]) -> ! {
    panic!("{op}: x has shape {x:?} but the direction v has shape {v:?}")
}
