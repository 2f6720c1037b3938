//! Where a NaN came from (`backward_checked`, `check_values`, checked mode) and gradient
//! hooks (`on_grad`).

use std::cell::RefCell;
use std::rc::Rc;
use tapegrad::{Error, Graph, Tensor};

/// The node, op, name and bad element an error reports.
fn culprit(e: Error) -> (&'static str, usize, &'static str, Option<String>, f64) {
    match e {
        Error::NonFiniteNode {
            side,
            node,
            op,
            name,
            bad,
            ..
        } => (side, node, op, name, bad),
        other => panic!("expected NonFiniteNode, got {other:?}"),
    }
}

#[test]
fn ln_of_zero_times_zero_is_reported_at_the_ln() {
    let g = Graph::new();
    let x = g.scalar(0.0).named("x");
    let l = x.ln().named("log x");
    let y = (l * 0.0).sum(); // −∞ · 0 = NaN
    let (side, node, op, name, bad) = culprit(y.backward_checked().unwrap_err());
    assert_eq!((side, node, op), ("value", l.id(), "ln"));
    assert_eq!((name.as_deref(), bad), (Some("log x"), f64::NEG_INFINITY));
}

#[test]
fn zero_over_zero_through_a_sigmoid_is_reported_at_the_div_with_its_line() {
    let g = Graph::checked();
    let x = g.scalar(0.0).named("x");
    let line = line!() + 1;
    let q = x / x;
    let y = q.sigmoid();
    let err = y.backward_checked().unwrap_err();
    let text = err.to_string();
    let (side, node, op, _, bad) = culprit(err);
    assert_eq!((side, node, op), ("value", q.id(), "div"));
    assert!(bad.is_nan());
    assert!(
        text.contains(&format!("{}:{line}:", file!())),
        "the message names the line that recorded the div: {text}"
    );
    assert!(text.contains("inputs: x in [0, 0], x in [0, 0]"), "{text}");
}

#[test]
fn a_nan_weight_is_reported_at_the_leaf() {
    let g = Graph::new();
    let w = g
        .tensor(Tensor::from_vec(vec![1.0, f64::NAN], &[2]).unwrap())
        .named("w");
    let x = g.constant(Tensor::from_vec(vec![2.0, 3.0], &[2]).unwrap());
    let y = (w * x).tanh().sum();
    let (side, node, op, name, bad) = culprit(y.backward_checked().unwrap_err());
    assert_eq!((side, node, op), ("value", w.id(), "leaf"));
    assert!(bad.is_nan());
    assert_eq!(name.as_deref(), Some("w"));
    assert!(g.check_values().is_err());
}

#[test]
fn an_infinite_gradient_is_reported_at_the_first_node_it_reaches() {
    // y = √x · 3 at x = 0: every value is finite, ∂y/∂x = 3/(2√x) = +∞.
    let g = Graph::new();
    let x = g.scalar(0.0).named("x");
    let y = x.sqrt() * 3.0;
    let (side, node, op, name, bad) = culprit(y.backward_checked().unwrap_err());
    assert_eq!(
        (side, node, op, bad),
        ("gradient", x.id(), "leaf", f64::INFINITY)
    );
    assert_eq!(name.as_deref(), Some("x"));
    // The gradients are filled in anyway.
    assert_eq!(x.grad().item(), f64::INFINITY);
}

#[test]
fn a_finite_graph_checks_clean_and_matches_backward() {
    let g = Graph::checked();
    let x = g.tensor(Tensor::from_vec(vec![0.5, -1.5], &[2]).unwrap());
    let y = (x * x).sigmoid().sum();
    y.backward_checked().unwrap();
    let checked = x.grad();
    y.backward();
    assert_eq!(checked, x.grad());
    assert!(g.check_values().is_ok());
}

#[test]
fn a_hook_can_clip_a_gradient_and_backward_stays_idempotent() {
    // y = 10·tanh(x)·x; the hook clips ∂y/∂t (t = tanh x) to [−1, 1].
    let g = Graph::new();
    let x = g.scalar(0.5);
    let t = x.tanh().on_grad(|g| Some(g.map(|v| v.clamp(-1.0, 1.0))));
    let y = 10.0 * t * x;
    y.backward();
    // Without the hook ∂y/∂t = 10x = 5; clipped to 1. Then ∂y/∂x = 1·(1 − tanh²x) + 10·tanh x.
    let th = 0.5f64.tanh();
    let expected = (1.0 - th * th) + 10.0 * th;
    assert!((x.grad().item() - expected).abs() < 1e-15);
    let first = x.grad();
    y.backward();
    assert_eq!(
        first,
        x.grad(),
        "a second backward gives the same gradients"
    );
}

#[test]
fn a_logging_hook_sees_each_complete_gradient_once_per_backward() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&seen);
    let mut g = Graph::new();
    let x = g.scalar(2.0);
    // x is used twice: the hook sees the sum of both contributions, 2x + 1 = 5.
    let x = x.on_grad(move |g| {
        log.borrow_mut().push(g.item());
        None
    });
    let y = x * x + x;
    y.backward();
    y.backward();
    assert_eq!(*seen.borrow(), vec![5.0, 5.0]);
    g.clear();
    let z = g.scalar(2.0);
    (z * z).backward();
    assert_eq!(seen.borrow().len(), 2, "hooks are cleared with the tape");
}

#[test]
#[should_panic(expected = "on_grad: the hook of node 1 returned a gradient of shape [2]")]
fn a_hook_that_changes_the_shape_panics() {
    let g = Graph::new();
    let x = g.scalar(1.0);
    let y = x.exp().on_grad(|_| Some(Tensor::zeros(&[2])));
    y.backward();
}
