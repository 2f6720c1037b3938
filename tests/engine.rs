//! The engine's contract, one semantic each: what `backward` fills in, how gradients
//! accumulate and broadcast, what `g.grad` returns, how misuse fails, and how deep a graph
//! can go.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use tapegrad::{Graph, Tensor};

fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape).unwrap()
}

#[test]
fn every_node_has_a_gradient_after_backward() {
    // y = (a·b + a)², a = 2, b = 3: u = a·b + a = 8, y = 64.
    // dy/du = 2u = 16; dy/d(a·b) = 16; dy/da = 16·(b + 1) = 64; dy/db = 16·a = 32.
    let g = Graph::new();
    let (a, b) = (g.scalar(2.0), g.scalar(3.0));
    let ab = a * b;
    let u = ab + a;
    let y = u.powi(2);
    y.backward();
    assert_eq!(y.grad().item(), 1.0, "the output reads 1");
    assert_eq!(u.grad().item(), 16.0);
    assert_eq!(ab.grad().item(), 16.0);
    assert_eq!(a.grad().item(), 64.0);
    assert_eq!(b.grad().item(), 32.0);
}

#[test]
fn reused_node_accumulates() {
    // b = a + a, c = b + b: dc/da = 4.
    let g = Graph::new();
    let a = g.scalar(0.7);
    let b = a + a;
    let c = b + b;
    c.backward();
    assert_eq!(a.grad().item(), 4.0);
}

#[test]
fn unreached_leaf_reads_zeros_of_its_shape() {
    let g = Graph::new();
    let x = g.scalar(1.0);
    let lonely = g.tensor(Tensor::ones(&[2, 3]));
    let _after = x * 5.0; // created after, not on the path either
    let y = x.exp();
    y.backward();
    assert_eq!(lonely.grad(), Tensor::zeros(&[2, 3]));
    assert_eq!(_after.grad().item(), 0.0);
}

#[test]
fn grad_before_backward_reads_zeros() {
    let g = Graph::new();
    let x = g.tensor(Tensor::ones(&[3]));
    assert_eq!(x.grad(), Tensor::zeros(&[3]));
}

#[test]
fn backward_is_idempotent() {
    let g = Graph::new();
    let x = g.tensor(t(&[0.5, -1.0], &[2]));
    let y = (x * x).sum();
    y.backward();
    let first = x.grad();
    y.backward();
    assert_eq!(
        x.grad(),
        first,
        "a second backward must not double the gradients"
    );
    assert_eq!(first.data(), &[1.0, -2.0]);
}

#[test]
fn backward_from_another_output_resets_the_gradients() {
    let g = Graph::new();
    let x = g.scalar(3.0);
    let y1 = x * x; // dy1/dx = 6
    let y2 = 2.0 * x; // dy2/dx = 2
    y1.backward();
    assert_eq!(x.grad().item(), 6.0);
    y2.backward();
    assert_eq!(x.grad().item(), 2.0);
    assert_eq!(y1.grad().item(), 0.0, "y1 does not reach y2");
}

#[test]
fn broadcast_gradients_sum_back_to_each_input_shape() {
    let g = Graph::new();
    // [3,1] + [1,4] -> [3,4]: each a[i] is used 4 times, each b[j] 3 times.
    let a = g.tensor(t(&[1.0, 2.0, 3.0], &[3, 1]));
    let b = g.tensor(t(&[1.0, 2.0, 3.0, 4.0], &[1, 4]));
    (a + b).sum().backward();
    assert_eq!(
        (a.grad().shape(), a.grad().data()),
        (&[3, 1][..], &[4.0; 3][..])
    );
    assert_eq!(
        (b.grad().shape(), b.grad().data()),
        (&[1, 4][..], &[3.0; 4][..])
    );

    // [] * [2,3]: ds/dc = Σ m = 21; ds/dm = c everywhere.
    let c = g.scalar(2.0);
    let m = g.tensor(t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]));
    (c * m).sum().backward();
    assert_eq!(c.grad().item(), 21.0);
    assert_eq!(m.grad().data(), &[2.0; 6]);

    // [2,3] + [3]: the row vector collects both rows.
    let v = g.tensor(t(&[1.0, 1.0, 1.0], &[3]));
    (m + v).powi(2).sum().backward();
    // d/dv Σ (m + v)² = Σ over rows of 2(m + v) = 2·[(2+5), (3+6), (4+7)].
    assert_eq!(v.grad().data(), &[14.0, 18.0, 22.0]);
}

#[test]
fn grad_returns_differentiable_nodes() {
    // y = x³ at x = 2: y' = 3x² = 12, y'' = 6x = 12, y''' = 6.
    let g = Graph::new();
    let x = g.scalar(2.0);
    let y = x.powi(3);
    let d1 = g.grad(y, &[x])[0];
    let d2 = g.grad(d1, &[x])[0];
    let d3 = g.grad(d2, &[x])[0];
    assert_eq!((d1.item(), d2.item(), d3.item()), (12.0, 12.0, 6.0));
}

#[test]
fn mixed_partials_through_grad() {
    // f = x²·y + e^(x·y) at (1, 2). ∂²f/∂x∂y = 2x + e^(xy)(1 + xy) = 2 + 3e².
    let g = Graph::new();
    let (x, y) = (g.scalar(1.0), g.scalar(2.0));
    let f = x * x * y + (x * y).exp();
    let fx = g.grad(f, &[x])[0];
    let fxy = g.grad(fx, &[y])[0];
    let want = 2.0 + 3.0 * 2.0f64.exp();
    assert!(
        (fxy.item() - want).abs() < 1e-12,
        "{} vs {want}",
        fxy.item()
    );
}

#[test]
fn grad_leaves_backward_gradients_alone_and_zeros_the_unreached() {
    let g = Graph::new();
    let (x, z) = (g.scalar(3.0), g.scalar(5.0));
    let y = x * x;
    y.backward();
    let grads = g.grad(y, &[x, z]);
    assert_eq!(grads[0].item(), 6.0);
    assert_eq!(grads[1].item(), 0.0, "z does not reach y");
    assert_eq!(x.grad().item(), 6.0, "eager gradients unchanged");
}

#[test]
fn hessian_of_a_tensor_function_via_grad_then_backward() {
    // f(x) = Σ xᵢ³, ∇f = 3x², and ∂/∂x Σ ∇f = 6x.
    let g = Graph::new();
    let x = g.tensor(t(&[1.0, -2.0, 0.5], &[3]));
    let f = x.powi(3).sum();
    let df = g.grad(f, &[x])[0];
    assert_eq!(df.value().data(), &[3.0, 12.0, 0.75]);
    df.sum().backward();
    assert_eq!(x.grad().data(), &[6.0, -12.0, 3.0]);
}

#[test]
fn constants_get_no_gradient_work() {
    let g = Graph::new();
    let c = g.constant(t(&[1.0, 2.0], &[2]));
    let x = g.tensor(t(&[3.0, 4.0], &[2]));
    (c * x).sum().backward();
    assert_eq!(c.grad(), Tensor::zeros(&[2]));
    assert_eq!(x.grad().data(), &[1.0, 2.0]);
}

#[test]
fn clear_keeps_the_graph_usable() {
    let mut g = Graph::new();
    for k in 0..3 {
        g.clear();
        let x = g.scalar(k as f64);
        let y = x * x;
        y.backward();
        assert_eq!(x.grad().item(), 2.0 * k as f64);
        assert_eq!(g.len(), 2);
    }
}

/// Runs `f`, expecting a panic; returns its message and the file it was raised from.
fn panic_of(f: impl FnOnce()) -> (String, String) {
    let location = Arc::new(Mutex::new(String::new()));
    let seen = location.clone();
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        *seen.lock().unwrap() = info
            .location()
            .map(|l| l.file().to_string())
            .unwrap_or_default();
    }));
    let err = panic::catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    panic::set_hook(previous);
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    let file = location.lock().unwrap().clone();
    (msg, file)
}

/// A misuse case: the message it must raise, and the code that raises it.
type Case = (&'static str, Box<dyn FnOnce()>);

/// Panic hooks are process-wide: the misuse cases run in one test so they do not race.
#[test]
fn misuse_panics_at_the_callers_line_naming_op_and_shapes() {
    let cases: Vec<Case> = vec![
        (
            "matmul: [2, 3] and [4, 5] cannot be multiplied",
            Box::new(|| {
                let g = Graph::new();
                let _ = g
                    .tensor(Tensor::zeros(&[2, 3]))
                    .matmul(g.tensor(Tensor::zeros(&[4, 5])));
            }),
        ),
        (
            "add: shapes [2, 3] and [4] do not broadcast",
            Box::new(|| {
                let g = Graph::new();
                let _ = g.tensor(Tensor::zeros(&[2, 3])) + g.tensor(Tensor::zeros(&[4]));
            }),
        ),
        (
            "backward: the output has shape [2, 2]",
            Box::new(|| {
                let g = Graph::new();
                g.tensor(Tensor::zeros(&[2, 2])).backward();
            }),
        ),
        (
            "mul: inputs come from different graphs",
            Box::new(|| {
                let (g1, g2) = (Graph::new(), Graph::new());
                let _ = g1.scalar(1.0) * g2.scalar(2.0);
            }),
        ),
        (
            "reshape: cannot reshape [2, 3] (6 elements) to [5] (5 elements)",
            Box::new(|| {
                let g = Graph::new();
                let _ = g.tensor(Tensor::zeros(&[2, 3])).reshape(&[5]);
            }),
        ),
    ];
    for (want, f) in cases {
        let (msg, file) = panic_of(f);
        assert!(msg.contains(want), "message {msg:?} lacks {want:?}");
        assert!(
            file.ends_with("engine.rs"),
            "{want}: raised in {file}, not at the caller's line"
        );
    }
}

#[test]
fn tensor_from_vec_with_wrong_length_is_an_error_naming_both_numbers() {
    let err = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0], &[2, 2]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("3 elements") && msg.contains("needs 4"),
        "{msg}"
    );
    let _: &dyn std::error::Error = &err;
}

#[test]
fn million_node_chain_on_a_1_mib_stack() {
    // x ← tanh(0.9x + 0.1), 10⁶ times: 3·10⁶ nodes, built, differentiated and dropped with
    // no recursion anywhere.
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let g = Graph::new();
            let x0 = g.scalar(0.5);
            let mut x = x0;
            for _ in 0..1_000_000 {
                x = (0.9 * x + 0.1).tanh();
            }
            x.backward();
            let grad = x0.grad().item();
            let nodes = g.len();
            drop(g);
            (grad, nodes)
        })
        .unwrap();
    let (grad, nodes) = handle
        .join()
        .expect("the chain must not overflow the stack");
    assert_eq!(nodes, 3_000_001);
    assert!(grad.is_finite() && grad >= 0.0);
}

#[test]
fn chain_of_200_matches_the_reference_gradient() {
    // peers.md: at N = 200 the gradient dx_N/dx_0 is 4.757157901360283e-35.
    let g = Graph::new();
    let x0 = g.scalar(0.5);
    let mut x = x0;
    for _ in 0..200 {
        x = (0.9 * x + 0.1).tanh();
    }
    x.backward();
    let got = x0.grad().item();
    let want = 4.757157901360283e-35;
    assert!(((got - want) / want).abs() < 1e-12, "{got:e}");
}

#[test]
fn f32_tape_works_end_to_end() {
    let g = Graph::<f32>::default();
    let x = g.tensor(Tensor::from_vec(vec![1.0f32, 2.0], &[2]).unwrap());
    let y = (x * x).sum().sqrt(); // |x| = √5; d|x|/dx = x/|x|
    y.backward();
    let n = 5.0f32.sqrt();
    assert!((y.item() - n).abs() < 1e-6);
    assert!((x.grad().data()[1] - 2.0 / n).abs() < 1e-6);
}

#[test]
fn a_zero_gradient_sends_nothing_so_a_masked_infinite_slope_stays_finite() {
    // y = √x · step(x − 1) + 3x at x = 0. The mask is 0, so y = 3x near 0 and dy/dx = 3.
    // The √ node's gradient is 0 · ... = 0, and its slope 1/(2√x) is ∞ at 0: sending
    // 0 · ∞ would make x's gradient NaN. Checked on an all-scalar tape and on one that also
    // holds a tensor (the two backward passes).
    for with_tensor in [false, true] {
        let g = Graph::new();
        if with_tensor {
            g.tensor(Tensor::ones(&[2]));
        }
        let x = g.scalar(0.0);
        let root = x.sqrt();
        let y = root * (x - 1.0).step() + x * 3.0;
        y.backward();
        assert_eq!(
            x.grad().item(),
            3.0,
            "with a tensor on the tape: {with_tensor}"
        );
        assert_eq!(root.grad().item(), 0.0);
    }
}

#[test]
fn both_backward_passes_give_the_same_bits_on_scalar_graphs() {
    // Random scalar graphs with zeros, kinks and infinite slopes, differentiated on an
    // all-scalar tape (plain-number gradients) and on the same tape with a tensor on it
    // (tensor gradients): every node's gradient must match to the bit, NaN and ∞ included.
    // Only signs that carry no meaning may differ: a zero's (the all-scalar pass reads every
    // zero as +0) and a NaN's.
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % n
    };
    for _ in 0..300 {
        let plan: Vec<(u64, u64, u64)> = (0..40).map(|_| (next(12), next(64), next(64))).collect();
        let run = |with_tensor: bool| {
            let g = Graph::new();
            if with_tensor {
                g.tensor(Tensor::ones(&[2]));
            }
            let mut v = vec![g.scalar(0.0), g.scalar(-0.0), g.scalar(1.5), g.scalar(-2.0)];
            for &(op, i, j) in &plan {
                let (a, b) = (v[i as usize % v.len()], v[j as usize % v.len()]);
                v.push(match op {
                    0 => a + b,
                    1 => a - b,
                    2 => a * b,
                    3 => a.relu(),
                    4 => a.step(),
                    5 => a.abs().sqrt(),
                    6 => a.tanh(),
                    7 => a * 0.0,
                    8 => -a,
                    9 => a.sign(),
                    10 => a.powi(2),
                    _ => a.scale(-0.5).shift(1.0),
                });
            }
            let y = v[v.len() - 1] + v[v.len() - 2] * v[v.len() - 3];
            y.backward();
            // + 0.0 turns −0 into +0 and leaves every other number as it is.
            let bits = |d: f64| if d.is_nan() { f64::NAN } else { d + 0.0 }.to_bits();
            v.iter()
                .map(|n| bits(n.grad().item()))
                .collect::<Vec<u64>>()
        };
        assert_eq!(run(false), run(true), "plan {plan:?}");
    }
}
