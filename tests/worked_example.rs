//! The tutorial's 2-2-2 network, figure by figure, against `tests/fixtures/worked_example.md`
//! (a copy of the tutorial's figures computed at 40 digits).

use std::collections::HashMap;
#[path = "../examples/common/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;
use tapegrad::{Graph, Tensor};
use tutorial::{LEARNING_RATE, Network};

/// The fixture's tables: (section heading, quantity) → value.
fn fixture() -> HashMap<(String, String), f64> {
    let text = include_str!("fixtures/worked_example.md");
    let mut section = String::new();
    let mut out = HashMap::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
        } else if let Some(row) = line.strip_prefix('|') {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            if cells.len() >= 2 {
                if let Ok(v) = cells[1].replace('−', "-").parse::<f64>() {
                    out.insert((section.clone(), cells[0].to_string()), v);
                }
            }
        }
    }
    out
}

fn want(f: &HashMap<(String, String), f64>, section: &str, key: &str) -> f64 {
    *f.get(&(section.to_string(), key.to_string()))
        .unwrap_or_else(|| panic!("fixture has no '{key}' in '{section}'"))
}

#[track_caller]
fn close(got: f64, want: f64, rel: f64, what: &str) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        err <= rel,
        "{what}: got {got:e}, want {want:e} (relative error {err:.2e})"
    );
}

const FORWARD: &str = "Forward pass";
const BACKWARD: &str = "Backward pass (gradients of E_total)";
const UPDATE: &str = "After the first update (learning rate 0.5)";
const TRAINED: &str = "After 10,000 updates (same rule, biases fixed, f64)";

#[test]
fn fixture_parses_every_table() {
    let f = fixture();
    assert_eq!(f.len(), 9 + 15 + 9 + 3, "{f:?}");
}

#[test]
fn forward_pass_matches_every_figure() {
    let f = fixture();
    let g = Graph::new();
    let p = Network::default().forward(&g);
    let rows = [
        ("net_h1", p.net_h[0]),
        ("net_h2", p.net_h[1]),
        ("out_h1", p.out_h[0]),
        ("out_h2", p.out_h[1]),
        ("net_o1", p.net_o[0]),
        ("net_o2", p.net_o[1]),
        ("out_o1", p.out_o[0]),
        ("out_o2", p.out_o[1]),
        ("E_total", p.e_total),
    ];
    for (key, v) in rows {
        close(v.item(), want(&f, FORWARD, key), 1e-12, key);
    }
}

#[test]
fn every_gradient_matches_the_tutorial() {
    let f = fixture();
    let g = Graph::new();
    let p = Network::default().forward(&g);
    p.e_total.backward();
    let rows = [
        ("∂E/∂out_o1", p.out_o[0]),
        ("∂E/∂net_o1", p.net_o[0]),
        ("∂E/∂net_o2", p.net_o[1]),
        ("∂E/∂out_h1", p.out_h[0]),
        ("∂E/∂out_h2", p.out_h[1]),
    ];
    for (key, v) in rows {
        close(v.grad().item(), want(&f, BACKWARD, key), 1e-12, key);
    }
    for k in 0..8 {
        let key = format!("∂E/∂w{}", k + 1);
        close(p.w[k].grad().item(), want(&f, BACKWARD, &key), 1e-12, &key);
    }
    // The loss's own gradient reads 1.
    assert_eq!(p.e_total.grad().item(), 1.0);
}

#[test]
fn chain_rule_factors_for_w5() {
    // ∂E/∂w5 = ∂E/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5, each factor a local derivative
    // taken with the recorded path.
    let f = fixture();
    let g = Graph::new();
    let p = Network::default().forward(&g);
    let d_e_out = g.grad(p.e_total, &[p.out_o[0]])[0].item();
    let d_out_net = g.grad(p.out_o[0], &[p.net_o[0]])[0].item();
    let d_net_w5 = g.grad(p.net_o[0], &[p.w[4]])[0].item();
    close(
        d_e_out,
        want(&f, BACKWARD, "∂E/∂out_o1"),
        1e-12,
        "∂E/∂out_o1",
    );
    close(
        d_out_net,
        want(&f, BACKWARD, "∂out_o1/∂net_o1"),
        1e-12,
        "∂out_o1/∂net_o1",
    );
    close(
        d_net_w5,
        want(&f, BACKWARD, "∂net_o1/∂w5 (= out_h1)"),
        1e-12,
        "∂net_o1/∂w5",
    );
    close(
        d_e_out * d_out_net * d_net_w5,
        want(&f, BACKWARD, "∂E/∂w5"),
        1e-12,
        "product",
    );
}

#[test]
fn first_update_matches_the_tutorial() {
    let f = fixture();
    let mut net = Network::default();
    let mut g = Graph::new();
    net.step(&mut g, LEARNING_RATE);
    for k in 0..8 {
        let key = format!("w{}", k + 1);
        close(net.w[k], want(&f, UPDATE, &key), 1e-12, &key);
    }
    assert_eq!(net.b, [0.35, 0.60], "biases stay fixed");
    g.clear();
    let e = net.forward(&g).e_total.item();
    close(
        e,
        want(&f, UPDATE, "E_total (new forward pass)"),
        1e-12,
        "E_total after one step",
    );
}

#[test]
fn ten_thousand_steps_match_the_reference_run() {
    let f = fixture();
    let mut net = Network::default();
    let mut g = Graph::new();
    for _ in 0..10_000 {
        net.step(&mut g, LEARNING_RATE);
    }
    g.clear();
    let p = net.forward(&g);
    close(
        p.e_total.item(),
        want(&f, TRAINED, "E_total"),
        1e-9,
        "E_total",
    );
    close(
        p.out_o[0].item(),
        want(&f, TRAINED, "out_o1"),
        1e-9,
        "out_o1",
    );
    close(
        p.out_o[1].item(),
        want(&f, TRAINED, "out_o2"),
        1e-9,
        "out_o2",
    );
}

#[test]
fn matrix_form_gives_the_same_gradients() {
    // h = σ(W1·i + b1), o = σ(W2·h + b2), with W1 = [[w1, w2], [w3, w4]],
    // W2 = [[w5, w6], [w7, w8]], i a column, and each bias one scalar broadcast to both rows.
    let g = Graph::new();
    let t = |v: Vec<f64>, s: &[usize]| Tensor::from_vec(v, s).unwrap();
    let w1 = g.tensor(t(vec![0.15, 0.20, 0.25, 0.30], &[2, 2]));
    let w2 = g.tensor(t(vec![0.40, 0.45, 0.50, 0.55], &[2, 2]));
    let (b1, b2) = (g.scalar(0.35), g.scalar(0.60));
    let i = g.constant(t(vec![0.05, 0.10], &[2, 1]));
    let target = g.constant(t(vec![0.01, 0.99], &[2, 1]));
    let h = (w1.matmul(i) + b1).sigmoid();
    let o = (w2.matmul(h) + b2).sigmoid();
    let e = 0.5 * (target - o).powi(2).sum();
    e.backward();

    let s = Graph::new();
    let p = Network::default().forward(&s);
    p.e_total.backward();
    close(e.item(), p.e_total.item(), 1e-14, "E_total");
    let scalar_w: Vec<f64> = p.w.iter().map(|w| w.grad().item()).collect();
    let matrix_w: Vec<f64> = [w1.grad().into_vec(), w2.grad().into_vec()].concat();
    for k in 0..8 {
        close(matrix_w[k], scalar_w[k], 1e-12, &format!("∂E/∂w{}", k + 1));
    }
    close(b1.grad().item(), p.b[0].grad().item(), 1e-12, "∂E/∂b1");
    close(b2.grad().item(), p.b[1].grad().item(), 1e-12, "∂E/∂b2");
}

#[test]
fn f32_tape_gives_the_forward_values_to_1e6() {
    let f = fixture();
    let g = Graph::<f32>::default();
    let s = |x: f64| g.scalar(x as f32);
    let (i1, i2) = (s(0.05), s(0.10));
    let w: Vec<_> = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
        .map(s)
        .to_vec();
    let (b1, b2) = (s(0.35), s(0.60));
    let out_h1 = (w[0] * i1 + w[1] * i2 + b1).sigmoid();
    let out_h2 = (w[2] * i1 + w[3] * i2 + b1).sigmoid();
    let out_o1 = (w[4] * out_h1 + w[5] * out_h2 + b2).sigmoid();
    let out_o2 = (w[6] * out_h1 + w[7] * out_h2 + b2).sigmoid();
    let e = 0.5 * (0.01 - out_o1).powi(2) + 0.5 * (0.99 - out_o2).powi(2);
    e.backward();
    for (key, v) in [
        ("out_h1", out_h1),
        ("out_h2", out_h2),
        ("out_o1", out_o1),
        ("out_o2", out_o2),
        ("E_total", e),
    ] {
        close(v.item() as f64, want(&f, FORWARD, key), 1e-6, key);
    }
    close(
        w[4].grad().item() as f64,
        want(&f, BACKWARD, "∂E/∂w5"),
        1e-5,
        "∂E/∂w5 in f32",
    );
}
