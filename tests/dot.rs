//! DOT export: the worked example's tape gives exactly the committed snapshot, and the local
//! derivative labels are the chain rule's factors.
//!
//! After an intended change of format, refresh the snapshot with
//! `UPDATE_SNAPSHOTS=1 cargo test --test dot` and review the diff.

use tapegrad::Graph;
use tapegrad::dot::Dot;
#[path = "../examples/common/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;
use tutorial::Network;

const SNAPSHOT: &str = "tests/snapshots/worked_example.dot";

fn worked_example_dot() -> String {
    let g = Graph::new();
    let p = Network::default().forward(&g);
    p.e_total.backward();
    Dot::new(&g)
        .output(p.e_total)
        .local_derivatives(true)
        .to_string()
}

#[test]
fn worked_example_dot_matches_the_snapshot() {
    let got = worked_example_dot();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).expect("the snapshot is committed");
    assert_eq!(
        got, want,
        "DOT output changed; see the module docs to refresh"
    );
}

#[test]
fn dot_output_is_the_same_on_a_second_tape() {
    assert_eq!(worked_example_dot(), worked_example_dot());
}

#[test]
fn w5_arrow_is_labelled_with_out_h1() {
    // net_o1 = w5·out_h1 + …: the arrow w5 → (w5·out_h1) carries ∂/∂w5 = out_h1 = 0.59327.
    let text = worked_example_dot();
    let w5 = text.lines().find(|l| l.contains("label=\"w5\\n")).unwrap();
    let id = w5.trim().split(' ').next().unwrap();
    let arrow = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{id} -> ")))
        .unwrap();
    assert!(arrow.ends_with("[label=\"0.59327\"];"), "{arrow}");
}

#[test]
fn every_node_shows_name_op_value_and_grad() {
    let text = worked_example_dot();
    let nodes: Vec<&str> = text.lines().filter(|l| l.contains("[label=\"")).collect();
    assert!(nodes.len() > 30);
    for l in nodes.iter().filter(|l| !l.contains(" -> ")) {
        assert!(l.contains("\\nvalue ") && l.contains("\\ngrad "), "{l}");
    }
    assert!(text.contains("E_total\\nadd\\nvalue 0.298371\\ngrad 1"));
}

#[test]
fn tensor_nodes_show_their_shape() {
    let g = Graph::new();
    let x = g
        .tensor(tapegrad::Tensor::from_vec(vec![1.0, -2.0, 3.0], &[3]).unwrap())
        .named("x");
    let y = (x * x).sum().named("y");
    y.backward();
    let text = Dot::new(&g).local_derivatives(true).to_string();
    assert!(
        text.contains("x\\nvariable\\nshape [3]\\ngrad [3], max |·| 6"),
        "{text}"
    );
    // A tensor arrow carries a Jacobian, so it has no label; the sum's result is a number.
    assert!(text.contains("n0 -> n1;"), "{text}");
}
