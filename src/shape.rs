//! Shapes and broadcasting: the one home of NumPy's rules.
//!
//! Two shapes broadcast when, aligned at their last axes, each pair of lengths is equal or one
//! of them is 1 (a missing leading axis counts as 1). [`zip`] applies a binary function under
//! those rules; [`sum_to`] is its adjoint, the un-broadcast that every binary backward rule
//! ends with; [`broadcast_to`] is the adjoint of `sum_to`.

use crate::float::Float;
use crate::tensor::Tensor;
use smallvec::SmallVec;

/// A shape, inline up to rank 4.
pub(crate) type Shape = SmallVec<[usize; 4]>;

/// The broadcast shape of `a` and `b`, or `None` when they do not broadcast.
pub(crate) fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Shape> {
    let n = a.len().max(b.len());
    let mut out = Shape::with_capacity(n);
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out.push(match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        });
    }
    Some(out)
}

/// Whether a tensor of shape `from` broadcasts to exactly `to`.
pub(crate) fn broadcasts_to(from: &[usize], to: &[usize]) -> bool {
    from.len() <= to.len()
        && from
            .iter()
            .rev()
            .zip(to.iter().rev())
            .all(|(&f, &t)| f == t || f == 1)
}

/// The strides with which a tensor of `shape` is read as if it had shape `out`: row-major
/// strides, with 0 on the axes that broadcast.
fn strides_in(shape: &[usize], out: &[usize]) -> Shape {
    let mut s: Shape = SmallVec::from_elem(0, out.len());
    let off = out.len() - shape.len();
    let mut acc = 1;
    for i in (0..shape.len()).rev() {
        s[off + i] = if shape[i] == 1 { 0 } else { acc };
        acc *= shape[i];
    }
    s
}

/// Calls `f(ia, ib)` for every element of `out` in row-major order, with the flat offsets at
/// which inputs of strides `sa` and `sb` are read. An odometer over the outer axes and a
/// plain loop over the last one: no recursion, no per-element division.
fn walk(out: &[usize], sa: &[usize], sb: &[usize], mut f: impl FnMut(usize, usize)) {
    let n = out.len();
    if n == 0 {
        f(0, 0);
        return;
    }
    let (inner, ia, ib) = (out[n - 1], sa[n - 1], sb[n - 1]);
    let outer: usize = out[..n - 1].iter().product();
    let mut idx: Shape = SmallVec::from_elem(0, n - 1);
    let (mut oa, mut ob) = (0, 0);
    for _ in 0..outer {
        for j in 0..inner {
            f(oa + j * ia, ob + j * ib);
        }
        let mut d = n - 1;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            oa += sa[d];
            ob += sb[d];
            if idx[d] < out[d] {
                break;
            }
            oa -= sa[d] * out[d];
            ob -= sb[d] * out[d];
            idx[d] = 0;
        }
    }
}

/// `f` applied elementwise to `a` and `b` broadcast to `out` (which the caller has checked).
pub(crate) fn zip<T: Float>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    out: &[usize],
    f: impl Fn(T, T) -> T,
) -> Tensor<T> {
    let (da, db) = (a.data(), b.data());
    if out.is_empty() {
        return Tensor::scalar(f(da[0], db[0]));
    }
    let data: Vec<T> = if a.shape() == out && b.shape() == out {
        da.iter().zip(db).map(|(&x, &y)| f(x, y)).collect()
    } else if a.shape() == out && db.len() == 1 {
        let y = db[0];
        da.iter().map(|&x| f(x, y)).collect()
    } else if b.shape() == out && da.len() == 1 {
        let x = da[0];
        db.iter().map(|&y| f(x, y)).collect()
    } else {
        let (sa, sb) = (strides_in(a.shape(), out), strides_in(b.shape(), out));
        let mut v = Vec::with_capacity(out.iter().product());
        walk(out, &sa, &sb, |i, j| v.push(f(da[i], db[j])));
        v
    };
    Tensor::from_parts(Shape::from_slice(out), data)
}

/// Sums `t` down to `target`, the shape it was broadcast from (the caller has checked
/// `broadcasts_to(target, t.shape())`).
pub(crate) fn sum_to<T: Float>(t: &Tensor<T>, target: &[usize]) -> Tensor<T> {
    if t.shape() == target {
        return t.clone();
    }
    let n: usize = target.iter().product();
    if n == 1 {
        let s = t.data().iter().copied().sum();
        return Tensor::from_parts(Shape::from_slice(target), vec![s]);
    }
    let mut acc = vec![T::ZERO; n];
    let st = strides_in(target, t.shape());
    let src = t.data();
    let mut k = 0;
    walk(t.shape(), &st, &st, |i, _| {
        acc[i] += src[k];
        k += 1;
    });
    Tensor::from_parts(Shape::from_slice(target), acc)
}

/// Repeats `t` along its length-1 and missing axes to shape `target` (the caller has checked
/// `broadcasts_to(t.shape(), target)`).
pub(crate) fn broadcast_to<T: Float>(t: &Tensor<T>, target: &[usize]) -> Tensor<T> {
    if t.shape() == target {
        return t.clone();
    }
    let src = t.data();
    if src.len() == 1 {
        return Tensor::full(target, src[0]);
    }
    let st = strides_in(t.shape(), target);
    let mut v = Vec::with_capacity(target.iter().product());
    walk(target, &st, &st, |i, _| v.push(src[i]));
    Tensor::from_parts(Shape::from_slice(target), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
        Tensor::from_vec(data.to_vec(), shape).unwrap()
    }

    #[test]
    fn broadcast_shape_follows_numpy() {
        assert_eq!(&broadcast_shape(&[3, 1], &[1, 4]).unwrap()[..], &[3, 4]);
        assert_eq!(&broadcast_shape(&[2, 3], &[3]).unwrap()[..], &[2, 3]);
        assert_eq!(&broadcast_shape(&[], &[2, 3]).unwrap()[..], &[2, 3]);
        assert!(broadcast_shape(&[2, 3], &[2]).is_none());
    }

    #[test]
    fn zip_broadcasts_column_and_row() {
        let a = t(&[1.0, 2.0, 3.0], &[3, 1]);
        let b = t(&[10.0, 20.0], &[1, 2]);
        let c = zip(&a, &b, &[3, 2], |x, y| x + y);
        assert_eq!(c.data(), &[11.0, 21.0, 12.0, 22.0, 13.0, 23.0]);
    }

    #[test]
    fn sum_to_is_the_adjoint_of_broadcast_to() {
        let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        assert_eq!(sum_to(&a, &[3]).data(), &[5.0, 7.0, 9.0]);
        assert_eq!(sum_to(&a, &[2, 1]).data(), &[6.0, 15.0]);
        assert_eq!(sum_to(&a, &[]).data(), &[21.0]);
        let b = broadcast_to(&t(&[1.0, 2.0], &[2, 1]), &[2, 3]);
        assert_eq!(b.data(), &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    }
}
