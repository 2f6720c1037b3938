//! The random-graph resolver's shape and reduction ops (issue 18): narrow, pad, cat, stack,
//! permute, index_select, index_add, bmm, sum_dims, logsumexp, prod_dims and var.

use super::{Instr, MAX_ELEMS, Resolver};

impl Resolver<'_> {
    /// Shape and reduction ops (issue 18, helper "shape"), ops 40 to 47. Results stay within
    /// `MAX_ELEMS`: an op that would grow past it narrows instead.
    pub(super) fn shape_op(&mut self, op: u8, a: usize, b: usize, k: u8) -> usize {
        let a = if self.shape(a).is_empty() {
            self.emit(Instr::Reshape(a, vec![1]))
        } else {
            a
        };
        let s = self.shape(a);
        let (r, n) = (s.len(), self.len(a));
        let axis = k as usize % r;
        let neg = |ax: usize| {
            if k & 64 != 0 {
                ax as isize - r as isize
            } else {
                ax as isize
            }
        };
        let keep = k & 128 != 0;
        let narrow = |me: &mut Self| {
            let len = s[axis];
            let take = 1 + (k as usize / 3) % len.max(1);
            let take = take.min(len);
            me.emit(Instr::Narrow(a, neg(axis), len - take, take))
        };
        match op {
            40 => narrow(self),
            41 if n + n / s[axis].max(1) * 2 <= MAX_ELEMS => {
                let (before, after) = ((k as usize >> 3) % 2, 1 - (k as usize >> 3) % 2);
                self.emit(Instr::Pad(a, neg(axis), before, after))
            }
            42 if 2 * n <= MAX_ELEMS => {
                let b = self.same_shape(a, b);
                if k & 16 != 0 {
                    let ax = k as isize % (r as isize + 1);
                    self.emit(Instr::Stack(a, b, ax))
                } else {
                    self.emit(Instr::Cat(a, b, neg(axis)))
                }
            }
            43 => {
                let mut p: Vec<isize> = (0..r as isize).collect();
                p.rotate_left(axis);
                if k & 32 != 0 {
                    p.reverse();
                }
                self.emit(Instr::Permute(a, p))
            }
            44 => {
                let len = s[axis];
                let picks = 1 + (k as usize >> 2) % 3;
                if n / len * picks > MAX_ELEMS || len == 0 {
                    return narrow(self);
                }
                let idx = (0..picks).map(|j| (j * 5 + k as usize) % len).collect();
                if k & 16 != 0 && n / len * (len + 1) <= MAX_ELEMS {
                    // index_add back into a longer axis, positions possibly repeated.
                    let idx = (0..len).map(|j| (j * 3 + k as usize) % (len + 1)).collect();
                    self.emit(Instr::IndexAdd(a, neg(axis), idx, len + 1))
                } else {
                    self.emit(Instr::IndexSelect(a, neg(axis), idx))
                }
            }
            45 => {
                // [p, q] · [p, q] as a batch of p row-times-column products.
                let x = self.matrix(a, false);
                let y = self.same_shape(x, b);
                let sx = self.shape(x);
                let x3 = self.emit(Instr::Reshape(x, vec![sx[0], 1, sx[1]]));
                let y3 = self.emit(Instr::Reshape(y, vec![sx[0], sx[1], 1]));
                self.emit(Instr::Bmm(x3, y3))
            }
            46 => {
                let mut axes = vec![neg(axis)];
                if r > 1 && k & 16 != 0 {
                    axes.push(((axis + 1) % r) as isize);
                }
                match (k >> 2) % 3 {
                    0 => self.emit(Instr::SumDims(a, axes, keep)),
                    1 => self.emit(Instr::LogSumExp(a, axes, keep)),
                    _ => self.emit(Instr::ProdDims(a, vec![neg(axis)], keep)),
                }
            }
            47 => {
                let c = if s[axis] > 1 {
                    (k as usize >> 2) % 2
                } else {
                    0
                };
                self.emit(Instr::Variance(a, vec![neg(axis)], c, keep))
            }
            _ => narrow(self),
        }
    }
}
