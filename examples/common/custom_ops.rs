//! Three custom ops, shared by `examples/custom_op.rs` and `tests/custom_ops.rs`.

use tapegrad::{CustomOp, Rule, Tensor};

/// The straight-through estimator: sign(x) forward, the identity backward (the gradient of
/// x, as if the sign were not there). Its rule uses the rule's ops, so it is traceable.
pub struct StraightThrough;

impl CustomOp<f64> for StraightThrough {
    fn name(&self) -> &'static str {
        "straight_through"
    }
    fn forward(&self, x: &[&Tensor<f64>]) -> Tensor<f64> {
        // sign, with sign(0) = 0 (f64::signum gives ±1 at ±0)
        x[0].map(|v| if v == 0.0 { 0.0 } else { v.signum() })
    }
    fn backward(&self, r: &mut Rule<'_, f64>) {
        let g = r.upstream();
        r.send(0, g);
    }
    fn tangent(&self, r: &mut Rule<'_, f64>) {
        if let Some(t) = r.tangent(0) {
            r.emit(t);
        }
    }
}

/// A spiking neuron: the Heaviside step forward, and backward the derivative of a scaled
/// arctan, s(x) = 1/2 + atan(π·α·x/2)/π, whose slope is α / (2·(1 + (π·α·x/2)²)). The rule
/// runs on plain tensors: first order only.
pub struct Spike {
    /// The surrogate's sharpness α: the slope at 0 is α/2.
    pub alpha: f64,
}

impl Spike {
    /// The surrogate function whose derivative the backward rule uses.
    pub fn surrogate(&self, x: f64) -> f64 {
        0.5 + (std::f64::consts::PI * self.alpha * x / 2.0).atan() / std::f64::consts::PI
    }
}

impl CustomOp<f64> for Spike {
    fn name(&self) -> &'static str {
        "spike"
    }
    fn forward(&self, x: &[&Tensor<f64>]) -> Tensor<f64> {
        x[0].map(|v| if v > 0.0 { 1.0 } else { 0.0 })
    }
    fn backward(&self, r: &mut Rule<'_, f64>) {
        let (x, g) = (r.input(0), r.upstream());
        let alpha = self.alpha;
        let gx = r.tensor(&[x, g], move |t| {
            let slope = t[0].map(|v| {
                let u = std::f64::consts::PI * alpha * v / 2.0;
                alpha / (2.0 * (1.0 + u * u))
            });
            let data = slope.data().iter().zip(t[1].data()).map(|(s, g)| s * g);
            Tensor::from_vec(data.collect(), t[0].shape()).expect("same shape")
        });
        r.send(0, gx);
    }
}

/// ln(1 + eˣ), computed without overflow as max(x, 0) + ln(1 + e^(−|x|)); its derivative is
/// the sigmoid, σ(x) = 1 − e^(ln(1 + eˣ) − x)... written here as e^(x − y) with y the
/// output: σ(x) = eˣ/(1 + eˣ) = e^(x − y). The rule uses the rule's ops (traceable, so
/// second order works), and the tangent rule gives forward mode.
pub struct Log1pExp;

impl CustomOp<f64> for Log1pExp {
    fn name(&self) -> &'static str {
        "log1pexp"
    }
    fn forward(&self, x: &[&Tensor<f64>]) -> Tensor<f64> {
        x[0].map(|v| v.max(0.0) + (-v.abs()).exp().ln_1p())
    }
    fn backward(&self, r: &mut Rule<'_, f64>) {
        let (x, y, g) = (r.input(0), r.output(), r.upstream());
        let s = sigmoid(r, x, y);
        let gx = r.mul(g, s);
        r.send(0, gx);
    }
    fn tangent(&self, r: &mut Rule<'_, f64>) {
        let Some(t) = r.tangent(0) else { return };
        let (x, y) = (r.input(0), r.output());
        let s = sigmoid(r, x, y);
        let t = r.mul(t, s);
        r.emit(t);
    }
}

/// σ(x) = e^(x − y) for y = ln(1 + eˣ): never overflows, since x − y ≤ 0.
fn sigmoid(r: &mut Rule<'_, f64>, x: tapegrad::Handle, y: tapegrad::Handle) -> tapegrad::Handle {
    let d = r.sub(x, y);
    r.exp(d)
}
