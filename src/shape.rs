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

/// The number of elements in a tensor of `shape` with elements of type `T`, or `None` when
/// no buffer could hold it.
///
/// The rule (ndarray's): the product of the *nonzero* lengths, times `size_of::<T>()`, must
/// not exceed `isize::MAX` bytes, the most a `Vec` can hold. Counting only nonzero lengths
/// makes the rule closed under the shapes derived from a valid one: every sub-shape, every
/// shape it broadcasts from, and `[0, n, m]` with its 0 set to 1 are valid too, so kernels
/// that multiply parts of a checked shape cannot overflow. Every multiplication is checked:
/// nothing wraps.
pub(crate) fn checked_len<T>(shape: &[usize]) -> Option<usize> {
    let mut nonzero: usize = 1;
    let mut empty = false;
    for &d in shape {
        if d == 0 {
            empty = true;
        } else {
            nonzero = nonzero.checked_mul(d)?;
        }
    }
    let bytes = nonzero.checked_mul(size_of::<T>().max(1))?;
    if bytes > isize::MAX as usize {
        return None;
    }
    Some(if empty { 0 } else { nonzero })
}

/// [`checked_len`], or a panic at the caller's line naming `op` and the shape.
#[track_caller]
#[inline]
pub(crate) fn len_of<T>(op: &str, shape: &[usize]) -> usize {
    match checked_len::<T>(shape) {
        Some(n) => n,
        None => overflow_panic(op, shape, size_of::<T>()),
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn overflow_panic(op: &str, shape: &[usize], size: usize) -> ! {
    panic!(
        "{op}: shape {shape:?} holds more elements than any buffer can \
         (the product of its lengths times {size} bytes exceeds isize::MAX)"
    )
}

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

/// Whether `s` broadcasts to `out` by repetition along leading axes only: with its leading
/// 1s dropped, it is a suffix of `out` (a bias `[n]` against `[batch, n]`). Such a tensor is
/// read as whole rows of `out`'s last axes, with no index arithmetic.
fn is_row(s: &[usize], out: &[usize]) -> bool {
    let lead = s.iter().take_while(|&&d| d == 1).count();
    let s = &s[lead..];
    !s.is_empty()
        && s.iter().product::<usize>() > 0
        && s.len() <= out.len()
        && out[out.len() - s.len()..] == *s
}

/// Whether `s` is `out` with the last axis set to 1 (a per-row value such as a row max or a
/// row sum against `[rows, n]`).
fn is_col(s: &[usize], out: &[usize]) -> bool {
    let n = out.len();
    n > 0 && s.len() == n && s[n - 1] == 1 && s[..n - 1] == out[..n - 1]
}

/// `f` applied elementwise to `a` and `b` broadcast to `out` (which the caller has checked).
/// Equal shapes, a one-element side, a repeated row and a repeated column each take a
/// contiguous loop; only other broadcasts walk the index odometer. The result's buffer comes
/// from the pool.
#[track_caller]
pub(crate) fn zip<T: Float>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    out: &[usize],
    f: impl Fn(T, T) -> T,
) -> Tensor<T> {
    let (da, db) = (a.data(), b.data());
    len_of::<T>("broadcast", out);
    if out.is_empty() {
        return Tensor::scalar(f(da[0], db[0]));
    }
    let last = out[out.len() - 1];
    let (a_full, b_full) = (a.shape() == out, b.shape() == out);
    // The contiguous cases overwrite every element of a recycled buffer in place: loops the
    // compiler vectorises, with no clearing pass first.
    let each = |o: &mut [T], xs: &[T], ys: &[T]| {
        for ((o, &x), &y) in o.iter_mut().zip(xs).zip(ys) {
            *o = f(x, y);
        }
    };
    if a_full && b_full {
        return Tensor::overwrite(out, |o| each(o, da, db));
    }
    if a_full && db.len() == 1 {
        let y = db[0];
        return Tensor::overwrite(out, |o| {
            for (o, &x) in o.iter_mut().zip(da) {
                *o = f(x, y);
            }
        });
    }
    if b_full && da.len() == 1 {
        let x = da[0];
        return Tensor::overwrite(out, |o| {
            for (o, &y) in o.iter_mut().zip(db) {
                *o = f(x, y);
            }
        });
    }
    if a_full && is_row(b.shape(), out) {
        let n = db.len();
        return Tensor::overwrite(out, |o| {
            for (o, row) in o.chunks_exact_mut(n).zip(da.chunks_exact(n)) {
                each(o, row, db);
            }
        });
    }
    if b_full && is_row(a.shape(), out) {
        let n = da.len();
        return Tensor::overwrite(out, |o| {
            for (o, row) in o.chunks_exact_mut(n).zip(db.chunks_exact(n)) {
                each(o, da, row);
            }
        });
    }
    Tensor::build(out, |v| {
        if a_full && is_col(b.shape(), out) && last > 0 {
            for (row, &y) in da.chunks_exact(last).zip(db) {
                v.extend(row.iter().map(|&x| f(x, y)));
            }
        } else if b_full && is_col(a.shape(), out) && last > 0 {
            for (row, &x) in db.chunks_exact(last).zip(da) {
                v.extend(row.iter().map(|&y| f(x, y)));
            }
        } else {
            let (sa, sb) = (strides_in(a.shape(), out), strides_in(b.shape(), out));
            walk(out, &sa, &sb, |i, j| v.push(f(da[i], db[j])));
        }
    })
}

/// Sums `t` down to `target`, the shape it was broadcast from (the caller has checked
/// `broadcasts_to(target, t.shape())`).
pub(crate) fn sum_to<T: Float>(t: &Tensor<T>, target: &[usize]) -> Tensor<T> {
    if t.shape() == target {
        return t.clone();
    }
    let n: usize = target.iter().product();
    let src = t.data();
    if n == 1 {
        let s = sum(src);
        return Tensor::build(target, |v| v.push(s));
    }
    if is_row(target, t.shape()) {
        // Column sums of `src` seen as rows of length n (a bias gradient).
        return Tensor::build(target, |acc| {
            acc.resize(n, T::ZERO);
            for row in src.chunks_exact(n) {
                for (a, &x) in acc.iter_mut().zip(row) {
                    *a += x;
                }
            }
        });
    }
    let last = t.shape()[t.rank() - 1];
    if is_col(target, t.shape()) && last > 0 {
        return Tensor::build(target, |acc| acc.extend(src.chunks_exact(last).map(sum)));
    }
    let st = strides_in(target, t.shape());
    Tensor::build(target, |acc| {
        acc.resize(n, T::ZERO);
        let mut k = 0;
        walk(t.shape(), &st, &st, |i, _| {
            acc[i] += src[k];
            k += 1;
        });
    })
}

/// Σ xs, left to right.
#[inline]
fn sum<T: Float>(xs: &[T]) -> T {
    xs.iter().copied().sum()
}

/// Repeats `t` along its length-1 and missing axes to shape `target` (the caller has checked
/// `broadcasts_to(t.shape(), target)`).
#[track_caller]
pub(crate) fn broadcast_to<T: Float>(t: &Tensor<T>, target: &[usize]) -> Tensor<T> {
    if t.shape() == target {
        return t.clone();
    }
    let total = len_of::<T>("broadcast_to", target);
    let src = t.data();
    if src.len() == 1 {
        return Tensor::full(target, src[0]);
    }
    Tensor::build(target, |v| {
        if is_row(t.shape(), target) {
            while v.len() < total {
                v.extend_from_slice(src);
            }
        } else if is_col(t.shape(), target) {
            let last = target[target.len() - 1];
            for &x in src {
                v.extend(std::iter::repeat_n(x, last));
            }
        } else {
            let st = strides_in(t.shape(), target);
            walk(target, &st, &st, |i, _| v.push(src[i]));
        }
    })
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
    fn fast_paths_agree_with_the_odometer() {
        // Rows, columns and a general broadcast, each against the strided walk.
        let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        let walked = |x: &Tensor<f64>, y: &Tensor<f64>| {
            let out = broadcast_shape(x.shape(), y.shape()).unwrap();
            let (sx, sy) = (strides_in(x.shape(), &out), strides_in(y.shape(), &out));
            let mut v = Vec::new();
            walk(&out, &sx, &sy, |i, j| v.push(x.data()[i] - y.data()[j]));
            v
        };
        for b in [
            t(&[10.0, 20.0, 30.0], &[3]),
            t(&[10.0, 20.0, 30.0], &[1, 3]),
            t(&[10.0, 20.0], &[2, 1]),
        ] {
            let out = broadcast_shape(a.shape(), b.shape()).unwrap();
            assert_eq!(zip(&a, &b, &out, |x, y| x - y).data(), &walked(&a, &b)[..]);
            assert_eq!(zip(&b, &a, &out, |x, y| x - y).data(), &walked(&b, &a)[..]);
            let up = broadcast_to(&b, a.shape());
            let copies = (a.len() / b.len()) as f64;
            assert_eq!(sum_to(&up, b.shape()).data(), b.map(|x| copies * x).data());
        }
        assert_eq!(
            broadcast_to(&t(&[1.0, 2.0], &[2, 1]), &[2, 2]).data(),
            &[1.0, 1.0, 2.0, 2.0]
        );
        assert_eq!(sum_to(&a, &[2, 1]).data(), &[6.0, 15.0]);
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
