//! Randomized differential testing: random expression graphs (every primitive, broadcasting
//! shapes, reused subexpressions) checked four ways, plus second derivatives.
//!
//! 1. `backward` against central differences (f64, ε = 1e-6; an element passes when
//!    |a − n| ≤ 1e-5 + 1e-3·|n|, PyTorch's gradcheck criterion);
//! 2. the inner-product test ⟨u, Jᵀv⟩ = ⟨J·u, v⟩ for random u, v: Jᵀv by `backward` of
//!    ⟨y, v⟩, J·u by a central difference along u (and, exactly, by differentiating the
//!    recorded Jᵀv with respect to v);
//! 3. `g.grad` (the recorded path) against `backward` (the eager path), to 1e-12;
//! 4. forward mode: ⟨J·u, v⟩ with J·u from `g.tangent` (the tangent rules, no backward pass)
//!    against ⟨u, Jᵀv⟩ from `backward`, to 1e-10 relative.
//!
//! A point where a check fails and the one-sided differences disagree is a kink (abs at 0, a
//! tie in max, ...): it is skipped and counted, not failed. The default run checks 2,000
//! graphs in four seeded batches and 200 graphs for the Hessian diagonal; the ignored test
//! runs 100,000 (`cargo test --release --test random_graphs -- --ignored --nocapture`).
//! With `--nocapture` each batch prints its counts, skips and largest errors.
//!
//! A failure shrinks (proptest) to a minimal recipe, printed with the program it resolves to;
//! paste the recipe into the regression tests at the end of this file.

mod common;

use common::program::{Instr, N_OPS, Program, Recipe, Step, resolve, values};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::cell::RefCell;
use tapegrad::gradcheck::gradcheck;
use tapegrad::{Graph, Tensor};

const EPS: f64 = 1e-6;
const ATOL: f64 = 1e-5;
const RTOL: f64 = 1e-3;

/// Figures gathered over one batch.
#[derive(Default, Debug)]
struct Stats {
    graphs: usize,
    values: usize,
    max_values: usize,
    tape_nodes: usize,
    max_tape_nodes: usize,
    elements: usize,
    kink_skips: usize,
    graphs_with_skips: usize,
    max_abs_err: f64,
    /// The largest |a − n| as a fraction of the allowed 1e-5 + 1e-3·|n|.
    max_tol_ratio: f64,
    max_recorded_gap: f64,
    /// Elements where the recorded path gave NaN and `backward` a finite number: a zero
    /// gradient meeting an infinite slope, which `backward` skips (docs/conventions.md).
    recorded_nans: usize,
    inner_products: usize,
    inner_skips: usize,
    max_inner_err: f64,
    max_exact_inner_err: f64,
    /// The largest |⟨J·u, v⟩ − ⟨u, Jᵀv⟩| / max(1, |⟨u, Jᵀv⟩|) with J·u from forward mode.
    max_forward_err: f64,
    /// Graphs where forward mode gave NaN and `backward` a finite number: the tangent rules
    /// record every product, as the recorded path does (docs/conventions.md).
    forward_nans: usize,
    op_counts: Vec<usize>,
}

fn close(a: f64, n: f64) -> bool {
    (a - n).abs() <= ATOL + RTOL * n.abs()
}

fn recipe(max_steps: usize) -> impl Strategy<Value = Recipe> {
    let step = (0..N_OPS, any::<u16>(), any::<u16>(), any::<u8>()).prop_map(|(op, a, b, k)| Step {
        op,
        a,
        b,
        k,
    });
    (
        any::<u64>(),
        prop::collection::vec(0u8..6, 1..=3),
        prop::collection::vec(step, 1..=max_steps),
    )
        .prop_map(|(seed, inputs, steps)| Recipe {
            seed,
            inputs,
            steps,
        })
}

/// ⟨y, w⟩ for a fixed weight tensor `w` of the output's shape: a scalar that sees every
/// output element with a different weight.
fn weighted(p: &Program, w: &Tensor<f64>, inputs: &[Tensor<f64>]) -> f64 {
    let g = Graph::new();
    let xs: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
    (p.eval(&xs) * g.constant(w.clone())).sum().item()
}

/// `inputs` with element `j` of input `i` moved by `h`.
fn nudged(inputs: &[Tensor<f64>], i: usize, j: usize, h: f64) -> Vec<Tensor<f64>> {
    let mut xs = inputs.to_vec();
    xs[i].data_mut()[j] += h;
    xs
}

/// `inputs` + h·u.
fn moved(inputs: &[Tensor<f64>], u: &[Tensor<f64>], h: f64) -> Vec<Tensor<f64>> {
    inputs
        .iter()
        .zip(u)
        .map(|(x, d)| x.map_with(d, |a, b| a + h * b))
        .collect()
}

trait MapWith {
    fn map_with(&self, other: &Self, f: impl Fn(f64, f64) -> f64) -> Self;
}

impl MapWith for Tensor<f64> {
    fn map_with(&self, other: &Self, f: impl Fn(f64, f64) -> f64) -> Self {
        let data = self
            .data()
            .iter()
            .zip(other.data())
            .map(|(&a, &b)| f(a, b))
            .collect();
        Tensor::from_vec(data, self.shape()).expect("same shape")
    }
}

/// Whether the one-sided differences of `f` at `x0` (step ε) disagree: a kink.
fn kink(f0: f64, up: f64, down: f64, n: f64) -> bool {
    let right = (up - f0) / EPS;
    let left = (f0 - down) / EPS;
    (right - left).abs() > ATOL + RTOL * n.abs()
}

fn op_index(p: &Program) -> impl Iterator<Item = usize> + '_ {
    p.instrs.iter().map(|ins| {
        // The variant's position in the enum, from its Debug name.
        let name = format!("{ins:?}");
        let name = name.split('(').next().unwrap_or("").to_string();
        OP_NAMES
            .iter()
            .position(|&n| n == name)
            .unwrap_or(OP_NAMES.len())
    })
}

const OP_NAMES: [&str; 90] = [
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Scale",
    "Shift",
    "Neg",
    "Exp",
    "Ln",
    "Ln1p",
    "Tanh",
    "Sqrt",
    "Abs",
    "Sign",
    "Powi",
    "Powf",
    "Sigmoid",
    "MatMul",
    "Transpose",
    "Reshape",
    "Sum",
    "Mean",
    "SumKeepdim",
    "MeanKeepdim",
    "MaxKeepdim",
    "Hardmax",
    "SumTo",
    "BroadcastTo",
    "Gather",
    "Scatter",
    "Detach",
    "Relu",
    "LeakyRelu",
    "Softsign",
    "Softplus",
    "Elu",
    "Step",
    "Softmax",
    "LogSoftmax",
    "HalfSse",
    "Mse",
    "CrossEntropy",
    "BceWithLogits",
    "Hinge",
    // Shape and reduction ops (issue 18, helper "shape").
    "Narrow",
    "Pad",
    "Cat",
    "Stack",
    "Permute",
    "IndexSelect",
    "IndexAdd",
    "Bmm",
    "SumDims",
    "ProdDims",
    "LogSumExp",
    "Variance",
    // Issue 18, elementwise and piecewise (helper "elem").
    "Sin",
    "Cos",
    "Tan",
    "Atan",
    "Erf",
    "Floor",
    "Ceil",
    "Round",
    "Pow",
    "Masked",
    "Compare",
    "Maximum",
    "Minimum",
    "ClampMin",
    "ClampMax",
    "Clamp",
    "WhereCond",
    "Asin",
    "Acos",
    "Atan2",
    "Hypot",
    "Sinh",
    "Cosh",
    "Log2",
    "Log10",
    "Exp2",
    "Gelu",
    "GeluTanh",
    "Silu",
    "LogSigmoid",
    "Softmin",
    // Convolution and pooling (helper "conv").
    "Conv2d",
    "MaxPool",
    "AvgPool",
];

/// Runs checks 1, 2 and 3 on one recipe.
fn check_recipe(r: &Recipe, stats: &RefCell<Stats>) -> Result<(), TestCaseError> {
    check_program(&resolve(r), r.seed, stats)
}

/// Runs checks 1, 2 and 3 on one program; `seed` draws the weights and directions.
fn check_program(p: &Program, seed: u64, stats: &RefCell<Stats>) -> Result<(), TestCaseError> {
    let inputs = p.inputs.clone();
    let out_shape = p.out_shape().to_vec();
    let w = values(&out_shape, seed ^ 0x5eed);
    // Every value of the program must be finite at the base point.
    {
        let g = Graph::new();
        let xs: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
        let all = p.eval_all(&xs);
        if let Some(bad) = all
            .iter()
            .position(|v| v.value().data().iter().any(|x| !x.is_finite()))
        {
            return Err(TestCaseError::fail(format!("value v{bad} is not finite")));
        }
        let y = (*all.last().expect("output") * g.constant(w.clone())).sum();
        y.backward();
        let mut s = stats.borrow_mut();
        s.values += all.len();
        s.max_values = s.max_values.max(all.len());
        s.tape_nodes += g.len();
        s.max_tape_nodes = s.max_tape_nodes.max(g.len());
        s.op_counts.resize(OP_NAMES.len() + 1, 0);
        for k in op_index(p) {
            s.op_counts[k] += 1;
        }
    }

    // Checks 1 and 3: gradcheck gives backward, central differences and the recorded path.
    let wc = w.clone();
    let pc = p.clone();
    let report = gradcheck(
        move |g, xs| (pc.eval(xs) * g.constant(wc.clone())).sum(),
        &inputs,
        EPS,
    );
    let f0 = weighted(p, &w, &inputs);
    let mut skipped = false;
    for (i, c) in report.inputs.iter().enumerate() {
        for (j, ((&a, &n), &rec)) in c
            .analytic
            .data()
            .iter()
            .zip(c.numeric.data())
            .zip(c.recorded.data())
            .enumerate()
        {
            let mut s = stats.borrow_mut();
            s.elements += 1;
            if rec.is_nan() != a.is_nan() {
                // The one documented difference; a NaN from `backward` alone is a bug.
                if a.is_nan() {
                    return Err(TestCaseError::fail(format!(
                        "recorded path {rec:e} vs backward {a:e} at input {i} element {j}"
                    )));
                }
                s.recorded_nans += 1;
            }
            let gap = (rec - a).abs();
            s.max_recorded_gap = s.max_recorded_gap.max(gap / a.abs().max(1.0));
            if gap > 1e-12 * a.abs().max(1.0) {
                return Err(TestCaseError::fail(format!(
                    "recorded path {rec:e} vs backward {a:e} at input {i} element {j}"
                )));
            }
            if close(a, n) {
                s.max_abs_err = s.max_abs_err.max((a - n).abs());
                s.max_tol_ratio = s.max_tol_ratio.max((a - n).abs() / (ATOL + RTOL * n.abs()));
                continue;
            }
            drop(s);
            let up = weighted(p, &w, &nudged(&inputs, i, j, EPS));
            let down = weighted(p, &w, &nudged(&inputs, i, j, -EPS));
            if kink(f0, up, down, n) {
                stats.borrow_mut().kink_skips += 1;
                skipped = true;
                continue;
            }
            return Err(TestCaseError::fail(format!(
                "backward {a:e} vs central difference {n:e} at input {i} element {j}"
            )));
        }
    }

    // Check 2: ⟨u, Jᵀv⟩ = ⟨J·u, v⟩.
    let u: Vec<Tensor<f64>> = inputs
        .iter()
        .enumerate()
        .map(|(i, x)| values(x.shape(), seed.wrapping_add(1000 + i as u64)).map(|v| v / 2.0))
        .collect();
    let v = values(&out_shape, seed ^ 0xface);
    let (ut_jv, exact_jv, forward_jv) = {
        let g = Graph::new();
        let xs: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
        let vv = g.tensor(v.clone());
        let y = p.eval(&xs);
        let s = (y * vv).sum();
        s.backward();
        let ut_jv: f64 = xs
            .iter()
            .zip(&u)
            .map(|(x, d)| {
                x.grad()
                    .data()
                    .iter()
                    .zip(d.data())
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
            })
            .sum();
        // J·u exactly: differentiate ⟨Jᵀv, u⟩ (recorded) with respect to v.
        let jt_v = g.grad(s, &xs);
        let mut t = g.constant(Tensor::scalar(0.0));
        for (gx, d) in jt_v.iter().zip(&u) {
            t += (*gx * g.constant(d.clone())).sum();
        }
        let ju = g.grad(t, &[vv])[0].value();
        let exact: f64 = ju.data().iter().zip(v.data()).map(|(a, b)| a * b).sum();
        // Check 4: J·u by forward mode.
        let seeds: Vec<_> = xs
            .iter()
            .zip(&u)
            .map(|(&x, d)| (x, g.constant(d.clone())))
            .collect();
        let ju = g.tangent(y, &seeds).value();
        let forward: f64 = ju.data().iter().zip(v.data()).map(|(a, b)| a * b).sum();
        (ut_jv, exact, forward)
    };
    let fu = |h: f64| weighted(p, &v, &moved(&inputs, &u, h));
    let (up, down) = (fu(EPS), fu(-EPS));
    let ju_v = (up - down) / (2.0 * EPS);
    let mut s = stats.borrow_mut();
    s.inner_products += 1;
    let exact_err = (exact_jv - ut_jv).abs() / ut_jv.abs().max(1.0);
    s.max_exact_inner_err = s.max_exact_inner_err.max(exact_err);
    if exact_err > 1e-10 {
        return Err(TestCaseError::fail(format!(
            "⟨u, Jᵀv⟩ = {ut_jv:e} but the recorded ⟨J·u, v⟩ = {exact_jv:e}"
        )));
    }
    if forward_jv.is_nan() && ut_jv.is_finite() && exact_jv.is_nan() {
        s.forward_nans += 1;
    } else {
        let forward_err = (forward_jv - ut_jv).abs() / ut_jv.abs().max(1.0);
        if forward_err.is_nan() || forward_err > 1e-10 {
            return Err(TestCaseError::fail(format!(
                "⟨u, Jᵀv⟩ = {ut_jv:e} but forward mode's ⟨J·u, v⟩ = {forward_jv:e}"
            )));
        }
        s.max_forward_err = s.max_forward_err.max(forward_err);
    }
    if close(ut_jv, ju_v) {
        s.max_inner_err = s
            .max_inner_err
            .max((ut_jv - ju_v).abs() / ju_v.abs().max(1.0));
    } else if kink(fu(0.0), up, down, ju_v) {
        s.inner_skips += 1;
        skipped = true;
    } else {
        return Err(TestCaseError::fail(format!(
            "⟨u, Jᵀv⟩ = {ut_jv:e} but ⟨J·u, v⟩ by central difference = {ju_v:e}"
        )));
    }
    s.graphs += 1;
    if skipped {
        s.graphs_with_skips += 1;
    }
    Ok(())
}

/// Runs `cases` random graphs from a fixed seed; panics with the minimal failing recipe.
fn run_batch(name: &str, seed: u8, cases: u32, max_steps: usize) -> Stats {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let stats = RefCell::new(Stats::default());
    let result = runner.run(&recipe(max_steps), |r| check_recipe(&r, &stats));
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    let s = stats.into_inner();
    print_stats(name, &s);
    s
}

fn print_stats(name: &str, s: &Stats) {
    println!(
        "{name}: {} graphs ({} inner-product checks), {:.1} values per program on average (max {}), \
         {:.1} tape nodes per graph (max {}); {} gradient elements; {} kink skips in {} graphs, \
         {} inner-product skips; largest |a-n| {:.2e} ({:.2e} of its tolerance at most); \
         largest recorded-vs-backward gap {:.2e} ({} recorded NaNs where backward skipped a \
         zero gradient); largest inner-product error {:.2e} (exact J·u: {:.2e}); \
         largest forward-mode error {:.2e} ({} forward-mode NaNs where backward skipped a zero \
         gradient)",
        s.graphs,
        s.inner_products,
        s.values as f64 / s.graphs.max(1) as f64,
        s.max_values,
        s.tape_nodes as f64 / s.graphs.max(1) as f64,
        s.max_tape_nodes,
        s.elements,
        s.kink_skips,
        s.graphs_with_skips,
        s.inner_skips,
        s.max_abs_err,
        s.max_tol_ratio,
        s.max_recorded_gap,
        s.recorded_nans,
        s.max_inner_err,
        s.max_exact_inner_err,
        s.max_forward_err,
        s.forward_nans,
    );
    let counts: Vec<String> = OP_NAMES
        .iter()
        .zip(&s.op_counts)
        .map(|(n, c)| format!("{n} {c}"))
        .collect();
    println!("{name}: instructions used: {}", counts.join(", "));
}

/// Asserts that a batch really exercised every instruction and checked what it claims.
fn assert_coverage(s: &Stats, cases: usize) {
    assert_eq!(s.graphs, cases, "every case was checked");
    for (n, c) in OP_NAMES.iter().zip(&s.op_counts) {
        assert!(*c > 0, "{n} never appeared in the random graphs");
    }
    // Kinks are rare; a flood of skips would mean the checks are not checking.
    assert!(
        s.kink_skips * 100 <= s.elements,
        "{} kink skips of {} elements",
        s.kink_skips,
        s.elements
    );
}

#[test]
fn random_graphs_batch_1_match_finite_differences() {
    let s = run_batch("batch 1", 1, 500, 24);
    assert_coverage(&s, 500);
}

#[test]
fn random_graphs_batch_2_match_finite_differences() {
    let s = run_batch("batch 2", 2, 500, 24);
    assert_coverage(&s, 500);
}

#[test]
fn random_graphs_batch_3_match_finite_differences() {
    let s = run_batch("batch 3", 3, 500, 24);
    assert_coverage(&s, 500);
}

#[test]
fn random_graphs_batch_4_match_finite_differences() {
    let s = run_batch("batch 4", 4, 500, 24);
    assert_coverage(&s, 500);
}

/// 100,000 graphs. Run with
/// `cargo test --release --test random_graphs -- --ignored --nocapture`.
#[test]
#[ignore = "100,000 graphs: 116 s in the test profile on a busy 2-core machine; run with --release -- --ignored"]
fn random_graphs_100k_match_finite_differences() {
    let s = run_batch("100k", 42, 100_000, 24);
    assert_coverage(&s, 100_000);
}

/// Checks the Hessian diagonal of one scalar graph: `g.grad` applied twice against central
/// differences of the `backward` gradient. Returns the largest |a − n| and the skips.
fn check_hessian(r: &Recipe, stats: &RefCell<HessStats>) -> Result<(), TestCaseError> {
    const H_EPS: f64 = 1e-5;
    let p = resolve(r);
    let inputs = p.inputs.clone();
    let w = values(p.out_shape(), r.seed ^ 0x5eed);
    // The `backward` gradient of ⟨y, w⟩ at `xs`, element j of input i.
    let grad_at = |xs_in: &[Tensor<f64>], i: usize, j: usize| -> f64 {
        let g = Graph::new();
        let xs: Vec<_> = xs_in.iter().map(|t| g.tensor(t.clone())).collect();
        (p.eval(&xs) * g.constant(w.clone())).sum().backward();
        xs[i].grad().data()[j]
    };
    let g = Graph::new();
    let xs: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
    let y = (p.eval(&xs) * g.constant(w.clone())).sum();
    let grads = g.grad(y, &xs);
    let mut skipped = false;
    for (i, x) in inputs.iter().enumerate() {
        for j in 0..x.len() {
            let mut onehot = Tensor::zeros(x.shape());
            onehot.data_mut()[j] = 1.0;
            let gij = (grads[i] * g.constant(onehot)).sum();
            let a = g.grad(gij, &[xs[i]])[0].value().data()[j];
            let up = grad_at(&nudged(&inputs, i, j, H_EPS), i, j);
            let down = grad_at(&nudged(&inputs, i, j, -H_EPS), i, j);
            let n = (up - down) / (2.0 * H_EPS);
            let mut s = stats.borrow_mut();
            s.elements += 1;
            if close(a, n) {
                s.max_abs_err = s.max_abs_err.max((a - n).abs());
                s.max_tol_ratio = s.max_tol_ratio.max((a - n).abs() / (ATOL + RTOL * n.abs()));
                continue;
            }
            let mid = grad_at(&inputs, i, j);
            let (right, left) = ((up - mid) / H_EPS, (mid - down) / H_EPS);
            if (right - left).abs() > ATOL + RTOL * n.abs() {
                s.kink_skips += 1;
                skipped = true;
                continue;
            }
            return Err(TestCaseError::fail(format!(
                "second derivative by g.grad twice {a:e} vs central difference of the gradient {n:e} at input {i} element {j}"
            )));
        }
    }
    let mut s = stats.borrow_mut();
    s.graphs += 1;
    s.graphs_with_skips += skipped as usize;
    Ok(())
}

#[derive(Default, Debug)]
struct HessStats {
    graphs: usize,
    elements: usize,
    kink_skips: usize,
    graphs_with_skips: usize,
    max_abs_err: f64,
    max_tol_ratio: f64,
}

#[test]
fn random_graphs_hessian_diagonal_matches_differences_of_the_gradient() {
    let config = Config {
        cases: 200,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let stats = RefCell::new(HessStats::default());
    if let Err(e) = runner.run(&recipe(16), |r| check_hessian(&r, &stats)) {
        panic!("hessian: {e}");
    }
    let s = stats.into_inner();
    println!(
        "hessian diagonal: {} graphs, {} second derivatives; {} kink skips in {} graphs; \
         largest |a-n| {:.2e} ({:.2e} of its tolerance at most)",
        s.graphs, s.elements, s.kink_skips, s.graphs_with_skips, s.max_abs_err, s.max_tol_ratio
    );
    assert_eq!(s.graphs, 200);
    assert!(s.kink_skips * 100 <= s.elements, "{s:?}");
}

// ---- The checker itself: it must be able to fail, and it must skip real kinks. ----

fn program(inputs: Vec<Tensor<f64>>, instrs: Vec<Instr>) -> Program {
    let g = Graph::new();
    let mut vs: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
    let mut shapes: Vec<Vec<usize>> = inputs.iter().map(|t| t.shape().to_vec()).collect();
    for ins in &instrs {
        let v = common::program::apply(ins, &vs);
        shapes.push(v.shape());
        vs.push(v);
    }
    Program {
        inputs,
        instrs,
        shapes,
    }
}

#[test]
fn checker_fails_when_the_gradient_ignores_a_path() {
    // y = x · detach(x): backward gives x, the finite differences see 2x.
    let x = Tensor::from_vec(vec![0.5, -1.5], &[2]).unwrap();
    let p = program(vec![x], vec![Instr::RawDetach(0), Instr::Mul(0, 1)]);
    let stats = RefCell::new(Stats::default());
    let err = check_program(&p, 1, &stats).unwrap_err();
    assert!(err.to_string().contains("central difference"), "{err}");
}

#[test]
fn checker_passes_a_frozen_detach() {
    let x = Tensor::from_vec(vec![0.5, -1.5], &[2]).unwrap();
    let p = program(
        vec![x],
        vec![Instr::Detach(0, vec![0.5, -1.5]), Instr::Mul(0, 1)],
    );
    let stats = RefCell::new(Stats::default());
    check_program(&p, 1, &stats).unwrap();
    assert_eq!(stats.borrow().kink_skips, 0);
}

#[test]
fn checker_skips_and_counts_a_kink() {
    // max along an axis at an exact tie: the gradient goes to the first entry (1, 0), while
    // the central differences see ½ for each, and the one-sided ones 1 and 0: a kink.
    let x = Tensor::from_vec(vec![1.0, 1.0], &[2]).unwrap();
    let p = program(vec![x], vec![Instr::MaxKeepdim(0, 0)]);
    let stats = RefCell::new(Stats::default());
    check_program(&p, 3, &stats).unwrap();
    assert_eq!(stats.borrow().kink_skips, 2, "{:?}", stats.borrow());
}

// ---- Regressions: minimal recipes that once failed, kept as they shrank. ----

/// Shrunk from the Hessian batch: ½‖detach(x) − x‖² is exactly 0 at the base point, so
/// `abs` saw an exact 0, where abs'(0) = 0 made the second derivative 0 although |v| = v is
/// smooth there (v ≥ 0). The generator now moves kink operands off their kink.
#[test]
fn regression_abs_at_an_exact_zero_is_moved_off_the_kink() {
    let r = Recipe {
        seed: 0,
        inputs: vec![2],
        steps: vec![
            Step {
                op: 27,
                a: 0,
                b: 0,
                k: 19,
            },
            Step {
                op: 38,
                a: 5715,
                b: 549,
                k: 20,
            },
            Step {
                op: 8,
                a: 2129,
                b: 0,
                k: 185,
            },
        ],
    };
    let p = resolve(&r);
    let abs_arg = p
        .instrs
        .iter()
        .find_map(|i| match i {
            Instr::Abs(a) => Some(*a),
            _ => None,
        })
        .expect("the recipe takes an abs");
    assert!(matches!(
        p.instrs[abs_arg - p.inputs.len()],
        Instr::Shift(..)
    ));
    let stats = RefCell::new(HessStats::default());
    check_hessian(&r, &stats).unwrap();
    check_recipe(&r, &RefCell::new(Stats::default())).unwrap();
}
