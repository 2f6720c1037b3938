//! Axis arguments of the reductions and shape ops: an `isize` per axis, negative counting from
//! the end as in PyTorch and NumPy (−1 is the last axis). Every check panics at the caller's
//! line with the op, the shape and the bad axis.

use crate::shape::Shape;

/// `axis` as an index into a shape of rank `rank`, or a panic naming `op` and `shape`.
#[track_caller]
pub(crate) fn axis(op: &str, axis: isize, shape: &[usize]) -> usize {
    axis_in(op, axis, shape, shape.len())
}

/// `axis` as an index below `rank` (a position to insert an axis at has `rank` = len + 1).
#[track_caller]
pub(crate) fn axis_in(op: &str, axis: isize, shape: &[usize], rank: usize) -> usize {
    let r = rank as isize;
    let a = if axis < 0 { axis + r } else { axis };
    if a < 0 || a >= r {
        axis_panic(op, axis, shape, rank);
    }
    a as usize
}

#[cold]
#[track_caller]
fn axis_panic(op: &str, axis: isize, shape: &[usize], rank: usize) -> ! {
    if rank == 0 {
        panic!("{op}: axis {axis} is out of range for shape {shape:?}, which has no axes");
    }
    panic!(
        "{op}: axis {axis} is out of range for shape {shape:?} (valid: {} to {})",
        -(rank as isize),
        rank - 1
    )
}

/// `axes` as sorted indices into `shape`, or a panic naming `op` when one is out of range or
/// named twice (−1 and rank − 1 are the same axis).
#[track_caller]
pub(crate) fn axes(op: &str, axes: &[isize], shape: &[usize]) -> Shape {
    // A loop, not a closure: the panic must report the caller's line.
    let mut out = Shape::new();
    for &a in axes {
        out.push(axis(op, a, shape));
    }
    out.sort_unstable();
    if let Some(w) = out.windows(2).find(|w| w[0] == w[1]) {
        repeated_panic(op, axes, w[0], shape);
    }
    out
}

#[cold]
#[track_caller]
fn repeated_panic(op: &str, axes: &[isize], a: usize, shape: &[usize]) -> ! {
    panic!("{op}: axes {axes:?} name axis {a} of shape {shape:?} twice")
}

/// `shape` with the axes in `axes` (sorted) set to 1 when `keep`, or removed.
pub(crate) fn reduced(shape: &[usize], axes: &[usize], keep: bool) -> Shape {
    let mut out = Shape::new();
    for (i, &d) in shape.iter().enumerate() {
        if axes.contains(&i) {
            if keep {
                out.push(1);
            }
        } else {
            out.push(d);
        }
    }
    out
}

/// A length or position that an op stores in 32 bits, or a panic naming `op`.
#[track_caller]
pub(crate) fn fits_u32(op: &str, what: &str, n: usize) -> u32 {
    match u32::try_from(n) {
        Ok(n) => n,
        Err(_) => too_large(op, what, n),
    }
}

#[cold]
#[track_caller]
fn too_large(op: &str, what: &str, n: usize) -> ! {
    panic!(
        "{op}: {what} {n} is above {}, the largest the tape records",
        u32::MAX
    )
}
