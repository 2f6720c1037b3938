//! The axes of a value reordered: out axis i is input axis perm[i], so
//! out[j₀, …, jₙ₋₁] = x[i] with i[perm[k]] = jₖ. Its adjoint is the inverse permutation.
//! Both permutations live in the tape's table of index lists (the op holds their positions),
//! so the backward rule records one more `Permute` with the two positions swapped.

use crate::axes::axis;
use crate::backward::{Chain, Tangent};
use crate::float::Float;
use crate::graph::Var;
use crate::ops::Primitive;
use crate::shape::Shape;
use crate::tensor::Tensor;

impl<'g, T: Float> Var<'g, T> {
    /// The value with its axes reordered, as PyTorch's `permute`: axis i of the result is
    /// axis `axes[i]` of the value (negative counts from the end). `[2, 3, 4].permute(&[2, 0,
    /// 1]) → [4, 2, 3]`. The gradient is permuted back.
    ///
    /// ```
    /// use tapegrad::{Graph, Tensor};
    /// let g = Graph::new();
    /// let x = g.tensor(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1, 2, 3]).unwrap());
    /// let y = x.permute(&[2, 0, 1]);
    /// assert_eq!(y.shape(), vec![3, 1, 2]);
    /// assert_eq!(y.value().data(), &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// ```
    ///
    /// # Panics
    /// When `axes` is not a permutation of the value's axes; the message shows both.
    #[track_caller]
    pub fn permute(self, axes: &[isize]) -> Self {
        let shape = super::shape_of(self);
        if axes.len() != shape.len() {
            perm_panic(axes, &shape);
        }
        let mut perm = Vec::with_capacity(axes.len());
        for &a in axes {
            perm.push(axis("permute", a, &shape)); // not in a closure: the caller's line
        }
        let mut inverse = vec![usize::MAX; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            if inverse[p] != usize::MAX {
                perm_panic(axes, &shape);
            }
            inverse[p] = i;
        }
        let out: Shape = perm.iter().map(|&p| shape[p]).collect();
        let op = Permute {
            perm: self.graph.keep_index(&perm),
            inverse: self.graph.keep_index(&inverse),
        };
        self.graph.push(op, &[self], &out)
    }
}

#[cold]
#[track_caller]
fn perm_panic(axes: &[isize], shape: &[usize]) -> ! {
    panic!(
        "permute: {axes:?} is not a permutation of the {} axes of shape {shape:?}",
        shape.len()
    )
}

/// `x` with its axes reordered by `perm` (out axis k is input axis perm[k]): an odometer over
/// the output, reading the input through permuted strides.
pub(crate) fn permuted<T: Float>(x: &Tensor<T>, perm: &[usize]) -> Tensor<T> {
    let s = x.shape();
    let n = s.len();
    let out: Shape = perm.iter().map(|&p| s[p]).collect();
    if x.is_empty() || n < 2 {
        return x.clone().with_shape(&out);
    }
    let mut strides: Shape = Shape::from_elem(1, n);
    for i in (0..n - 1).rev() {
        strides[i] = strides[i + 1] * s[i + 1];
    }
    let st: Shape = perm.iter().map(|&p| strides[p]).collect();
    let d = x.data();
    let (inner, step) = (out[n - 1], st[n - 1]);
    let outer: usize = out[..n - 1].iter().product();
    Tensor::build(&out, |v| {
        let mut idx: Shape = Shape::from_elem(0, n - 1);
        let mut at = 0;
        for _ in 0..outer {
            v.extend((0..inner).map(|j| d[at + j * step]));
            let mut k = n - 1;
            while k > 0 {
                k -= 1;
                idx[k] += 1;
                at += st[k];
                if idx[k] < out[k] {
                    break;
                }
                at -= st[k] * out[k];
                idx[k] = 0;
            }
        }
    })
}

/// The op as recorded on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Permute {
    /// Positions in the tape's table of index lists: the permutation and its inverse.
    pub(crate) perm: u32,
    pub(crate) inverse: u32,
}

impl<T: Float> Primitive<T> for Permute {
    const NAME: &'static str = "permute";

    #[inline(always)]
    fn scalar(self, _: T, _: T) -> Option<T> {
        None
    }

    #[track_caller]
    fn forward(self, x: &[&Tensor<T>], _: &[usize], indices: &[Vec<usize>]) -> Tensor<T> {
        // Ranks 0 and 1 have only the identity; the scalar pass runs rank-0 kernels with no
        // table of index lists, so they must not read it.
        if x[0].rank() < 2 {
            return x[0].clone();
        }
        permuted(x[0], &indices[self.perm as usize])
    }

    #[inline(always)]
    fn backward(self, c: &mut impl Chain<T>) {
        let g = c.upstream();
        let back = Permute {
            perm: self.inverse,
            inverse: self.perm,
        };
        let gx = c.apply(back.into(), &[g], &[]);
        c.send(0, gx);
    }

    #[inline(always)]
    fn tangent(self, c: &mut impl Tangent<T>) {
        // ṫ = ẋ permuted the same way (the op is linear)
        let Some(t) = c.tangent(0) else { return };
        let shape = c.shape(c.output());
        let t = c.apply(self.into(), &[t], &shape);
        c.emit(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::{check, draw};
    use crate::{Graph, Tensor};

    #[test]
    fn permute_grad_matches_finite_difference() {
        // Ranks 0 and 1 (the identity is the only permutation), 2 (a transpose) and 3.
        let w = |shape: &[usize]| draw(shape, -1.0, 1.0, 40);
        check(
            |_, v| (v[0].permute(&[]) * 2.0).exp(),
            &[draw(&[], -1.0, 1.0, 1)],
        );
        check(|_, v| v[0].permute(&[0]).exp(), &[draw(&[3], -1.0, 1.0, 2)]);
        let wt = w(&[3, 2]);
        check(
            move |g, v| v[0].permute(&[1, 0]).exp() * g.constant(wt.clone()),
            &[draw(&[2, 3], -1.0, 1.0, 3)],
        );
        let w3 = w(&[4, 2, 3]);
        check(
            move |g, v| v[0].permute(&[-1, 0, 1]).tanh() * g.constant(w3.clone()),
            &[draw(&[2, 3, 4], -1.0, 1.0, 4)],
        );
    }

    #[test]
    fn permute_literal() {
        // x[i, j, k] = 100i + 10j + k for shape [2, 2, 3]; y = x.permute([2, 0, 1]) has
        // y[k, i, j] = x[i, j, k]. The gradient of Σ w·y with w = y's values is x itself.
        let g = Graph::new();
        let vals: Vec<f64> = (0..12)
            .map(|n| (100 * (n / 6) + 10 * (n / 3 % 2) + n % 3) as f64)
            .collect();
        let x = g.tensor(Tensor::from_vec(vals.clone(), &[2, 2, 3]).unwrap());
        let y = x.permute(&[2, 0, 1]);
        assert_eq!(y.shape(), vec![3, 2, 2]);
        let want = [
            0.0, 10.0, 100.0, 110.0, 1.0, 11.0, 101.0, 111.0, 2.0, 12.0, 102.0, 112.0,
        ];
        assert_eq!(y.value().data(), &want);
        (y * g.constant(y.value())).sum().backward();
        assert_eq!(x.grad().data(), &vals[..]);
    }

    #[test]
    fn permute_matches_transpose_in_2d() {
        let g = Graph::new();
        let x = g.tensor(draw(&[3, 4], -1.0, 1.0, 5));
        assert_eq!(x.permute(&[1, 0]).value(), x.transpose().value());
    }

    #[test]
    #[should_panic(expected = "permute: [0, 0] is not a permutation of the 2 axes of shape [2, 3]")]
    fn permute_repeated_axis_panics() {
        let g = Graph::new();
        let _ = g.tensor(Tensor::zeros(&[2, 3])).permute(&[0, 0]);
    }
}
