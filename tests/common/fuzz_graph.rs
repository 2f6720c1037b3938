//! Graphs from arbitrary bytes, for the fuzz target (`fuzz/fuzz_targets/graphs.rs`) and its
//! in-CI smoke test (`tests/fuzz_smoke.rs`).
//!
//! Unlike the random-graph generator, nothing is adapted: operands of any shape meet in any op,
//! inputs hold 0, ±0, ±∞, NaN, 1e±30, axes may be out of range, shapes may be empty, nodes of
//! two graphs may be mixed. Ops may therefore panic, but only with one of the documented
//! misuse messages in [`MISUSE`]; [`run`] catches those, skips the op and goes on (so the
//! graph must stay usable after a misuse panic), and lets anything else (an index out of
//! bounds, an `unwrap` on `None`) escape: that is a bug.

#![allow(dead_code)]

use std::panic::{self, AssertUnwindSafe};
use tapegrad::nn::{binary_cross_entropy_with_logits, cross_entropy, half_sse, hinge, mse};
use tapegrad::{Graph, Tensor, Var};

/// Fragments of the documented misuse panics: shapes that do not fit an op, an axis or index
/// out of range, a non-scalar where one element is needed, nodes of two graphs.
pub const MISUSE: &[&str] = &[
    "do not broadcast",
    "cannot be multiplied",
    "is out of range for shape",
    "cannot reshape",
    "needs a one-element value",
    "does not broadcast to",
    "cannot sum",
    "needs a 2-D value",
    "is out of range for axis",
    "entries but shape",
    "does not fit",
    "must have the same shape",
    "have no class axis",
    "class indices for logits",
    "is out of range: logits",
    "not exactly one element",
    "come from different graphs",
    "belongs to a different graph",
    "has length 0, and the maximum of no elements is undefined",
    // Shape and reduction ops (issue 18, helper "shape").
    "exceeds the length",
    "cannot be joined along axis",
    "is not a permutation",
    "twice",
    "needs at least one value",
    "has length 0, and the maximum or minimum of no elements is undefined",
    "into 0 chunks",
    "of size 0",
    "do not add up",
    "comes after end axis",
    // Issue 18, elementwise (helper "elem"): a NaN or unordered clamp bound.
    "is NaN; a clamp needs a number",
    "are not ordered (need lo ≤ hi, neither NaN)",
    // Convolution and pooling (helper "conv").
    "axes [batch, channels",
    "must be at least 1 (got 0)",
    "channels but weight",
    "which groups = ",
    "is longer than axis",
    "has an empty kernel",
    "too long to index",
];

/// Whether a panic message is one of the documented misuse panics.
pub fn allowed(msg: &str) -> bool {
    MISUSE.iter().any(|m| msg.contains(m))
}

/// The message of a panic payload.
pub fn message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// What one input did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    /// Ops recorded.
    pub ops: usize,
    /// Documented misuse panics caught (the op was skipped).
    pub misuse: usize,
}

/// Runs `f`; a documented misuse panic gives `None` (and is counted), any other escapes.
fn attempt<R>(summary: &mut Summary, f: impl FnOnce() -> R) -> Option<R> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(p) if allowed(&message(&*p)) => {
            summary.misuse += 1;
            None
        }
        Err(p) => panic::resume_unwind(p),
    }
}

const SHAPES: [&[usize]; 12] = [
    &[],
    &[0],
    &[1],
    &[3],
    &[2, 3],
    &[3, 2],
    &[2, 1],
    &[1, 3],
    &[2, 0],
    &[4],
    &[1, 1],
    &[3, 3],
];

const VALUES: [f64; 16] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    1e30,
    -1e30,
    1000.0,
    -1000.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    1e-300,
    3.0,
    -2.5,
];

/// Reads bytes, yielding 0 once they run out.
struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }
    fn done(&self) -> bool {
        self.at >= self.data.len()
    }
    fn shape(&mut self) -> Vec<usize> {
        SHAPES[self.next() as usize % SHAPES.len()].to_vec()
    }
    fn indices(&mut self, n: usize) -> Vec<usize> {
        let len = n + self.next() as usize % 2;
        (0..len).map(|_| self.next() as usize % 4).collect()
    }
}

/// Builds and differentiates graphs described by `data`, skipping ops that fail with a
/// documented misuse panic. Any other panic escapes.
pub fn run(data: &[u8]) -> Summary {
    let mut sum = Summary::default();
    let mut b = Bytes { data, at: 0 };
    let (g1, g2) = (Graph::new(), Graph::new());
    let n_inputs = 1 + b.next() as usize % 4;
    let mut vs: Vec<Var<'_>> = Vec::new();
    let mut leaves: Vec<Var<'_>> = Vec::new();
    for _ in 0..n_inputs {
        let shape = b.shape();
        let n: usize = shape.iter().product();
        let (seed, flags) = (b.next() as usize, b.next());
        let data: Vec<f64> = (0..n)
            .map(|j| VALUES[(seed + j * 7) % VALUES.len()])
            .collect();
        // Sometimes a data length that does not fit: an Err, never a panic.
        if flags & 8 != 0 {
            assert!(Tensor::from_vec(vec![1.0; n + 1], &shape).is_err());
        }
        let t = Tensor::from_vec(data, &shape).expect("n elements fit the shape");
        let g = if flags & 1 == 1 { &g2 } else { &g1 };
        let v = if flags & 2 == 2 {
            g.constant(t)
        } else {
            g.tensor(t)
        };
        vs.push(v);
        leaves.push(v);
    }
    let mut steps = 0;
    while !b.done() && steps < 48 {
        steps += 1;
        let op = b.next();
        let x = vs[b.next() as usize % vs.len()];
        let y = vs[b.next() as usize % vs.len()];
        let k = b.next();
        let axis = (k % 3) as usize;
        // Parameters that come from further bytes are read before the op runs.
        let (s1, i1, i2) = (b.shape(), b.indices(2), b.indices(3));
        let ax = (k % 5) as isize - 2; // -2 to 2: negative axes and out-of-range ones
        let out = attempt(&mut sum, || match op % 104 {
            0 => x + y,
            1 => x - y,
            2 => x * y,
            3 => x / y,
            4 => x * VALUES[k as usize % 16],
            5 => x + VALUES[k as usize % 16],
            6 => -x,
            7 => x.exp(),
            8 => x.ln(),
            9 => x.ln_1p(),
            10 => x.tanh(),
            11 => x.sqrt(),
            12 => x.abs(),
            13 => x.sign(),
            14 => x.powi(k as i32 - 128),
            15 => x.powf(VALUES[k as usize % 16]),
            16 => x.sigmoid(),
            17 => x.matmul(y),
            18 => x.transpose(),
            19 => x.reshape(&s1),
            20 => x.sum(),
            21 => x.mean(),
            22 => x.sum_keepdim(axis),
            23 => x.mean_keepdim(axis),
            24 => x.max_keepdim(axis),
            25 => x.hardmax(axis),
            26 => x.sum_to(&s1),
            27 => x.broadcast_to(&s1),
            28 => x.gather(axis, &i1),
            29 => x.scatter(axis, &i2, &s1),
            30 => x.detach(),
            31 => x.relu(),
            32 => x.leaky_relu(0.1),
            33 => x.softsign(),
            34 => x.softplus(),
            35 => x.elu(1.0),
            36 => x.softmax(axis),
            37 => x.log_softmax(axis),
            38 => mse(x, y),
            39 => half_sse(x, y),
            40 => hinge(x, y),
            41 => binary_cross_entropy_with_logits(x, y),
            42 => cross_entropy(x, &i1),
            // Shape and reduction ops (issue 18, helper "shape").
            44 => x.narrow(ax, i1[0], i1[1]),
            45 => x.pad_with_zeros(ax, i1[0], i1[1]),
            46 => Var::cat(&[x, y], ax),
            47 => Var::stack(&[x, y], ax),
            48 => x.permute(&i1.iter().map(|&i| i as isize - 1).collect::<Vec<_>>()),
            49 => x.index_select(ax, &i2),
            50 => x.index_add(ax, &i2, i1[0]),
            51 => x.bmm(y),
            52 => x.sum_dims(&[ax], k & 1 == 1),
            53 => x.max_dims(&[ax, 0], k & 1 == 1),
            54 => x.min_dim(ax, k & 1 == 1),
            55 => x.prod_dims(&[ax], k & 1 == 1),
            56 => x.logsumexp(&[ax], k & 1 == 1),
            57 => x.var(&[ax], i1[0], k & 1 == 1),
            58 => x.norm(&[ax], k & 1 == 1),
            59 => {
                let _ = (x.argmax(ax), x.argmin(ax));
                Var::cat(&x.chunk(1 + i1[0], ax), ax)
                    .flatten(0, -1)
                    .unsqueeze(0)
                    .squeeze(0)
            }
            // Issue 18, elementwise and piecewise (helper "elem").
            60 => x.sin(),
            61 => x.cos(),
            62 => x.tan(),
            63 => x.atan(),
            64 => x.erf(),
            65 => x.floor(),
            66 => x.ceil(),
            67 => x.round(),
            68 => x.pow(y),
            69 => x.masked(y),
            70 => x.gt(y),
            71 => x.ge(y),
            72 => x.lt(y),
            73 => x.le(y),
            74 => x.eq_mask(y),
            75 => x.maximum(y),
            76 => x.minimum(y),
            77 => x.clamp_min(VALUES[k as usize % 16]),
            78 => x.clamp_max(VALUES[k as usize % 16]),
            79 => x.clamp(VALUES[k as usize % 16], VALUES[(k / 16) as usize % 16]),
            80 => x.gt(y).where_cond(x, y),
            81 => y.where_cond(x.ln(), x),
            82 => x.asin(),
            83 => x.acos(),
            84 => x.atan2(y),
            85 => x.hypot(y),
            86 => x.sinh(),
            87 => x.cosh(),
            88 => x.log2(),
            89 => x.log10(),
            90 => x.exp2(),
            91 => x.gelu(),
            92 => x.gelu_tanh(),
            93 => x.silu(),
            94 => x.log_sigmoid(),
            95 => x.softmin(axis),
            // Convolution and pooling (helper "conv"): parameters from k, shapes as they come.
            97 => x.conv2d(
                y,
                k as usize % 3,
                1 + (k as usize >> 2) % 2,
                1 + (k as usize >> 3) % 2,
                1 + (k as usize >> 4) % 2,
            ),
            98 => x.conv1d(
                y,
                k as usize % 3,
                1 + (k as usize >> 2) % 2,
                1 + (k as usize >> 3) % 2,
                1 + (k as usize >> 4) % 2,
            ),
            99 => x.max_pool2d(k as usize % 3, 1 + (k as usize >> 2) % 2),
            100 => x.max_pool1d(1 + k as usize % 3, k as usize >> 2 & 1),
            101 => x.avg_pool2d(1 + k as usize % 3, 1 + (k as usize >> 2) % 2),
            102 => x.avg_pool1d(1 + k as usize % 3, 1 + (k as usize >> 2) % 2),
            _ => x.step(),
        });
        if let Some(out) = out {
            let _ = (out.value(), out.shape(), out.name());
            vs.push(out);
            sum.ops += 1;
        }
    }
    let y = *vs.last().expect("at least one input");
    let g = y.graph();
    let mode = b.next();
    if mode & 1 == 1 {
        attempt(&mut sum, || y.backward()); // A non-scalar output is a misuse panic.
    }
    let s = y.sum();
    s.backward();
    for v in &vs {
        let _ = v.grad();
    }
    let mine: Vec<Var<'_>> = if mode & 2 == 2 {
        leaves.clone() // may hold nodes of the other graph: a misuse panic
    } else {
        leaves
            .iter()
            .copied()
            .filter(|l| std::ptr::eq(l.graph(), g))
            .collect()
    };
    let grads = attempt(&mut sum, || g.grad(s, &mine)).unwrap_or_default();
    if let Some(&first) = grads.first() {
        let s2 = first.sum();
        for h in g.grad(s2, &mine) {
            let _ = h.value();
        }
        s2.backward();
    }
    sum
}
