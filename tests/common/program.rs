//! Random expression graphs for the differential tests.
//!
//! A [`Recipe`] is what proptest generates and shrinks: a seed for the input values, the shapes
//! of the inputs, and a list of steps (an op number and three free bytes each). [`resolve`]
//! turns a recipe into a [`Program`]: a straight-line list of concrete instructions over the
//! inputs, every one valid. Resolution evaluates the graph as it goes and inserts guards where
//! needed, so that every op runs where it is smooth and finite:
//!
//! - operands whose shapes do not broadcast are reduced with `mean` first;
//! - `ln`, `sqrt`, `powf` and a negative `powi` get an operand ≥ 0.2, and a denominator has
//!   |b| ≥ 0.2 (via x² + c, |x| + c, eˣ or sigmoid(x) + c, chosen by the recipe);
//! - `exp` gets an operand ≤ 4, and any value above 8 in magnitude is scaled down by a power
//!   of two.
//!
//! The guards are decided once, at the base point; the program is then replayed unchanged at
//! the perturbed points of the finite differences, so every evaluation computes one function.
//! Operands refer to any earlier value, so subexpressions are reused; unused values are summed
//! into the output, so every node matters.

#![allow(dead_code)]

use std::fmt;
use tapegrad::{Graph, Tensor, Var, nn};

// The resolver's shape and reduction ops (issue 18, helper "shape").
mod shape;

/// The input shapes a recipe picks from (pairs of them broadcast, or are made to).
pub const SHAPES: [&[usize]; 6] = [&[], &[3], &[2, 3], &[2, 1], &[1, 3], &[4]];

/// Steps stop once the program holds this many values (unused ones are then folded into
/// the output, so a program ends with at most about 64).
const MAX_VALUES: usize = 32;

/// The most elements any value may have (keeps the finite differences cheap).
const MAX_ELEMS: usize = 12;

/// One step of a recipe: which op, two operand choices and a free parameter byte.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    pub op: u8,
    pub a: u16,
    pub b: u16,
    pub k: u8,
}

/// What proptest generates: input values (from `seed`), input shapes (indices into
/// [`SHAPES`]) and the steps. Its `Debug` prints the recipe and the program it resolves to.
#[derive(Clone, PartialEq)]
pub struct Recipe {
    pub seed: u64,
    pub inputs: Vec<u8>,
    pub steps: Vec<Step>,
}

/// A concrete instruction. Operands index the program's values: inputs first, then the
/// results of earlier instructions.
#[derive(Clone, Debug, PartialEq)]
pub enum Instr {
    Add(usize, usize),
    Sub(usize, usize),
    Mul(usize, usize),
    Div(usize, usize),
    Scale(usize, f64),
    Shift(usize, f64),
    Neg(usize),
    Exp(usize),
    Ln(usize),
    Ln1p(usize),
    Tanh(usize),
    Sqrt(usize),
    Abs(usize),
    Sign(usize),
    Powi(usize, i32),
    Powf(usize, f64),
    Sigmoid(usize),
    MatMul(usize, usize),
    Transpose(usize),
    Reshape(usize, Vec<usize>),
    Sum(usize),
    Mean(usize),
    SumKeepdim(usize, usize),
    MeanKeepdim(usize, usize),
    MaxKeepdim(usize, usize),
    Hardmax(usize, usize),
    SumTo(usize, Vec<usize>),
    BroadcastTo(usize, Vec<usize>),
    Gather(usize, usize, Vec<usize>),
    Scatter(usize, usize, Vec<usize>, Vec<usize>),
    /// `detach`, replayed as `detach(a) + (base − a)` with `a`'s value at the base point
    /// `base` as a constant: the gradient treats a detached value as a constant, so the finite
    /// differences must see it frozen too. The value is unchanged at the base point.
    Detach(usize, Vec<f64>),
    Relu(usize),
    LeakyRelu(usize, f64),
    Softsign(usize),
    Softplus(usize),
    Elu(usize, f64),
    Step(usize),
    Softmax(usize, usize),
    LogSoftmax(usize, usize),
    HalfSse(usize, usize),
    Mse(usize, usize),
    CrossEntropy(usize, Vec<usize>),
    BceWithLogits(usize, usize),
    Hinge(usize, usize),
    // Shape and reduction ops (issue 18, helper "shape").
    Narrow(usize, isize, usize, usize),
    Pad(usize, isize, usize, usize),
    Cat(usize, usize, isize),
    Stack(usize, usize, isize),
    Permute(usize, Vec<isize>),
    IndexSelect(usize, isize, Vec<usize>),
    IndexAdd(usize, isize, Vec<usize>, usize),
    Bmm(usize, usize),
    SumDims(usize, Vec<isize>, bool),
    ProdDims(usize, Vec<isize>, bool),
    LogSumExp(usize, Vec<isize>, bool),
    Variance(usize, Vec<isize>, usize, bool),
    // Issue 18, elementwise and piecewise (helper "elem").
    Sin(usize),
    Cos(usize),
    Tan(usize),
    Atan(usize),
    Erf(usize),
    Floor(usize),
    Ceil(usize),
    Round(usize),
    Pow(usize, usize),
    Masked(usize, usize),
    /// gt, ge, lt, le, eq_mask by the number 0..5.
    Compare(usize, usize, u8),
    Maximum(usize, usize),
    Minimum(usize, usize),
    ClampMin(usize, f64),
    ClampMax(usize, f64),
    Clamp(usize, f64, f64),
    WhereCond(usize, usize, usize),
    Asin(usize),
    Acos(usize),
    Atan2(usize, usize),
    Hypot(usize, usize),
    Sinh(usize),
    Cosh(usize),
    Log2(usize),
    Log10(usize),
    Exp2(usize),
    Gelu(usize),
    GeluTanh(usize),
    Silu(usize),
    LogSigmoid(usize),
    Softmin(usize, usize),
    // Convolution and pooling (helper "conv"). Each reshapes its operands to NCHW (or NCL)
    // and flattens the result to 2-D, [rows, last axis], so later steps see small matrices.
    /// `a.reshape(xs).conv2d(b.reshape(ws), padding, stride, dilation, groups)`.
    Conv2d(usize, usize, Vec<usize>, Vec<usize>, [usize; 4]),
    /// `a.reshape(xs).max_pool2d(kernel, stride)` (`max_pool1d` when xs is 3-D); generated
    /// only where no two elements are within 0.05, so no tie moves under the differences.
    MaxPool(usize, Vec<usize>, usize, usize),
    /// `a.reshape(xs).avg_pool2d(kernel, stride)` (`avg_pool1d` when xs is 3-D).
    AvgPool(usize, Vec<usize>, usize, usize),
    /// A plain `detach`, never generated: the finite differences see through it, so a
    /// program using it must FAIL the checks (the tests use it to prove they can fail).
    RawDetach(usize),
}

/// How many op numbers a step chooses from.
pub const N_OPS: u8 = 63;

/// A resolved graph: the input values, the instructions, and each value's shape.
#[derive(Clone)]
pub struct Program {
    pub inputs: Vec<Tensor<f64>>,
    pub instrs: Vec<Instr>,
    pub shapes: Vec<Vec<usize>>,
}

/// Records `ins` on the graph of `vs`.
pub fn apply<'g>(ins: &Instr, vs: &[Var<'g>]) -> Var<'g> {
    use Instr::*;
    match ins {
        Add(a, b) => vs[*a] + vs[*b],
        Sub(a, b) => vs[*a] - vs[*b],
        Mul(a, b) => vs[*a] * vs[*b],
        Div(a, b) => vs[*a] / vs[*b],
        Scale(a, c) => vs[*a] * *c,
        Shift(a, c) => vs[*a] + *c,
        Neg(a) => -vs[*a],
        Exp(a) => vs[*a].exp(),
        Ln(a) => vs[*a].ln(),
        Ln1p(a) => vs[*a].ln_1p(),
        Tanh(a) => vs[*a].tanh(),
        Sqrt(a) => vs[*a].sqrt(),
        Abs(a) => vs[*a].abs(),
        Sign(a) => vs[*a].sign(),
        Powi(a, n) => vs[*a].powi(*n),
        Powf(a, p) => vs[*a].powf(*p),
        Sigmoid(a) => vs[*a].sigmoid(),
        MatMul(a, b) => vs[*a].matmul(vs[*b]),
        Transpose(a) => vs[*a].transpose(),
        Reshape(a, s) => vs[*a].reshape(s),
        Sum(a) => vs[*a].sum(),
        Mean(a) => vs[*a].mean(),
        SumKeepdim(a, ax) => vs[*a].sum_keepdim(*ax),
        MeanKeepdim(a, ax) => vs[*a].mean_keepdim(*ax),
        MaxKeepdim(a, ax) => vs[*a].max_keepdim(*ax),
        Hardmax(a, ax) => vs[*a].hardmax(*ax),
        SumTo(a, s) => vs[*a].sum_to(s),
        BroadcastTo(a, s) => vs[*a].broadcast_to(s),
        Gather(a, ax, idx) => vs[*a].gather(*ax, idx),
        Scatter(a, ax, idx, s) => vs[*a].scatter(*ax, idx, s),
        RawDetach(a) => vs[*a].detach(),
        // Shape and reduction ops (issue 18, helper "shape").
        Narrow(a, ax, s, n) => vs[*a].narrow(*ax, *s, *n),
        Pad(a, ax, b, e) => vs[*a].pad_with_zeros(*ax, *b, *e),
        Cat(a, b, ax) => Var::cat(&[vs[*a], vs[*b]], *ax),
        Stack(a, b, ax) => Var::stack(&[vs[*a], vs[*b]], *ax),
        Permute(a, p) => vs[*a].permute(p),
        IndexSelect(a, ax, idx) => vs[*a].index_select(*ax, idx),
        IndexAdd(a, ax, idx, n) => vs[*a].index_add(*ax, idx, *n),
        Bmm(a, b) => vs[*a].bmm(vs[*b]),
        SumDims(a, ax, keep) => vs[*a].sum_dims(ax, *keep),
        ProdDims(a, ax, keep) => vs[*a].prod_dims(ax, *keep),
        LogSumExp(a, ax, keep) => vs[*a].logsumexp(ax, *keep),
        Variance(a, ax, c, keep) => vs[*a].var(ax, *c, *keep),
        Sin(a) => vs[*a].sin(),
        Cos(a) => vs[*a].cos(),
        Tan(a) => vs[*a].tan(),
        Atan(a) => vs[*a].atan(),
        Erf(a) => vs[*a].erf(),
        Floor(a) => vs[*a].floor(),
        Ceil(a) => vs[*a].ceil(),
        Round(a) => vs[*a].round(),
        Pow(a, b) => vs[*a].pow(vs[*b]),
        Masked(a, m) => vs[*a].masked(vs[*m]),
        Compare(a, b, kind) => match kind % 5 {
            0 => vs[*a].gt(vs[*b]),
            1 => vs[*a].ge(vs[*b]),
            2 => vs[*a].lt(vs[*b]),
            3 => vs[*a].le(vs[*b]),
            _ => vs[*a].eq_mask(vs[*b]),
        },
        Maximum(a, b) => vs[*a].maximum(vs[*b]),
        Minimum(a, b) => vs[*a].minimum(vs[*b]),
        ClampMin(a, lo) => vs[*a].clamp_min(*lo),
        ClampMax(a, hi) => vs[*a].clamp_max(*hi),
        Clamp(a, lo, hi) => vs[*a].clamp(*lo, *hi),
        WhereCond(c, a, b) => vs[*c].where_cond(vs[*a], vs[*b]),
        Asin(a) => vs[*a].asin(),
        Acos(a) => vs[*a].acos(),
        Atan2(a, b) => vs[*a].atan2(vs[*b]),
        Hypot(a, b) => vs[*a].hypot(vs[*b]),
        Sinh(a) => vs[*a].sinh(),
        Cosh(a) => vs[*a].cosh(),
        Log2(a) => vs[*a].log2(),
        Log10(a) => vs[*a].log10(),
        Exp2(a) => vs[*a].exp2(),
        Gelu(a) => vs[*a].gelu(),
        GeluTanh(a) => vs[*a].gelu_tanh(),
        Silu(a) => vs[*a].silu(),
        LogSigmoid(a) => vs[*a].log_sigmoid(),
        Softmin(a, ax) => vs[*a].softmin(*ax),
        Relu(a) => vs[*a].relu(),
        LeakyRelu(a, s) => vs[*a].leaky_relu(*s),
        Softsign(a) => vs[*a].softsign(),
        Softplus(a) => vs[*a].softplus(),
        Elu(a, al) => vs[*a].elu(*al),
        Step(a) => vs[*a].step(),
        Softmax(a, ax) => vs[*a].softmax(*ax),
        LogSoftmax(a, ax) => vs[*a].log_softmax(*ax),
        HalfSse(a, b) => nn::half_sse(vs[*a], vs[*b]),
        Mse(a, b) => nn::mse(vs[*a], vs[*b]),
        CrossEntropy(a, c) => nn::cross_entropy(vs[*a], c),
        BceWithLogits(a, b) => nn::binary_cross_entropy_with_logits(vs[*a], vs[*b]),
        Hinge(a, b) => nn::hinge(vs[*a], vs[*b]),
        Conv2d(a, b, xs, ws, [p, s, d, g]) => {
            flat2(
                vs[*a]
                    .reshape(xs)
                    .conv2d(vs[*b].reshape(ws), *p, *s, *d, *g),
            )
        }
        MaxPool(a, xs, k, s) if xs.len() == 3 => flat2(vs[*a].reshape(xs).max_pool1d(*k, *s)),
        MaxPool(a, xs, k, s) => flat2(vs[*a].reshape(xs).max_pool2d(*k, *s)),
        AvgPool(a, xs, k, s) if xs.len() == 3 => flat2(vs[*a].reshape(xs).avg_pool1d(*k, *s)),
        AvgPool(a, xs, k, s) => flat2(vs[*a].reshape(xs).avg_pool2d(*k, *s)),
        Detach(a, base) => {
            let d = vs[*a].detach();
            let now = d.value();
            let shift: Vec<f64> = base.iter().zip(now.data()).map(|(b, x)| b - x).collect();
            let shift = Tensor::from_vec(shift, now.shape()).expect("same shape");
            d + vs[*a].graph().constant(shift)
        }
    }
}

/// `y` as `[rows, last axis]`.
fn flat2(y: Var<'_>) -> Var<'_> {
    let s = y.shape();
    let last = s[s.len() - 1];
    y.reshape(&[s.iter().product::<usize>() / last, last])
}

impl Program {
    /// Builds the program on `g` from the leaves `xs`; returns every value (the output last).
    pub fn eval_all<'g>(&self, xs: &[Var<'g>]) -> Vec<Var<'g>> {
        let mut vs: Vec<Var<'g>> = xs.to_vec();
        for ins in &self.instrs {
            let v = apply(ins, &vs);
            vs.push(v);
        }
        vs
    }

    /// Builds the program on `g` from the leaves `xs`; returns the output.
    pub fn eval<'g>(&self, xs: &[Var<'g>]) -> Var<'g> {
        *self.eval_all(xs).last().expect("a program has a value")
    }

    /// The output value at `inputs`.
    pub fn value_at(&self, inputs: &[Tensor<f64>]) -> Tensor<f64> {
        let g = Graph::new();
        let xs: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
        self.eval(&xs).value()
    }

    /// The output's shape.
    pub fn out_shape(&self) -> &[usize] {
        self.shapes.last().expect("a program has a value")
    }
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.inputs.len();
        for (i, x) in self.inputs.iter().enumerate() {
            writeln!(f, "  v{i} = input {:?} {:?}", x.shape(), x.data())?;
        }
        for (j, ins) in self.instrs.iter().enumerate() {
            writeln!(f, "  v{} = {:?} -> {:?}", n + j, ins, self.shapes[n + j])?;
        }
        Ok(())
    }
}

impl fmt::Debug for Recipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Recipe {{ seed: {}, inputs: {:?}, steps: vec!{:?} }}",
            self.seed, self.inputs, self.steps
        )?;
        writeln!(f, "resolves to:")?;
        write!(f, "{:?}", resolve(self))
    }
}

/// Deterministic input values in [-2, 2] from a seed.
pub fn values(shape: &[usize], seed: u64) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    let mut s = seed ^ 0x9e37_79b9_7f4a_7c15;
    let data = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            -2.0 + 4.0 * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect();
    Tensor::from_vec(data, shape).expect("n elements")
}

/// Builds the program, evaluating as it goes to place the guards.
struct Resolver<'g> {
    g: &'g Graph,
    vars: Vec<Var<'g>>,
    prog: Program,
}

impl<'g> Resolver<'g> {
    fn emit(&mut self, ins: Instr) -> usize {
        let v = apply(&ins, &self.vars);
        self.vars.push(v);
        self.prog.shapes.push(v.shape());
        self.prog.instrs.push(ins);
        self.vars.len() - 1
    }

    fn data(&self, i: usize) -> Vec<f64> {
        self.vars[i].value().into_vec()
    }

    fn shape(&self, i: usize) -> Vec<usize> {
        self.prog.shapes[i].clone()
    }

    fn len(&self, i: usize) -> usize {
        self.prog.shapes[i].iter().product()
    }

    fn max_abs(&self, i: usize) -> f64 {
        self.data(i).iter().fold(0.0, |m, x| m.max(x.abs()))
    }

    /// `i`, scaled down by a power of two when some element exceeds `limit` in magnitude.
    fn bounded(&mut self, i: usize, limit: f64) -> usize {
        let m = self.max_abs(i);
        if m <= limit {
            return i;
        }
        let k = (m / limit).log2().ceil() as i32;
        self.emit(Instr::Scale(i, 2f64.powi(-k)))
    }

    /// `i` if all of it is ≥ `lo`, or else a positive function of it (the kind chosen by `k`).
    fn positive(&mut self, i: usize, lo: f64, k: u8) -> usize {
        if self.data(i).iter().all(|&x| x >= lo) {
            return i;
        }
        match k % 4 {
            0 => {
                let s = self.emit(Instr::Powi(i, 2));
                self.emit(Instr::Shift(s, lo + 0.3))
            }
            1 => {
                let i = self.off_kink(i);
                let a = self.emit(Instr::Abs(i));
                self.emit(Instr::Shift(a, lo + 0.1))
            }
            2 => {
                let e = self.bounded(i, 3.0);
                let e = self.emit(Instr::Exp(e));
                self.emit(Instr::Shift(e, lo))
            }
            _ => {
                let s = self.emit(Instr::Sigmoid(i));
                self.emit(Instr::Shift(s, lo))
            }
        }
    }

    /// `i` if every element is at least 0.2 away from 0, or else a positive function of it.
    fn nonzero(&mut self, i: usize, k: u8) -> usize {
        if self.data(i).iter().all(|x| x.abs() >= 0.2) {
            i
        } else {
            self.positive(i, 0.2, k)
        }
    }

    /// `b`, or its mean when its shape does not broadcast with `a`'s (or the result would be
    /// too large).
    fn fit(&mut self, a: usize, b: usize) -> usize {
        let (sa, sb) = (self.shape(a), self.shape(b));
        match broadcast(&sa, &sb) {
            Some(s) if s.iter().product::<usize>() <= MAX_ELEMS => b,
            _ => self.emit(Instr::Mean(b)),
        }
    }

    /// `i`, shifted when some element lies within 0.05 of 0, the kink of abs, sign, relu and
    /// their kin. At an exact 0 the conventions (abs'(0) = 0, ...) pick one side, which can
    /// disagree with the differences even where the whole expression is smooth.
    fn off_kink(&mut self, i: usize) -> usize {
        let d = self.data(i);
        if d.iter().all(|x| x.abs() >= 0.05) {
            return i;
        }
        let c = [
            0.1, 0.25, 0.55, 0.7, 0.85, 1.15, 1.3, 1.45, 1.6, 1.75, 1.9, 2.05, 2.2,
        ]
        .into_iter()
        .find(|c| d.iter().all(|x| (x + c).abs() >= 0.05))
        .expect("at most 12 elements rule out at most 12 shifts");
        self.emit(Instr::Shift(i, c))
    }

    /// `b` brought to `a`'s shape: broadcast if it broadcasts, else its mean broadcast.
    fn same_shape(&mut self, a: usize, b: usize) -> usize {
        let (sa, sb) = (self.shape(a), self.shape(b));
        if sa == sb {
            return b;
        }
        let from = match broadcast(&sa, &sb) {
            Some(s) if s == sa => b,
            _ => self.emit(Instr::Mean(b)),
        };
        if self.shape(from) == sa {
            from
        } else {
            self.emit(Instr::BroadcastTo(from, sa))
        }
    }

    /// `i` as a 2-D value: kept if 2-D, otherwise reshaped to a row or a column.
    fn matrix(&mut self, i: usize, column: bool) -> usize {
        let s = self.shape(i);
        if s.len() == 2 {
            return i;
        }
        let n = self.len(i);
        let to = if column { vec![n, 1] } else { vec![1, n] };
        self.emit(Instr::Reshape(i, to))
    }

    fn step(&mut self, st: Step) {
        let n = self.vars.len();
        // Operands: half the time one of the latest four values (depth), else any (reuse).
        let pick = |c: u16| {
            if c & 1 == 0 {
                n - 1 - (c as usize >> 1) % n.min(4)
            } else {
                (c as usize >> 1) % n
            }
        };
        let (a, b, k) = (pick(st.a), pick(st.b), st.k);
        let sa = self.shape(a);
        let r = sa.len();
        let out = match st.op % N_OPS {
            0 => {
                let b = self.fit(a, b);
                self.emit(Instr::Add(a, b))
            }
            1 => {
                let b = self.fit(a, b);
                self.emit(Instr::Sub(a, b))
            }
            2 => {
                let b = self.fit(a, b);
                self.emit(Instr::Mul(a, b))
            }
            3 => {
                let b = self.fit(a, b);
                let b = self.nonzero(b, k);
                self.emit(Instr::Div(a, b))
            }
            4 => self.emit(Instr::Scale(a, [-1.5, 0.5, 2.0, -0.25][k as usize % 4])),
            5 => self.emit(Instr::Shift(a, [-1.0, 0.5, 0.25, 2.0][k as usize % 4])),
            6 => self.emit(Instr::Neg(a)),
            7 => {
                let a = self.bounded(a, 4.0);
                self.emit(Instr::Exp(a))
            }
            8 => {
                let a = self.positive(a, 0.2, k);
                self.emit(Instr::Ln(a))
            }
            9 => {
                let a = self.positive(a, -0.8, k);
                self.emit(Instr::Ln1p(a))
            }
            10 => self.emit(Instr::Tanh(a)),
            11 => {
                let a = self.positive(a, 0.2, k);
                self.emit(Instr::Sqrt(a))
            }
            12 => {
                let a = self.off_kink(a);
                self.emit(Instr::Abs(a))
            }
            13 => {
                // sign has gradient 0; multiply it into another value so it is not dead.
                let a = self.off_kink(a);
                let s = self.emit(Instr::Sign(a));
                let b = self.fit(s, b);
                self.emit(Instr::Mul(s, b))
            }
            14 => {
                let n = [-2, -1, 0, 1, 2, 3][k as usize % 6];
                let a = if n < 0 { self.nonzero(a, k / 8) } else { a };
                self.emit(Instr::Powi(a, n))
            }
            15 => {
                let a = self.positive(a, 0.2, k);
                self.emit(Instr::Powf(a, [-1.5, 0.5, 2.7, 0.0][k as usize % 4]))
            }
            16 => self.emit(Instr::Sigmoid(a)),
            17 => {
                let x = self.matrix(a, k & 1 == 1);
                let y = self.matrix(b, k & 2 == 2);
                let (sx, sy) = (self.shape(x), self.shape(y));
                if sx[1] == sy[0] {
                    self.emit(Instr::MatMul(x, y))
                } else if sx[1] == sy[1] {
                    let t = self.emit(Instr::Transpose(y));
                    self.emit(Instr::MatMul(x, t))
                } else if sx[0] == sy[0] {
                    let t = self.emit(Instr::Transpose(x));
                    self.emit(Instr::MatMul(t, y))
                } else {
                    // [cols, 2] from b's mean: exercises sum_to and broadcast_to.
                    let m = self.emit(Instr::Sum(y));
                    let m = self.emit(Instr::BroadcastTo(m, vec![sx[1], 2]));
                    self.emit(Instr::MatMul(x, m))
                }
            }
            18 => {
                let x = self.matrix(a, k & 1 == 1);
                self.emit(Instr::Transpose(x))
            }
            19 => {
                let n = self.len(a);
                let mut options = vec![vec![n], vec![1, n], vec![n, 1]];
                options.extend((2..n).filter(|d| n % d == 0).map(|d| vec![d, n / d]));
                if n == 1 {
                    options.push(vec![]);
                }
                self.emit(Instr::Reshape(
                    a,
                    options[k as usize % options.len()].clone(),
                ))
            }
            20 => self.emit(Instr::Sum(a)),
            21 => self.emit(Instr::Mean(a)),
            22..=25 if r == 0 => self.emit(Instr::Tanh(a)),
            22 => self.emit(Instr::SumKeepdim(a, k as usize % r)),
            23 => self.emit(Instr::MeanKeepdim(a, k as usize % r)),
            24 => self.emit(Instr::MaxKeepdim(a, k as usize % r)),
            25 => {
                // hardmax has gradient 0; multiply it with a value so it is not dead.
                let h = self.emit(Instr::Hardmax(a, k as usize % r));
                self.emit(Instr::Mul(h, a))
            }
            26 => {
                // sum_to a shape that broadcasts to a's: drop leading axes, set some to 1.
                let mut to: Vec<usize> = sa[(k as usize % (r + 1)).min(r)..].to_vec();
                for (j, d) in to.iter_mut().enumerate() {
                    if (k >> (4 + j)) & 1 == 1 {
                        *d = 1;
                    }
                }
                self.emit(Instr::SumTo(a, to))
            }
            27 => {
                // broadcast_to: grow axes of length 1, maybe prepend one.
                let mut to: Vec<usize> = sa.iter().map(|&d| if d == 1 { 2 } else { d }).collect();
                if k & 1 == 1 || to.is_empty() {
                    to.insert(0, 2 + (k as usize >> 1) % 2);
                }
                if to.iter().product::<usize>() > MAX_ELEMS {
                    let base = self.data(a);
                    self.emit(Instr::Detach(a, base))
                } else {
                    self.emit(Instr::BroadcastTo(a, to))
                }
            }
            29..=34 => {
                let a = self.off_kink(a);
                match st.op % N_OPS {
                    29 => self.emit(Instr::Relu(a)),
                    30 => self.emit(Instr::LeakyRelu(a, [0.01, 0.2, -0.5][k as usize % 3])),
                    31 => self.emit(Instr::Softsign(a)),
                    32 => self.emit(Instr::Softplus(a)),
                    33 => self.emit(Instr::Elu(a, [1.0, 0.5, 2.0][k as usize % 3])),
                    _ => {
                        // step has gradient 0; multiply it into another value.
                        let s = self.emit(Instr::Step(a));
                        let b = self.fit(s, b);
                        self.emit(Instr::Mul(s, b))
                    }
                }
            }
            35 | 36 => {
                let a = if r == 0 {
                    self.emit(Instr::Reshape(a, vec![1]))
                } else {
                    a
                };
                let axis = k as usize % self.shape(a).len();
                if st.op % N_OPS == 35 {
                    self.emit(Instr::Softmax(a, axis))
                } else {
                    self.emit(Instr::LogSoftmax(a, axis))
                }
            }
            37 => {
                let a = if r == 0 {
                    self.emit(Instr::Reshape(a, vec![1]))
                } else {
                    a
                };
                let s = self.shape(a);
                let last = s[s.len() - 1];
                let rows = self.len(a) / last;
                let classes = (0..rows).map(|i| (i * 3 + k as usize) % last).collect();
                self.emit(Instr::CrossEntropy(a, classes))
            }
            38 => {
                let b = self.same_shape(a, b);
                match k % 4 {
                    0 => self.emit(Instr::HalfSse(a, b)),
                    1 => self.emit(Instr::Mse(a, b)),
                    2 => self.emit(Instr::BceWithLogits(a, b)),
                    _ => self.emit(Instr::Hinge(a, b)),
                }
            }
            40..=47 => self.shape_op(st.op % N_OPS, a, b, k),
            48..=59 => self.elementwise(st.op % N_OPS - 48, a, b, k),
            60 => self.conv(a, b, k),
            61 => self.pool(a, k, true),
            62 => self.pool(a, k, false),
            _ => match k % 3 {
                0 => self.gather(a, k / 3),
                1 => self.scatter(a, k / 3),
                _ => {
                    // a · detach(b): b's path carries no gradient.
                    let b = self.fit(a, b);
                    let base = self.data(b);
                    let d = self.emit(Instr::Detach(b, base));
                    self.emit(Instr::Mul(a, d))
                }
            },
        };
        self.bounded(out, 8.0);
    }

    // Convolution and pooling (helper "conv").

    /// `a` as the input [1, C, H, W] and `b` as the weight of a small conv2d, with padding,
    /// stride, dilation and groups chosen by `k` (groups 2 when both lengths are even), the
    /// padding raised where the dilated kernel would not fit and the stride where the
    /// output would exceed `MAX_ELEMS`.
    fn conv(&mut self, a: usize, b: usize, k: u8) -> usize {
        let (sa, n, m) = (self.shape(a), self.len(a), self.len(b));
        let k = k as usize;
        let (xs, ws, groups) = if k & 1 == 1 && n % 2 == 0 && m % 2 == 0 {
            (vec![1, 2, 1, n / 2], vec![2, 1, 1, m / 2], 2)
        } else {
            let xs = match sa[..] {
                [r, c] => vec![1, 1, r, c],
                _ => vec![1, 1, 1, n],
            };
            let ws = match m {
                4 => vec![1, 1, 2, 2],
                6 => vec![2, 1, 1, 3],
                _ => vec![1, 1, 1, m],
            };
            (xs, ws, 1)
        };
        let dilation = 1 + (k >> 1) % 2;
        let mut padding = (k >> 2) % 2;
        for axis in [2, 3] {
            let span = dilation * (ws[axis] - 1) + 1;
            padding = padding.max(span.saturating_sub(xs[axis]).div_ceil(2));
        }
        let out = |stride: usize| -> usize {
            let len =
                |axis: usize| (xs[axis] + 2 * padding - dilation * (ws[axis] - 1) - 1) / stride + 1;
            ws[0] * len(2) * len(3)
        };
        let stride = (1 + (k >> 3) % 2..=4)
            .find(|&s| out(s) <= MAX_ELEMS)
            .unwrap_or(4);
        self.emit(Instr::Conv2d(
            a,
            b,
            xs,
            ws,
            [padding, stride, dilation, groups],
        ))
    }

    /// A max pool (`max`, where no two elements of `a` are within 0.05; else an average
    /// pool) over windows of 2 with stride 1 or 2: 2-D on a `[r, c]` value with r, c ≥ 2,
    /// else 1-D along the flattened value.
    fn pool(&mut self, a: usize, k: u8, max: bool) -> usize {
        let (sa, n) = (self.shape(a), self.len(a));
        if n < 2 {
            return self.emit(Instr::Tanh(a));
        }
        let stride = 1 + k as usize % 2;
        let xs = match sa[..] {
            [r, c] if r >= 2 && c >= 2 => vec![1, 1, r, c],
            _ => vec![1, 1, n],
        };
        let mut d = self.data(a);
        d.sort_by(f64::total_cmp);
        if max && d.windows(2).all(|w| w[1] - w[0] >= 0.05) {
            self.emit(Instr::MaxPool(a, xs, 2, stride))
        } else {
            self.emit(Instr::AvgPool(a, xs, 2, stride))
        }
    }

    fn gather(&mut self, a: usize, k: u8) -> usize {
        let a = if self.shape(a).is_empty() {
            self.emit(Instr::Reshape(a, vec![1]))
        } else {
            a
        };
        let s = self.shape(a);
        let axis = k as usize % s.len();
        let rows: usize = s.iter().product::<usize>() / s[axis];
        let idx = (0..rows).map(|r| (r * 7 + k as usize) % s[axis]).collect();
        self.emit(Instr::Gather(a, axis, idx))
    }

    fn scatter(&mut self, a: usize, k: u8) -> usize {
        let s = self.shape(a);
        let (x, target, axis) = if s.is_empty() {
            (self.emit(Instr::Reshape(a, vec![1])), vec![3], 0)
        } else {
            let axis = k as usize % s.len();
            let mut target = s.clone();
            if s[axis] == 1 {
                target[axis] = 2;
            }
            let x = if s[axis] == 1 {
                a
            } else {
                self.emit(Instr::SumKeepdim(a, axis))
            };
            (x, target, axis)
        };
        let rows: usize = target.iter().product::<usize>() / target[axis];
        let idx = (0..rows)
            .map(|r| (r * 5 + k as usize) % target[axis])
            .collect();
        self.emit(Instr::Scatter(x, axis, idx, target))
    }
}

// Issue 18, elementwise and piecewise (helper "elem"): the generator's block for them.
impl Resolver<'_> {
    /// `i`, shifted so that every element is at least 0.05 away from every point of `jumps`
    /// modulo 1 (0 for integers, 0.5 for halves): the jumps of floor, ceil and round.
    fn off_jump(&mut self, i: usize, jump: f64) -> usize {
        let far = |x: f64| {
            let f = (x - jump).rem_euclid(1.0);
            f.min(1.0 - f) >= 0.05
        };
        let d = self.data(i);
        if d.iter().all(|&x| far(x)) {
            return i;
        }
        let c = (1..40)
            .map(|j| j as f64 * 0.0237)
            .find(|c| d.iter().all(|&x| far(x + c)))
            .expect("12 elements rule out at most 12 bands of width 0.1");
        self.emit(Instr::Shift(i, c))
    }

    /// `b` (fitted to `a`), shifted when some pair of broadcast elements lies within 0.05:
    /// the ties of maximum, minimum and the comparisons.
    fn off_tie(&mut self, a: usize, b: usize) -> usize {
        let b = self.fit(a, b);
        let pairs = |r: &Self, b: usize| {
            let (sa, sb) = (r.shape(a), r.shape(b));
            let ga =
                r.g.tensor(r.vars[a].value())
                    .broadcast_to(&broadcast(&sa, &sb).unwrap());
            let d = (ga - r.g.tensor(r.vars[b].value())).value().into_vec();
            d.iter().all(|x| x.abs() >= 0.05)
        };
        if pairs(self, b) {
            return b;
        }
        for c in [
            0.11, 0.29, 0.53, 0.71, 0.97, 1.31, 1.73, 2.07, 2.39, 2.83, 3.17, 3.61,
        ] {
            let s = self.emit(Instr::Shift(b, c));
            if pairs(self, s) {
                return s;
            }
        }
        // Still close somewhere (many elements): a constant far from every value of a.
        let m = self.emit(Instr::Mean(b));
        let far = self.max_abs(a) + 1.0;
        let z = self.emit(Instr::Scale(m, 0.0));
        self.emit(Instr::Shift(z, far))
    }

    /// `i`, squashed into [−0.9, 0.9] by 0.9·tanh when it leaves it (asin, acos).
    fn inside_unit(&mut self, i: usize) -> usize {
        if self.max_abs(i) <= 0.9 {
            return i;
        }
        let t = self.emit(Instr::Tanh(i));
        self.emit(Instr::Scale(t, 0.9))
    }

    /// The issue-18 ops; `which` is the op number less 40.
    fn elementwise(&mut self, which: u8, a: usize, b: usize, k: u8) -> usize {
        match which {
            0 => match k % 5 {
                0 => self.emit(Instr::Sin(a)),
                1 => self.emit(Instr::Cos(a)),
                2 => {
                    let a = self.bounded(a, 1.2);
                    self.emit(Instr::Tan(a))
                }
                3 => self.emit(Instr::Atan(a)),
                _ => self.emit(Instr::Erf(a)),
            },
            1 => {
                // Gradient 0: multiplied into another value so it is not dead.
                let (op, jump) = match k % 3 {
                    0 => (Instr::Floor as fn(usize) -> Instr, 0.0),
                    1 => (Instr::Ceil as fn(usize) -> Instr, 0.0),
                    _ => (Instr::Round as fn(usize) -> Instr, 0.5),
                };
                let a = self.off_jump(a, jump);
                let r = self.emit(op(a));
                let b = self.fit(r, b);
                self.emit(Instr::Mul(r, b))
            }
            2 => {
                let x = self.positive(a, 0.2, k);
                let y = self.fit(x, b);
                let y = self.bounded(y, 2.0);
                self.emit(Instr::Pow(x, y))
            }
            3 => {
                let b = self.off_tie(a, b);
                if k % 2 == 0 {
                    self.emit(Instr::Maximum(a, b))
                } else {
                    self.emit(Instr::Minimum(a, b))
                }
            }
            4 => {
                // A comparison (gradient 0) used as a mask: multiplied, or through masked.
                let b = self.off_tie(a, b);
                let c = self.emit(Instr::Compare(a, b, k % 5));
                if k & 8 == 0 {
                    self.emit(Instr::Mul(c, a))
                } else {
                    self.emit(Instr::Masked(a, c))
                }
            }
            5 => {
                let (lo, hi) = [(-0.5, 0.7), (0.0, 1.0), (-1.3, -0.2)][k as usize % 3];
                let off = |d: &[f64], c: f64| {
                    d.iter()
                        .all(|x| (x + c - lo).abs() >= 0.05 && (x + c - hi).abs() >= 0.05)
                };
                let d = self.data(a);
                let a = if off(&d, 0.0) {
                    a
                } else {
                    let c = [0.13, 0.31, 0.57, 0.83, 1.19, 1.61, 2.03, 2.47, 2.91, 3.37]
                        .into_iter()
                        .find(|&c| off(&d, c))
                        .expect("12 elements rule out at most 24 bands of width 0.1");
                    self.emit(Instr::Shift(a, c))
                };
                match k % 3 {
                    0 => self.emit(Instr::ClampMin(a, lo)),
                    1 => self.emit(Instr::ClampMax(a, hi)),
                    _ => self.emit(Instr::Clamp(a, lo, hi)),
                }
            }
            6 => {
                // where_cond(a > b, a², b·2 − 1) over a comparison off its ties.
                let b = self.off_tie(a, b);
                let c = self.emit(Instr::Compare(a, b, k % 4));
                let t = self.emit(Instr::Powi(a, 2));
                let f = self.emit(Instr::Scale(b, 2.0));
                self.emit(Instr::WhereCond(c, t, f))
            }
            7 => {
                let a = self.inside_unit(a);
                if k % 2 == 0 {
                    self.emit(Instr::Asin(a))
                } else {
                    self.emit(Instr::Acos(a))
                }
            }
            8 => {
                // y off 0 (so never on the branch cut of atan2, nor at the origin).
                let y = self.off_kink(a);
                let x = self.fit(y, b);
                if k % 2 == 0 {
                    self.emit(Instr::Atan2(y, x))
                } else {
                    self.emit(Instr::Hypot(y, x))
                }
            }
            9 => {
                let a = self.bounded(a, 4.0);
                match k % 5 {
                    0 => self.emit(Instr::Sinh(a)),
                    1 => self.emit(Instr::Cosh(a)),
                    2 => self.emit(Instr::Exp2(a)),
                    3 => {
                        let a = self.positive(a, 0.2, k / 8);
                        self.emit(Instr::Log2(a))
                    }
                    _ => {
                        let a = self.positive(a, 0.2, k / 8);
                        self.emit(Instr::Log10(a))
                    }
                }
            }
            10 => match k % 4 {
                0 => self.emit(Instr::Gelu(a)),
                1 => self.emit(Instr::GeluTanh(a)),
                2 => self.emit(Instr::Silu(a)),
                _ => self.emit(Instr::LogSigmoid(a)),
            },
            _ => {
                let a = if self.shape(a).is_empty() {
                    self.emit(Instr::Reshape(a, vec![1]))
                } else {
                    a
                };
                let axis = k as usize % self.shape(a).len();
                self.emit(Instr::Softmin(a, axis))
            }
        }
    }
}

/// NumPy broadcasting of two shapes.
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for (i, o) in out.iter_mut().enumerate() {
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
        *o = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// Resolves a recipe into a program whose every op is valid, smooth and finite at its inputs.
pub fn resolve(recipe: &Recipe) -> Program {
    let inputs: Vec<Tensor<f64>> = recipe
        .inputs
        .iter()
        .enumerate()
        .map(|(i, &s)| values(SHAPES[s as usize % SHAPES.len()], recipe.seed + i as u64))
        .collect();
    let g = Graph::new();
    let vars: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
    let shapes = inputs.iter().map(|t| t.shape().to_vec()).collect();
    let mut r = Resolver {
        g: &g,
        vars,
        prog: Program {
            inputs,
            instrs: Vec::new(),
            shapes,
        },
    };
    let _ = r.g;
    for &st in &recipe.steps {
        if r.vars.len() >= MAX_VALUES {
            break;
        }
        r.step(st);
    }
    // Fold every unused value into the output, so each one reaches it.
    let n = r.vars.len();
    let mut used = vec![false; n];
    for ins in &r.prog.instrs {
        for u in operands(ins) {
            used[u] = true;
        }
    }
    let mut out = n - 1;
    for (i, &u) in used.iter().enumerate().take(n - 1) {
        if !u {
            let s = r.emit(Instr::Sum(i));
            out = r.emit(Instr::Add(out, s));
        }
    }
    let _ = out;
    r.prog
}

/// The operands of an instruction.
pub fn operands(ins: &Instr) -> Vec<usize> {
    use Instr::*;
    match ins {
        Add(a, b) | Sub(a, b) | Mul(a, b) | Div(a, b) | MatMul(a, b) => vec![*a, *b],
        Scale(a, _) | Shift(a, _) | Powi(a, _) | Powf(a, _) => vec![*a],
        Neg(a) | Exp(a) | Ln(a) | Ln1p(a) | Tanh(a) | Sqrt(a) | Abs(a) | Sign(a) | Sigmoid(a)
        | Transpose(a) | Sum(a) | Mean(a) => vec![*a],
        Detach(a, _) | RawDetach(a) => vec![*a],
        Reshape(a, _) | SumTo(a, _) | BroadcastTo(a, _) => vec![*a],
        SumKeepdim(a, _) | MeanKeepdim(a, _) | MaxKeepdim(a, _) | Hardmax(a, _) => vec![*a],
        Gather(a, _, _) | Scatter(a, _, _, _) => vec![*a],
        // Shape and reduction ops (issue 18, helper "shape").
        Narrow(a, ..) | Pad(a, ..) | Permute(a, _) | IndexSelect(a, ..) | IndexAdd(a, ..) => {
            vec![*a]
        }
        SumDims(a, ..) | ProdDims(a, ..) | LogSumExp(a, ..) | Variance(a, ..) => vec![*a],
        Cat(a, b, _) | Stack(a, b, _) | Bmm(a, b) => vec![*a, *b],
        Relu(a) | LeakyRelu(a, _) | Softsign(a) | Softplus(a) | Elu(a, _) | Step(a) => vec![*a],
        Softmax(a, _) | LogSoftmax(a, _) | CrossEntropy(a, _) => vec![*a],
        HalfSse(a, b) | Mse(a, b) | BceWithLogits(a, b) | Hinge(a, b) => vec![*a, *b],
        Sin(a) | Cos(a) | Tan(a) | Atan(a) | Erf(a) | Floor(a) | Ceil(a) | Round(a) => vec![*a],
        Asin(a) | Acos(a) | Sinh(a) | Cosh(a) | Log2(a) | Log10(a) | Exp2(a) => vec![*a],
        Gelu(a) | GeluTanh(a) | Silu(a) | LogSigmoid(a) | Softmin(a, _) => vec![*a],
        ClampMin(a, _) | ClampMax(a, _) | Clamp(a, _, _) => vec![*a],
        Pow(a, b) | Masked(a, b) | Compare(a, b, _) | Maximum(a, b) | Minimum(a, b) => {
            vec![*a, *b]
        }
        Atan2(a, b) | Hypot(a, b) => vec![*a, *b],
        WhereCond(c, a, b) => vec![*c, *a, *b],
        Conv2d(a, b, ..) => vec![*a, *b],
        MaxPool(a, ..) | AvgPool(a, ..) => vec![*a],
    }
}
