//! The optimizers' updates against hand-computed steps, with gradients that change between
//! steps (a constant gradient moves bias-corrected Adam the same for any β), and the flush of
//! values below the normal range.

use super::*;
use crate::Tensor;

/// One parameter [w, −w] with gradient [g, −g]: the mirrored element checks that each
/// element is updated by its own gradient.
fn one(w: f64, g: f64) -> Params<f64> {
    let mut p = Params::new();
    p.add("w", Tensor::from_vec(vec![w, -w], &[2]).unwrap());
    p.get_mut("w").unwrap().grad = Tensor::from_vec(vec![g, -g], &[2]).unwrap();
    p
}

fn set_grad(p: &mut Params<f64>, g: f64) {
    p.get_mut("w").unwrap().grad = Tensor::from_vec(vec![g, -g], &[2]).unwrap();
}

fn w(p: &Params<f64>) -> f64 {
    let d = p["w"].value.data();
    assert_eq!(d[0], -d[1], "the mirrored element moved differently");
    d[0]
}

#[test]
fn plain_sgd_is_w_minus_lr_grad() {
    let mut p = one(1.0, 4.0);
    Sgd::new(0.25).step(&mut p);
    assert_eq!(w(&p), 0.0);
}

#[test]
fn plain_sgd_with_weight_decay_matches_hand_computed_steps() {
    // w = 2, η = 0.1, λ = 0.5, no momentum.
    // Step 1 (∇ = 1): g = 1 + 0.5·2 = 2; w = 2 − 0.2 = 1.8.
    // Step 2 (∇ = −3): g = −3 + 0.5·1.8 = −2.1; w = 1.8 + 0.21 = 2.01.
    let mut p = one(2.0, 1.0);
    let mut opt = Sgd::new(0.1).weight_decay(0.5);
    opt.step(&mut p);
    assert!((w(&p) - 1.8).abs() < 1e-15);
    set_grad(&mut p, -3.0);
    opt.step(&mut p);
    assert!((w(&p) - 2.01).abs() < 1e-15);
}

#[test]
fn sgd_with_momentum_and_decay_matches_hand_computed_steps_with_changing_gradients() {
    // w = 2, η = 0.1, μ = 0.9, λ = 0.01; ∇ = 0.5, then −1, then 0.25.
    // Step 1: g = 0.5 + 0.01·2 = 0.52; v = 0.52; w = 2 − 0.052 = 1.948.
    // Step 2: g = −1 + 0.01·1.948 = −0.98052; v = 0.9·0.52 − 0.98052 = −0.51252;
    //         w = 1.948 + 0.051252 = 1.999252.
    // Step 3: g = 0.25 + 0.01·1.999252 = 0.26999252; v = 0.9·(−0.51252) + 0.26999252
    //         = −0.19127548; w = 1.999252 + 0.019127548 = 2.018379548.
    // With μ = 0.5 step 2 would give v = −0.72052, w = 2.020052; without the decay term,
    // w = 1.95 after step 1.
    let mut p = one(2.0, 0.5);
    let mut opt = Sgd::new(0.1).momentum(0.9).weight_decay(0.01);
    opt.step(&mut p);
    assert!((w(&p) - 1.948).abs() < 1e-15);
    set_grad(&mut p, -1.0);
    opt.step(&mut p);
    assert!((w(&p) - 1.999252).abs() < 1e-15);
    set_grad(&mut p, 0.25);
    opt.step(&mut p);
    assert!((w(&p) - 2.018379548).abs() < 1e-15);
    assert!((opt.velocity[0][0] + 0.19127548).abs() < 1e-15);
}

#[test]
fn adam_matches_hand_computed_steps_with_changing_gradients() {
    // w = 1, η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e-8; ∇ = 1, then −0.5, then 0.25.
    // Step 1: m = 0.1, v = 0.001; m̂ = 0.1/0.1 = 1, v̂ = 0.001/0.001 = 1;
    //         w = 1 − 0.1·1/(1 + ε).
    // Step 2: m = 0.09 − 0.05 = 0.04, v = 0.000999 + 0.001·0.25 = 0.001249;
    //         m̂ = 0.04/(1 − 0.81) = 4/19, v̂ = 0.001249/(1 − 0.998001) = 1249/1999;
    //         w −= 0.1·(4/19)/(√(1249/1999) + ε).
    // Step 3: m = 0.036 + 0.025 = 0.061, v = 0.001247751 + 0.001·0.0625 = 0.001310251;
    //         m̂ = 0.061/(1 − 0.729) = 61/271, v̂ = 0.001310251/(1 − 0.997002999)
    //         = 1310251/2997001; w −= 0.1·(61/271)/(√(1310251/2997001) + ε).
    // So w ≈ 0.9, 0.873366, 0.839323; β₁ = 0.5 would end at 0.878394, β₂ = 0.9 at 0.837569.
    let eps = 1e-8;
    let w1 = 1.0 - 0.1 / (1.0 + eps);
    let w2 = w1 - 0.1 * (4.0 / 19.0) / ((1249.0f64 / 1999.0).sqrt() + eps);
    let w3 = w2 - 0.1 * (61.0 / 271.0) / ((1310251.0f64 / 2997001.0).sqrt() + eps);
    let mut p = one(1.0, 1.0);
    let mut opt = Adam::new(0.1);
    opt.step(&mut p);
    assert!((w(&p) - w1).abs() < 1e-15);
    set_grad(&mut p, -0.5);
    opt.step(&mut p);
    assert!((w(&p) - w2).abs() < 1e-15);
    set_grad(&mut p, 0.25);
    opt.step(&mut p);
    assert!((w(&p) - w3).abs() < 1e-15);
    assert!((w3 - 0.83932338306484655).abs() < 1e-15);
    assert!((opt.m[0][0] - 0.061).abs() < 1e-17);
    assert!((opt.v[0][0] - 0.001310251).abs() < 1e-17);
    assert_eq!(opt.steps(), 3);
}

#[test]
fn adam_with_other_betas_and_eps_matches_hand_computed_steps() {
    // w = 0, η = 0.5, β₁ = 0.5, β₂ = 0.75, ε = 0.25; ∇ = 2, then −2.
    // Step 1: m = 1, v = 1; m̂ = 1/0.5 = 2, v̂ = 1/0.25 = 4; w = 0 − 0.5·2/(2 + 0.25) = −4/9.
    // Step 2: m = 0.5 − 1 = −0.5, v = 0.75 + 1 = 1.75; m̂ = −0.5/0.75 = −2/3,
    //         v̂ = 1.75/(1 − 0.5625) = 4; w = −4/9 + 0.5·(2/3)/(2 + 0.25) = −4/9 + 4/27 = −8/27.
    let mut p = one(0.0, 2.0);
    let mut opt = Adam::new(0.5).betas(0.5, 0.75).eps(0.25);
    opt.step(&mut p);
    assert!((w(&p) + 4.0 / 9.0).abs() < 1e-15);
    set_grad(&mut p, -2.0);
    opt.step(&mut p);
    assert!((w(&p) + 8.0 / 27.0).abs() < 1e-15);
}

#[test]
fn adam_with_weight_decay_matches_hand_computed_steps_with_changing_gradients() {
    // w = 2, η = 0.1, λ = 0.1, default betas; ∇ = 1, then −0.5.
    // Step 1: g = 1 + 0.2 = 1.2; m = 0.12, v = 0.00144; m̂ = 1.2, v̂ = 1.44;
    //         w1 = 2 − 0.1·1.2/(1.2 + ε).
    // Step 2: g = −0.5 + 0.1·w1 = −0.5 + 0.19 (+ ε-sized) ≈ −0.31; m = 0.108 + 0.1·g,
    //         v = 0.999·0.00144 + 0.001·g²; m̂ = m/0.19, v̂ = v/0.001999;
    //         w2 = w1 − 0.1·m̂/(√v̂ + ε) ≈ 1.853747.
    let eps = 1e-8;
    let w1 = 2.0 - 0.1 * 1.2 / (1.2 + eps);
    let g = -0.5 + 0.1 * w1;
    let (m, v) = (0.9 * 0.12 + 0.1 * g, 0.999 * 0.00144 + 0.001 * g * g);
    let w2 = w1 - 0.1 * (m / 0.19) / ((v / 0.001999).sqrt() + eps);
    let mut p = one(2.0, 1.0);
    let mut opt = Adam::new(0.1).weight_decay(0.1);
    opt.step(&mut p);
    assert!((w(&p) - w1).abs() < 1e-15);
    set_grad(&mut p, -0.5);
    opt.step(&mut p);
    assert!((w(&p) - w2).abs() < 1e-14);
    assert!((w2 - 1.8537472646427609).abs() < 1e-14);
}

#[test]
fn adam_with_weight_decay_adds_lambda_w_to_the_gradient() {
    // ∇ = 0, λ = 0.5, w = 2: g = 1, so the first step is η·1/(1 + ε).
    let mut p = one(2.0, 0.0);
    Adam::new(0.1).weight_decay(0.5).step(&mut p);
    assert!((w(&p) - (2.0 - 0.1 / (1.0 + 1e-8))).abs() < 1e-15);
}

#[test]
#[should_panic(expected = "Adam::step: the optimizer's state was made for 1 parameters")]
fn reusing_an_optimizer_on_other_params_panics() {
    let mut opt = Adam::new(0.1);
    opt.step(&mut one(1.0, 1.0));
    let mut two = one(1.0, 1.0);
    two.add("b", Tensor::scalar(0.0));
    opt.step(&mut two);
}

/// One f32 parameter of one element, with gradient `g`.
fn single(w: f32, g: f32) -> Params<f32> {
    let mut p = Params::new();
    p.add("w", Tensor::from_vec(vec![w], &[1]).unwrap());
    p.get_mut("w").unwrap().grad = Tensor::from_vec(vec![g], &[1]).unwrap();
    p
}

fn is_normal_or_zero<T: Float>(x: T) -> bool {
    x == T::ZERO || x.abs() >= min_normal::<T>()
}

#[test]
fn min_normal_is_the_smallest_positive_normal_number() {
    assert_eq!(min_normal::<f32>(), f32::MIN_POSITIVE);
    assert_eq!(min_normal::<f64>(), f64::MIN_POSITIVE);
}

#[test]
fn sgd_reads_a_subnormal_gradient_as_zero_and_keeps_a_normal_tiny_one() {
    // w = 0, η = 1: w becomes −g exactly, so the test sees what was read.
    let tiny = f32::MIN_POSITIVE;
    let mut p = single(0.0, tiny / 4.0); // subnormal: read as 0
    Sgd::new(1.0).step(&mut p);
    assert_eq!(p["w"].value.data()[0], 0.0);
    let mut p = single(0.0, tiny); // the smallest normal: kept
    Sgd::new(1.0).step(&mut p);
    assert_eq!(p["w"].value.data()[0], -tiny);
    // The same with momentum, in f64.
    let mut p = Params::<f64>::new();
    p.add("w", Tensor::from_vec(vec![0.0, 0.0], &[2]).unwrap());
    let (sub, normal) = (f64::MIN_POSITIVE / 2.0, 3.0 * f64::MIN_POSITIVE);
    p.get_mut("w").unwrap().grad = Tensor::from_vec(vec![sub, normal], &[2]).unwrap();
    Sgd::new(1.0).momentum(0.5).step(&mut p);
    assert_eq!(p["w"].value.data(), &[0.0, -normal]);
}

#[test]
fn sgd_velocity_that_would_go_subnormal_becomes_exactly_zero() {
    // v = 2·tiny at step 1 (normal, kept exactly); with ∇ = 0 afterwards v halves each step:
    // tiny (normal, kept), then tiny/2, which is subnormal and stored as exactly 0.
    let tiny = f32::MIN_POSITIVE;
    let mut p = single(1.0, 2.0 * tiny);
    let mut opt = Sgd::new(0.5).momentum(0.5);
    opt.step(&mut p);
    assert_eq!(opt.velocity[0][0], 2.0 * tiny);
    p.get_mut("w").unwrap().grad = Tensor::from_vec(vec![0.0], &[1]).unwrap();
    opt.step(&mut p);
    assert_eq!(opt.velocity[0][0], tiny);
    opt.step(&mut p);
    assert_eq!(opt.velocity[0][0], 0.0);
    assert_eq!(opt.velocity[0][0].to_bits(), 0, "+0, not a subnormal or −0");
}

#[test]
fn adam_state_decays_to_exactly_zero_never_through_subnormals() {
    // A gradient of 1 for one step, then 0: m = 0.1·0.9ᵏ⁻¹ falls below 2⁻¹²⁶ after about
    // 820 steps and v = 0.001·0.999ᵏ⁻¹ stays normal. Every stored value is normal or 0, m
    // reaches exactly 0, and from then on the weight stops moving.
    let mut p = single(0.0, 1.0);
    let mut opt = Adam::<f32>::new(1e-3);
    opt.step(&mut p);
    p.get_mut("w").unwrap().grad = Tensor::from_vec(vec![0.0], &[1]).unwrap();
    let mut zero_at = None;
    for k in 2..=1000 {
        opt.step(&mut p);
        let (m, v) = (opt.m[0][0], opt.v[0][0]);
        assert!(
            is_normal_or_zero(m) && is_normal_or_zero(v),
            "step {k}: m {m:e}, v {v:e}"
        );
        if m == 0.0 && zero_at.is_none() {
            zero_at = Some(k);
        }
    }
    let k = zero_at.expect("m reached 0");
    // 0.1·0.9ᵏ⁻¹ < 2⁻¹²⁶ ⇔ k − 1 > ln(2⁻¹²⁶/0.1)/ln 0.9 ≈ 807.5 (give or take f32 rounding
    // of β₁ and of each product).
    assert!((800..=815).contains(&k), "m reached 0 at step {k}");
    assert!(opt.v[0][0] > 0.0);
    let before = p["w"].value.data()[0];
    opt.step(&mut p);
    assert_eq!(p["w"].value.data()[0], before);
}

#[test]
fn adam_reads_a_gradient_whose_square_term_is_subnormal_as_zero_and_keeps_the_rest() {
    // In f32 with β₂ = 0.999, (1 − β₂)·g² falls below 2⁻¹²⁶ ≈ 1.1755e-38 for |g| below
    // √(1.1755e-38/0.001) ≈ 3.43e-18. ∇ = 3e-18 gives 9e-39: read as 0, so m = v = 0 and w
    // stays 0 exactly.
    let mut p = single(0.0, 3e-18);
    let mut opt = Adam::<f32>::new(1e-3);
    opt.step(&mut p);
    assert_eq!((opt.m[0][0], opt.v[0][0]), (0.0, 0.0));
    assert_eq!(p["w"].value.data()[0], 0.0);
    // ∇ = 4e-18 gives (1 − β₂)·g² ≈ 1.6e-38, normal: kept, m = (1 − β₁)·g exactly as
    // computed in f32, and w moves by about η·m̂/(√v̂ + ε) = 1e-3·4e-18/(4e-18 + 1e-8).
    let mut p = single(0.0, 4e-18);
    let mut opt = Adam::<f32>::new(1e-3);
    opt.step(&mut p);
    assert_eq!(opt.m[0][0], (1.0 - 0.9f32) * 4e-18);
    // (1 − β₂ in f32 is 0.0010000467.)
    assert!(
        (opt.v[0][0] / 1.6e-38 - 1.0).abs() < 1e-4,
        "v {:e}",
        opt.v[0][0]
    );
    let moved = -p["w"].value.data()[0];
    assert!((moved / 4e-13 - 1.0).abs() < 1e-4, "moved {moved:e}");
    // A subnormal gradient is read as 0 as well.
    let mut p = single(0.0, f32::MIN_POSITIVE / 8.0);
    let mut opt = Adam::<f32>::new(1e-3);
    opt.step(&mut p);
    assert_eq!((opt.m[0][0], opt.v[0][0]), (0.0, 0.0));
    assert_eq!(p["w"].value.data()[0], 0.0);
}

#[test]
fn a_nan_gradient_is_kept_not_flushed() {
    let mut p = single(0.0, f32::NAN);
    Adam::<f32>::new(1e-3).step(&mut p);
    assert!(p["w"].value.data()[0].is_nan());
    let mut p = single(0.0, f32::NAN);
    Sgd::<f32>::new(1e-3).momentum(0.9).step(&mut p);
    assert!(p["w"].value.data()[0].is_nan());
}
