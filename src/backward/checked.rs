//! Where a NaN came from: [`Var::backward_checked`] and [`Graph::check_values`] name the first
//! node whose value or gradient is not finite, with its op, its name, its inputs' ranges and,
//! in checked mode ([`Graph::checked`]), the source line that recorded it.
//!
//! Nothing here runs unless called: an unchecked graph records no source lines and
//! `backward` does no scan.

use crate::error::Error;
use crate::float::Float;
use crate::graph::{Graph, Var};
use crate::tape::Tape;
use crate::tensor::Tensor;

impl<T: Float> Graph<T> {
    /// A graph in checked mode: each node also keeps the source line that recorded it, so
    /// [`Var::backward_checked`] and [`check_values`](Graph::check_values) can say where a NaN
    /// was made. Otherwise it is a graph like any other; an unchecked graph pays nothing.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::<f64>::checked();
    /// let x = g.scalar(0.0).named("x");
    /// let y = (x / x).sigmoid(); // 0/0
    /// let err = y.backward_checked().unwrap_err();
    /// assert!(err.to_string().starts_with("the value of node 1 (div) is NaN, recorded at"));
    /// ```
    pub fn checked() -> Self {
        let g = Self::default();
        g.tape.borrow_mut().extras().locations = Some(Vec::new());
        g
    }

    /// The first node, in push order, whose value holds a NaN or an infinity: the place a
    /// non-finite number was made, since every node after it may only have inherited it.
    ///
    /// ```
    /// use tapegrad::{Error, Graph};
    /// let g = Graph::new();
    /// let x = g.scalar(0.0);
    /// let y = x.ln() * 0.0; // ln 0 = −∞, then −∞·0 = NaN
    /// match g.check_values() {
    ///     Err(Error::NonFiniteNode { node, op, bad, .. }) => {
    ///         assert_eq!((node, op, bad), (1, "ln", f64::NEG_INFINITY))
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFiniteNode`] naming that node.
    pub fn check_values(&self) -> Result<(), Error> {
        let tape = self.tape.borrow();
        first_bad_value(&tape, tape.len)
    }
}

impl<T: Float> Var<'_, T> {
    /// [`backward`](Var::backward), then a check that every value and gradient it used is
    /// finite. On failure it names the first node that went wrong: the first, in push order,
    /// whose value is not finite; or else the first, in the order `backward` computed them
    /// (from the output back), whose gradient is not finite. The gradients are filled in
    /// either way.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.scalar(0.0).named("x");
    /// x.sqrt().backward_checked().unwrap_err(); // d√x/dx = +∞ at 0
    /// let err = x.sqrt().backward_checked().unwrap_err();
    /// assert_eq!(err.to_string(), "the gradient of node 0 (leaf \"x\") is inf");
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFiniteNode`] naming the node.
    ///
    /// # Panics
    /// As [`backward`](Var::backward) does.
    #[track_caller]
    pub fn backward_checked(self) -> Result<(), Error> {
        let out = self.id as usize;
        first_bad_value(&self.graph.tape.borrow(), out + 1)?;
        self.backward();
        let tape = self.graph.tape.borrow();
        for id in (0..=out).rev() {
            if let Some(g) = tape.grad_of(id)
                && let Some(bad) = first_bad(&g)
            {
                return Err(report(&tape, id, "gradient", bad));
            }
        }
        Ok(())
    }
}

fn first_bad_value<T: Float>(tape: &Tape<T>, n: usize) -> Result<(), Error> {
    for id in 0..n {
        if let Some(bad) = first_bad(tape.value(id)) {
            return Err(report(tape, id, "value", bad));
        }
    }
    Ok(())
}

/// The first non-finite element of `t`.
fn first_bad<T: Float>(t: &Tensor<T>) -> Option<f64> {
    t.data().iter().find(|v| !v.is_finite()).map(|v| v.to_f64())
}

fn report<T: Float>(tape: &Tape<T>, id: usize, side: &'static str, bad: f64) -> Error {
    let node = tape.node(id);
    let inputs = node
        .args()
        .iter()
        .map(|&a| {
            let v = tape.value(a as usize).data();
            let lo = v.iter().fold(f64::INFINITY, |m, x| m.min(x.to_f64()));
            let hi = v.iter().fold(f64::NEG_INFINITY, |m, x| m.max(x.to_f64()));
            format!("{} in [{lo}, {hi}]", tape.label(a as usize))
        })
        .collect();
    Error::NonFiniteNode {
        side,
        node: id,
        op: tape.op_name(id),
        name: tape.name_of(id as u32).map(str::to_string),
        bad,
        inputs,
        location: tape
            .extras
            .as_ref()
            .and_then(|e| e.location(id as u32))
            .map(|l| l.to_string()),
    }
}
