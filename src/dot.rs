//! The tape as a Graphviz DOT graph: one box per node, one arrow per input.
//!
//! Each node shows its name (see [`Var::named`]; unnamed nodes read `op#id`), its op with
//! parameters (`scale ×0.5`, `powi 2`), its value (one-element nodes) or shape (tensors), and
//! its gradient from the last [`Var::backward`] (a number, or the shape and the largest
//! magnitude for tensors). Variable leaves are blue, constants grey, named nodes bold.
//!
//! With [`Dot::local_derivatives`], an arrow a → c is labelled ∂c/∂a, computed by c's own
//! backward rule run once with upstream 1 (as in [`crate::trace`]); arrows that carry a
//! Jacobian rather than a number (tensor nodes) stay unlabelled.
//!
//! The text depends only on the tape, so the same graph always gives the same file.
//!
//! ```
//! use tapegrad::{Graph, dot::Dot};
//!
//! let g = Graph::new();
//! let x = g.scalar(3.0).named("x");
//! let y = (x * x).named("y");
//! y.backward();
//! let text = Dot::new(&g).local_derivatives(true).to_string();
//! assert!(text.starts_with("digraph tape {"));
//! assert!(text.contains(r#"n0 -> n1 [label="6""#)); // ∂y/∂x = 2x = 6
//! // Render it: `dot -Tsvg tape.dot -o tape.svg` (Graphviz).
//! ```

use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::ops::Op;
use crate::tape::Tape;
use crate::trace::LocalRule;
use std::fmt::{self, Write};

/// A DOT rendering of a tape; print it with `{}` (or `to_string()`), then run Graphviz:
/// `dot -Tsvg tape.dot -o tape.svg`.
#[derive(Debug, Clone, Copy)]
pub struct Dot<'g, T: Float> {
    graph: &'g Graph<T>,
    output: Option<Var<'g, T>>,
    locals: bool,
}

impl<'g, T: Float> Dot<'g, T> {
    /// Every node of `graph`, arrows unlabelled.
    pub fn new(graph: &'g Graph<T>) -> Self {
        Dot {
            graph,
            output: None,
            locals: false,
        }
    }

    /// Only the nodes `y` depends on (drops, for example, nodes recorded by a later
    /// `g.grad`), and `y` drawn with a double border.
    ///
    /// # Panics
    /// When `y` belongs to another graph.
    #[track_caller]
    pub fn output(mut self, y: Var<'g, T>) -> Self {
        self.graph.check_own("dot", y);
        self.output = Some(y);
        self
    }

    /// Labels each arrow a → c with the local derivative ∂c/∂a when both are one element.
    pub fn local_derivatives(mut self, on: bool) -> Self {
        self.locals = on;
        self
    }
}

/// A number to 6 significant digits without trailing zeros, the same on every platform.
pub(crate) fn num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if (1e-4..1e6).contains(&v.abs()) {
        let decimals = (5 - v.abs().log10().floor() as i32).max(0) as usize;
        trim(format!("{v:.decimals$}"))
    } else {
        format!("{v:.5e}")
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn op_label<T: Float>(tape: &Tape<T>, id: usize, requires: bool) -> String {
    match tape.node(id).op {
        Op::Leaf if requires => "variable".into(),
        Op::Leaf => "constant".into(),
        Op::Custom(_) => tape.op_name(id).into(),
        op => op.label(),
    }
}

/// Escapes a string for a double-quoted DOT label.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl<T: Float> fmt::Display for Dot<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tape = self.graph.tape.borrow();
        let n = self.output.map_or(tape.len, |y| y.id as usize + 1);
        let mut keep = vec![self.output.is_none(); n];
        if let Some(y) = self.output {
            keep[y.id as usize] = true;
            for i in (0..n).rev() {
                if keep[i] {
                    for &a in tape.node(i).args().iter() {
                        keep[a as usize] = true;
                    }
                }
            }
        }
        writeln!(f, "digraph tape {{")?;
        writeln!(f, "  rankdir=LR;")?;
        writeln!(
            f,
            "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"DejaVu Sans\", fontsize=11];"
        )?;
        writeln!(f, "  edge [fontname=\"DejaVu Sans\", fontsize=10];")?;
        for i in (0..n).filter(|&i| keep[i]) {
            let node = &tape.node(i);
            let requires = tape.node(i).requires();
            let mut label = format!("{}\\n{}", esc(&tape.label(i)), op_label(&tape, i, requires));
            let v = &node.value;
            if v.len() == 1 {
                write!(label, "\\nvalue {}", num(v.item().to_f64()))?;
            } else {
                write!(label, "\\nshape {:?}", v.shape())?;
            }
            match tape.grad_of(i) {
                Some(g) if g.len() == 1 => write!(label, "\\ngrad {}", num(g.item().to_f64()))?,
                Some(g) => {
                    let m = g.data().iter().fold(0.0f64, |m, x| m.max(x.to_f64().abs()));
                    write!(label, "\\ngrad {:?}, max |·| {}", g.shape(), num(m))?
                }
                None if requires => label.push_str("\\ngrad 0"),
                None => {}
            }
            let mut attrs = format!("label=\"{label}\"");
            match (&node.op, requires) {
                (Op::Leaf, true) => attrs.push_str(", fillcolor=\"#dbe9f6\""),
                (Op::Leaf, false) => attrs.push_str(", fillcolor=\"#eeeeee\", color=gray50"),
                _ => {}
            }
            if tape.name_of(i as u32).is_some() {
                attrs.push_str(", penwidth=2");
            }
            if self.output.is_some_and(|y| y.id as usize == i) {
                attrs.push_str(", peripheries=2");
            }
            writeln!(f, "  n{i} [{attrs}];")?;
        }
        let mut rule = self.locals.then(|| LocalRule::new(n));
        for c in (0..n).filter(|&c| keep[c] && !tape.node(c).args().is_empty()) {
            let locals = match rule.as_mut() {
                Some(r) => r.derivatives(&tape, c),
                None => tape
                    .node(c)
                    .args()
                    .iter()
                    .map(|&a| (a as usize, None))
                    .collect(),
            };
            for (k, &a) in tape.node(c).args().iter().enumerate() {
                let a = a as usize;
                // An input used twice (x·x) gets two arrows; the first carries the summed derivative.
                let d = locals.iter().find(|e| e.0 == a).and_then(|e| e.1);
                match d {
                    Some(d) if k == 0 || tape.node(c).args()[0] as usize != a => {
                        writeln!(f, "  n{a} -> n{c} [label=\"{}\"];", num(d))?
                    }
                    _ => writeln!(f, "  n{a} -> n{c};")?,
                }
            }
        }
        writeln!(f, "}}")
    }
}
