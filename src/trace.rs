//! The chain rule, traced: every path from a node to a scalar output, each edge's local
//! derivative, the product along each path, and the sum over paths.
//!
//! Reverse mode computes ∂y/∂x = Σ over paths x → … → y of Π over the path's edges of
//! ∂(consumer)/∂(input). [`Trace`] writes that sum out. Each edge's local derivative comes from
//! the consumer's own backward rule, run once with upstream gradient 1 (no second set of
//! derivative formulas), so a trace explains exactly what `backward` computed.
//!
//! **Steps.** Composites such as `sigmoid` are several primitive nodes on the tape (scale,
//! tanh, scale, shift). With [`Steps::Named`] (the default) a trace shows only named nodes
//! (see [`Var::named`]) plus the two ends: a step runs from one named node to the next, and its
//! factor is ∂(later)/∂(earlier) through the unnamed nodes between them, that is, the product of
//! the local derivatives along each run of unnamed nodes, summed over parallel runs. So
//! `out_o1 = net_o1.sigmoid().named("out_o1")` is one step, ∂out_o1/∂net_o1 = σ(1 − σ), as the
//! tutorial writes it. [`Steps::Primitive`] shows every primitive node instead.
//!
//! The number of paths can grow exponentially with depth, so a trace lists at most
//! `max_paths` of them and says so when it stops; [`Trace::gradient`] still sums over all
//! paths (by dynamic programming over the same edges, without listing them).
//!
//! ```
//! use tapegrad::Graph;
//! use tapegrad::trace::Trace;
//!
//! let g = Graph::new();
//! let x = g.scalar(3.0).named("x");
//! let u = (x * x).named("u"); // ∂u/∂x = 2x = 6: two parallel edges, one step
//! let y = (u + x).named("y"); // two paths: x → u → y and x → y
//! let t = Trace::new(y, x);
//! assert_eq!(t.paths().len(), 2);
//! assert_eq!(t.gradient(), 7.0);
//! y.backward();
//! assert_eq!(x.grad().item(), t.gradient());
//! println!("{t}");
//! ```
//!
//! The trace works on one-element nodes (scalar graphs); it panics on a tensor node between
//! the two ends.

use crate::backward::eager::EagerInterpreter;
use crate::float::Float;
use crate::graph::Var;
use crate::ops;
use crate::tape::Tape;
use crate::tensor::Tensor;
use std::fmt;

/// The most paths [`Trace::new`] lists.
pub const DEFAULT_MAX_PATHS: usize = 16;

/// Which nodes a trace shows as steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Steps {
    /// Named nodes and the two ends; unnamed nodes between them collapse into one step.
    Named,
    /// Every primitive node.
    Primitive,
}

/// One step of a path: `to` consumes `from` (through unnamed nodes, when collapsed).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The earlier node's name.
    pub from: String,
    /// The later node's name.
    pub to: String,
    /// ∂to/∂from along this step.
    pub local: f64,
}

/// One path from the node to the output, in tape order (the node first).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The steps, from the node towards the output.
    pub steps: Vec<Step>,
    /// The product of the steps' local derivatives.
    pub product: f64,
}

/// ∂y/∂x written out as a sum over paths of products of local derivatives. Print it with
/// `{}`; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Trace {
    output: String,
    node: String,
    steps: Steps,
    paths: Vec<Path>,
    total_paths: u128,
    gradient: f64,
    collapsed: bool,
}

impl Trace {
    /// The trace of ∂y/∂x with [`Steps::Named`], listing at most [`DEFAULT_MAX_PATHS`] paths.
    ///
    /// # Panics
    /// When `y` or a node on a path from `x` to `y` is not one element, or when `x` and `y`
    /// come from different graphs.
    #[track_caller]
    pub fn new<T: Float>(y: Var<'_, T>, x: Var<'_, T>) -> Self {
        Trace::with(y, x, Steps::Named, DEFAULT_MAX_PATHS)
    }

    /// The trace of ∂y/∂x showing `steps`, listing at most `max_paths` paths.
    ///
    /// # Panics
    /// As [`Trace::new`].
    #[track_caller]
    pub fn with<T: Float>(y: Var<'_, T>, x: Var<'_, T>, steps: Steps, max_paths: usize) -> Self {
        y.graph.check_own("trace", x);
        let edges = local_edges(y, x);
        let tape = y.graph.tape.borrow();
        let name = |id: usize| tape.label(id);
        let (xi, yi) = (x.id as usize, y.id as usize);
        let kept: Vec<usize> = (xi..=yi)
            .filter(|&i| edges.relevant[i])
            .filter(|&i| {
                i == xi || i == yi || steps == Steps::Primitive || tape.name_of(i as u32).is_some()
            })
            .collect();
        let (out, collapsed) = collapse(&edges, &kept, yi);

        // Count paths and sum their products, from the output back (kept is in tape order).
        let mut count = vec![0u128; yi + 1];
        let mut grad = vec![0.0; yi + 1];
        if edges.relevant[yi] {
            count[yi] = 1;
            grad[yi] = 1.0;
        }
        for &u in kept.iter().rev().filter(|&&u| u != yi) {
            for &(v, w) in &out[u] {
                count[u] = count[u].saturating_add(count[v]);
                grad[u] += w * grad[v];
            }
        }

        // List paths depth-first with an explicit stack (no recursion), in tape order.
        let mut paths = Vec::new();
        let mut stack: Vec<(usize, usize)> = vec![(xi, 0)];
        while paths.len() < max_paths && count[xi] > 0 {
            let Some(top) = stack.last_mut() else { break };
            let u = top.0;
            if u != yi {
                match out[u].get(top.1) {
                    Some(&(v, _)) => {
                        top.1 += 1;
                        stack.push((v, 0));
                    }
                    None => {
                        stack.pop();
                    }
                }
                continue;
            }
            let steps: Vec<Step> = stack
                .windows(2)
                .map(|p| Step {
                    from: name(p[0].0),
                    to: name(p[1].0),
                    local: out[p[0].0]
                        .iter()
                        .find(|e| e.0 == p[1].0)
                        .map_or(0.0, |e| e.1),
                })
                .collect();
            let product = steps.iter().map(|s| s.local).product();
            paths.push(Path { steps, product });
            stack.pop();
        }
        Trace {
            output: name(yi),
            node: name(xi),
            steps,
            paths,
            total_paths: count[xi],
            gradient: grad[xi],
            collapsed,
        }
    }

    /// The listed paths (at most `max_paths`), in tape order.
    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    /// How many paths run from the node to the output (saturating at `u128::MAX`).
    pub fn total_paths(&self) -> u128 {
        self.total_paths
    }

    /// Whether some paths were left out of [`paths`](Trace::paths).
    pub fn capped(&self) -> bool {
        (self.paths.len() as u128) < self.total_paths
    }

    /// ∂y/∂x: the sum over **all** paths of the product along each (what `backward` gives).
    pub fn gradient(&self) -> f64 {
        self.gradient
    }
}

/// The local derivatives of the edges that lie on some path from x to y.
struct Edges {
    /// relevant[i]: node i lies on a path from x to y.
    relevant: Vec<bool>,
    /// For each relevant consumer, (input, ∂consumer/∂input) per distinct relevant input.
    locals: Vec<Vec<(usize, f64)>>,
}

/// Runs each relevant consumer's backward rule once with upstream 1 (the eager interpreter
/// over a scratch gradient vector, every input treated as needing a gradient).
#[track_caller]
fn local_edges<T: Float>(y: Var<'_, T>, x: Var<'_, T>) -> Edges {
    let tape = y.graph.tape.borrow();
    let (xi, yi) = (x.id as usize, y.id as usize);
    let n = yi + 1;
    let mut relevant = vec![false; n];
    if xi < n {
        // Forward from x, then keep only what also reaches y.
        let mut from_x = vec![false; n];
        from_x[xi] = true;
        for i in xi + 1..n {
            from_x[i] = tape.node(i).args().iter().any(|&a| from_x[a as usize]);
        }
        let mut to_y = vec![false; n];
        to_y[yi] = true;
        for i in (xi..n).rev() {
            if to_y[i] {
                relevant[i] = from_x[i];
                for &a in tape.node(i).args().iter() {
                    to_y[a as usize] = true;
                }
            }
        }
    }
    for i in (0..n).filter(|&i| relevant[i]) {
        let shape = tape.value(i).shape();
        if shape.iter().product::<usize>() != 1 {
            not_scalar(&tape.label(i), shape);
        }
    }
    let mut rule = LocalRule::new(n);
    let mut locals = vec![Vec::new(); n];
    for c in (xi + 1..n).filter(|&c| relevant[c]) {
        for (a, d) in rule.derivatives(&tape, c) {
            if relevant[a] {
                locals[c].push((a, d.unwrap_or(0.0)));
            }
        }
    }
    Edges { relevant, locals }
}

/// Local derivatives ∂c/∂a of one node c with respect to each of its inputs a, from c's own
/// backward rule run once with upstream gradient 1 through the eager interpreter, over a
/// scratch gradient vector (every input treated as needing a gradient, constants included).
pub(crate) struct LocalRule<T: Float> {
    grads: Vec<Option<Tensor<T>>>,
    scratch: Vec<Option<Tensor<T>>>,
}

impl<T: Float> LocalRule<T> {
    /// Scratch for nodes 0..n.
    pub(crate) fn new(n: usize) -> Self {
        LocalRule {
            grads: vec![None; n],
            scratch: Vec::new(),
        }
    }

    /// (input, ∂c/∂input) per distinct input of node `c < n`, in input order. An input used
    /// twice (x·x) appears once with the summed derivative. The derivative is `None` unless
    /// c and the input are both one element (otherwise it is a Jacobian, not a number).
    pub(crate) fn derivatives(&mut self, tape: &Tape<T>, c: usize) -> Vec<(usize, Option<f64>)> {
        let nodes = tape.nodes();
        let node = &nodes[c];
        let scalar = node.value.len() == 1;
        self.grads[c] = Some(Tensor::ones(node.value.shape()));
        let mut eager = EagerInterpreter {
            nodes,
            everything: true,
            grads: &mut self.grads,
            scratch: &mut self.scratch,
            indices: &tape.indices,
            customs: &tape.customs,
            id: c,
        };
        ops::rule(&node.op, &mut eager);
        self.scratch.clear();
        self.grads[c] = None;
        let mut out: Vec<(usize, Option<f64>)> = Vec::with_capacity(2);
        for &a in node.args().iter() {
            let a = a as usize;
            // `take` leaves None, so an input used twice is read once, already summed.
            let d = self.grads[a].take();
            if out.iter().any(|e| e.0 == a) {
                continue;
            }
            let d = match d {
                Some(d) if scalar && d.len() == 1 => Some(d.item().to_f64()),
                None if scalar && nodes[a].value.len() == 1 => Some(0.0),
                _ => None,
            };
            out.push((a, d));
        }
        out
    }
}

#[cold]
#[track_caller]
fn not_scalar(name: &str, shape: &[usize]) -> ! {
    panic!(
        "trace: node {name} has shape {shape:?}, but a chain-rule trace needs one-element nodes \
         (trace a scalar graph)"
    )
}

/// The edges between kept nodes: out[u] = (v, ∂v/∂u through unkept nodes only), in tape
/// order of v. Also says whether any step spans more than one primitive edge.
fn collapse(edges: &Edges, kept: &[usize], yi: usize) -> (Vec<Vec<(usize, f64)>>, bool) {
    let n = yi + 1;
    let mut is_kept = vec![false; n];
    for &k in kept {
        is_kept[k] = true;
    }
    let mut out = vec![Vec::new(); n];
    let mut collapsed = false;
    let mut d: Vec<Option<f64>> = vec![None; n];
    for &u in kept.iter().filter(|&&u| u != yi) {
        d.iter_mut().for_each(|v| *v = None);
        d[u] = Some(1.0);
        for c in u + 1..n {
            let mut acc = None;
            for &(a, w) in &edges.locals[c] {
                // Flow only from u itself or from unkept nodes that u reached.
                if let (true, Some(da)) = (a == u || !is_kept[a], d[a]) {
                    acc = Some(acc.unwrap_or(0.0) + da * w);
                    collapsed |= a != u;
                }
            }
            d[c] = acc;
            if let (true, Some(w)) = (is_kept[c], acc) {
                out[u].push((c, w));
            }
        }
    }
    (out, collapsed)
}

/// A figure to 8 decimals, as the tutorial prints them; scientific when that would hide it.
fn num(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-4 {
        format!("{v:.8e}")
    } else {
        format!("{v:.8}")
    }
}

impl Path {
    /// "∂y/∂a × ∂a/∂x" and "0.5 × 2.0", factors from the output end, as the chain rule is
    /// usually written.
    fn factors(&self) -> (String, String) {
        let rev = self.steps.iter().rev();
        let sym: Vec<String> = rev
            .clone()
            .map(|s| format!("∂{}/∂{}", s.to, s.from))
            .collect();
        let val: Vec<String> = rev.map(|s| num(s.local)).collect();
        (sym.join(" × "), val.join(" × "))
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lhs = format!("∂{}/∂{}", self.output, self.node);
        match self.paths.as_slice() {
            [] if self.total_paths == 0 => writeln!(
                f,
                "{lhs} = 0 (no path from {} to {})",
                self.node, self.output
            )?,
            [p] if !self.capped() && p.steps.is_empty() => writeln!(f, "{lhs} = 1")?,
            [p] if !self.capped() => {
                let (sym, val) = p.factors();
                writeln!(f, "{lhs} = {sym} = {val} = {}", num(p.product))?;
            }
            paths => {
                writeln!(f, "{lhs} = sum over {} paths", self.total_paths)?;
                for (k, p) in paths.iter().enumerate() {
                    let mut route = vec![self.node.as_str()];
                    route.extend(p.steps.iter().map(|s| s.to.as_str()));
                    let (sym, val) = p.factors();
                    writeln!(f, "  path {} ({}):", k + 1, route.join(" → "))?;
                    writeln!(f, "    {sym}")?;
                    writeln!(f, "    = {val} = {}", num(p.product))?;
                }
                if self.capped() {
                    writeln!(
                        f,
                        "  ... {} more paths not listed (capped at {})",
                        self.total_paths - paths.len() as u128,
                        paths.len()
                    )?;
                    writeln!(f, "{lhs} = {} (sum over all paths)", num(self.gradient))?;
                } else {
                    let terms: Vec<String> = paths
                        .iter()
                        .enumerate()
                        .map(|(k, p)| match (k, p.product < 0.0) {
                            (0, _) => num(p.product),
                            (_, true) => format!("− {}", num(-p.product)),
                            (_, false) => format!("+ {}", num(p.product)),
                        })
                        .collect();
                    writeln!(f, "{lhs} = {} = {}", terms.join(" "), num(self.gradient))?;
                }
            }
        }
        if self.collapsed && self.steps == Steps::Named {
            writeln!(
                f,
                "(a step runs from one named node to the next: the unnamed primitive nodes \
                 between them fold into it,\n its factor being the product of their local \
                 derivatives)"
            )?;
        }
        Ok(())
    }
}

impl<'g, T: Float> Var<'g, T> {
    /// The chain rule for ∂self/∂x, written out path by path: `println!("{}",
    /// e_total.chain_rule(w5))`. Shorthand for [`Trace::new`]`(self, x)`; see
    /// [`crate::trace`].
    ///
    /// # Panics
    /// As [`Trace::new`].
    #[track_caller]
    pub fn chain_rule(self, x: Var<'g, T>) -> Trace {
        Trace::new(self, x)
    }
}
