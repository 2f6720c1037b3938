//! Unbounded depth (a 10^7-node chain on a 1 MiB stack) and bitwise-reproducible gradients:
//! the same graph twice, a rebuilt graph, a separate process, and bits pinned in this file.

use std::process::Command;
use tapegrad::nn::{cross_entropy, mse};
use tapegrad::{Graph, Tensor, Var};

/// A 10^7-node chain, built, differentiated and dropped on a thread with a 1 MiB stack: no
/// recursion anywhere (`tests/engine.rs` runs 10^6 in the default suite). Its peak memory
/// (the ignore reason gives the measured figure) is too much to share a CI machine with the
/// other tests, so it is ignored; run with
/// `cargo test --release --test depth_and_determinism -- --ignored`.
#[test]
#[ignore = "10^7 nodes: 472 MB peak RSS, 5 s in the test profile; run with --release -- --ignored"]
fn ten_million_node_chain_on_a_1_mib_stack() {
    let steps = 3_333_333; // three nodes per step, plus the leaf: 10^7 nodes
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let g = Graph::new();
            let x0 = g.scalar(0.5);
            let mut x = x0;
            for _ in 0..steps {
                x = (0.9 * x + 0.1).tanh();
            }
            x.backward();
            let (grad, nodes) = (x0.grad().item(), g.len());
            drop(g);
            (grad, nodes)
        })
        .expect("spawn");
    let (grad, nodes) = handle
        .join()
        .expect("the chain must not overflow the stack");
    assert_eq!(nodes, 10_000_000);
    // The product of 3.3·10^6 factors below 0.9 underflows, but not to 0: once it reaches
    // the smallest subnormal (5e-324), multiplying by a factor above ½ rounds back to it.
    assert!((0.0..f64::MIN_POSITIVE).contains(&grad), "{grad:e}");
}

/// Deterministic values in [-1, 1) from a seed (an LCG: the same on every platform).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

fn tensor(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::from_vec(values(shape.iter().product(), seed), shape).unwrap()
}

/// FNV-1a over the bits of every gradient.
fn fingerprint(grads: &[Tensor<f64>]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in grads {
        for x in t.data() {
            for byte in x.to_bits().to_le_bytes() {
                h ^= byte as u64;
                h = h.wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    h
}

/// A graph of only correctly rounded operations (+ − × ÷ √, sums, max, gather), whose bits
/// are therefore the same on every IEEE-754 machine: its gradient fingerprint is pinned below.
fn exact_graph<'g>(_g: &'g Graph, xs: &[Var<'g>]) -> Var<'g> {
    let (a, b, c) = (xs[0], xs[1], xs[2]);
    let h = (a * b + c) / (b * b + 0.5); // [4, 3] with [3] and [4, 1]
    let m = h.max_keepdim(1) + h.sum_keepdim(0).sqrt_abs(); // [4, 1] + [1, 3]
    let picked = m.gather(1, &[2, 0, 1, 2]);
    (picked * a.sum_to(&[4, 1])).sum() + (m * m).mean()
}

trait SqrtAbs {
    fn sqrt_abs(self) -> Self;
}

impl SqrtAbs for Var<'_> {
    /// √(|x| + 1): exact operations only.
    fn sqrt_abs(self) -> Self {
        (self.abs() + 1.0).sqrt()
    }
}

fn exact_inputs() -> Vec<Tensor<f64>> {
    vec![tensor(&[4, 3], 1), tensor(&[3], 2), tensor(&[4, 1], 3)]
}

/// A training-like graph: threaded GEMM (128-wide), tanh, exp and ln through softmax and
/// cross-entropy. Its bits may differ between CPUs (the GEMM kernel uses FMA where the CPU
/// has it) but never between runs on one machine.
fn mlp_graph<'g>(g: &'g Graph, xs: &[Var<'g>]) -> Var<'g> {
    let (x, w1, b1, w2) = (xs[0], xs[1], xs[2], xs[3]);
    let h = (x.matmul(w1) + b1).tanh(); // [128, 128]: m·k + k·n = 2^15, two GEMM threads
    let logits = h.matmul(w2); // [128, 10]
    let classes: Vec<usize> = (0..128).map(|i| (i * 7) % 10).collect();
    let target = g.constant(Tensor::zeros(&[128, 10]));
    cross_entropy(logits, &classes) + mse(logits.softmax(1), target) + h.sigmoid().mean()
}

fn mlp_inputs() -> Vec<Tensor<f64>> {
    vec![
        tensor(&[128, 128], 11),
        tensor(&[128, 128], 12).map(|v| v / 8.0),
        tensor(&[128], 13),
        tensor(&[128, 10], 14).map(|v| v / 8.0),
    ]
}

/// A function under test: builds its output from the leaves on a graph.
type GraphFn = for<'g> fn(&'g Graph, &[Var<'g>]) -> Var<'g>;

/// Builds `f` on a fresh graph and returns every input's gradient, twice on the same graph
/// (asserting the two agree bit for bit).
fn gradients(f: GraphFn, inputs: &[Tensor<f64>]) -> Vec<Tensor<f64>> {
    let g = Graph::new();
    let xs: Vec<_> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
    let y = f(&g, &xs);
    y.backward();
    let first: Vec<_> = xs.iter().map(|x| x.grad()).collect();
    y.backward();
    let second: Vec<_> = xs.iter().map(|x| x.grad()).collect();
    assert_eq!(
        fingerprint(&first),
        fingerprint(&second),
        "backward twice on one graph"
    );
    first
}

#[test]
fn backward_is_bitwise_identical_on_the_same_and_a_rebuilt_graph() {
    let cases: [(GraphFn, Vec<Tensor<f64>>); 2] =
        [(exact_graph, exact_inputs()), (mlp_graph, mlp_inputs())];
    for (f, inputs) in cases {
        let a = gradients(f, &inputs);
        let b = gradients(f, &inputs);
        assert_eq!(fingerprint(&a), fingerprint(&b), "a rebuilt graph");
        assert!(a.iter().all(|t| t.data().iter().all(|v| v.is_finite())));
    }
}

/// The exact graph's gradient bits, recorded when this test was written. Any change to the
/// order of operations in a kernel or backward rule shows up here.
const EXACT_FINGERPRINT: u64 = 0xc168_40ba_1162_f797;

#[test]
fn backward_matches_bits_recorded_in_this_file() {
    let grads = gradients(exact_graph, &exact_inputs());
    // The pinned bits are right, not just stable: they match finite differences.
    tapegrad::gradcheck::gradcheck(exact_graph, &exact_inputs(), 1e-6).assert_ok();
    let got = fingerprint(&grads);
    assert_eq!(
        &grads[0].data()[..3],
        &[1.553435021922713, 1.627525468808356, 2.505446076359493]
    );
    assert_eq!(got, EXACT_FINGERPRINT, "gradient bits changed: {got:#018x}");
}

/// Prints the training graph's fingerprint; run in a child process by the next test.
#[test]
fn child_prints_mlp_fingerprint() {
    let fp = fingerprint(&gradients(mlp_graph, &mlp_inputs()));
    println!("MLP-FINGERPRINT {fp:#018x}");
}

#[test]
fn backward_bits_are_the_same_in_another_process() {
    let here = fingerprint(&gradients(mlp_graph, &mlp_inputs()));
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "child_prints_mlp_fingerprint",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let there = stdout
        .split("MLP-FINGERPRINT ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no fingerprint in the child's output:\n{stdout}"));
    assert_eq!(there, format!("{here:#018x}"));
}
