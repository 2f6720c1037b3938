//! The backpropagation tutorial's 2-2-2 sigmoid network, built node by node.
//!
//! Inputs i1 = 0.05 and i2 = 0.10, targets 0.01 and 0.99, weights w1…w8 = 0.15…0.55, and two
//! biases shared by both neurons of a layer (b1 = 0.35, b2 = 0.60). The loss is
//! E_total = ½(0.01 − out_o1)² + ½(0.99 − out_o2)². Training is plain gradient descent on
//! the eight weights with learning rate 0.5; the biases stay fixed, as in the tutorial.
//!
//! This is the crate's first test fixture and its first example: every figure the tutorial
//! prints is reproduced to about 1e-12 relative (`tests/worked_example.rs`). It stands alone:
//! include it with `#[path = "…/examples/common/tutorial.rs"] mod tutorial;`.

use tapegrad::{Graph, Var};

/// The network's parameters: the eight weights and two biases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Network {
    /// w1…w8 in the tutorial's order: w1, w2 (i→h1), w3, w4 (i→h2), w5, w6 (h→o1),
    /// w7, w8 (h→o2).
    pub w: [f64; 8],
    /// b1 (hidden layer) and b2 (output layer).
    pub b: [f64; 2],
}

/// The inputs i1, i2.
pub const INPUTS: [f64; 2] = [0.05, 0.10];
/// The targets for o1, o2.
pub const TARGETS: [f64; 2] = [0.01, 0.99];
/// The tutorial's learning rate.
pub const LEARNING_RATE: f64 = 0.5;

impl Default for Network {
    /// The tutorial's starting point.
    fn default() -> Self {
        Network {
            w: [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55],
            b: [0.35, 0.60],
        }
    }
}

/// Every node of one forward pass, named as the tutorial names them.
#[derive(Debug, Clone, Copy)]
pub struct Pass<'g> {
    /// The weight leaves w1…w8.
    pub w: [Var<'g>; 8],
    /// The bias leaves b1, b2.
    pub b: [Var<'g>; 2],
    /// net_h1, net_h2: the hidden neurons' weighted sums.
    pub net_h: [Var<'g>; 2],
    /// out_h1, out_h2 = σ(net_h).
    pub out_h: [Var<'g>; 2],
    /// net_o1, net_o2.
    pub net_o: [Var<'g>; 2],
    /// out_o1, out_o2 = σ(net_o).
    pub out_o: [Var<'g>; 2],
    /// E_total.
    pub e_total: Var<'g>,
}

impl Network {
    /// Records one forward pass on `g`, naming every node as the tutorial does.
    pub fn forward<'g>(&self, g: &'g Graph) -> Pass<'g> {
        const W: [&str; 8] = ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"];
        let i1 = g.scalar(INPUTS[0]).named("i1");
        let i2 = g.scalar(INPUTS[1]).named("i2");
        let w: [Var<'g>; 8] = std::array::from_fn(|k| g.scalar(self.w[k]).named(W[k]));
        let b: [Var<'g>; 2] = std::array::from_fn(|k| g.scalar(self.b[k]).named(["b1", "b2"][k]));
        let net_h1 = (w[0] * i1 + w[1] * i2 + b[0]).named("net_h1");
        let net_h2 = (w[2] * i1 + w[3] * i2 + b[0]).named("net_h2");
        let out_h1 = net_h1.sigmoid().named("out_h1");
        let out_h2 = net_h2.sigmoid().named("out_h2");
        let net_o1 = (w[4] * out_h1 + w[5] * out_h2 + b[1]).named("net_o1");
        let net_o2 = (w[6] * out_h1 + w[7] * out_h2 + b[1]).named("net_o2");
        let out_o1 = net_o1.sigmoid().named("out_o1");
        let out_o2 = net_o2.sigmoid().named("out_o2");
        let e_total = (0.5 * (TARGETS[0] - out_o1).powi(2) + 0.5 * (TARGETS[1] - out_o2).powi(2))
            .named("E_total");
        Pass {
            w,
            b,
            net_h: [net_h1, net_h2],
            out_h: [out_h1, out_h2],
            net_o: [net_o1, net_o2],
            out_o: [out_o1, out_o2],
            e_total,
        }
    }

    /// One gradient-descent step on the weights (biases fixed): forward, backward, then
    /// wₖ ← wₖ − η·∂E/∂wₖ for all eight from the same pass. Returns E_total before the step.
    pub fn step(&mut self, g: &mut Graph, lr: f64) -> f64 {
        g.clear();
        let pass = self.forward(g);
        pass.e_total.backward();
        for (w, v) in self.w.iter_mut().zip(pass.w) {
            *w -= lr * v.grad().item();
        }
        pass.e_total.item()
    }
}
