//! Optimizer hyper-parameters out of range panic at the caller's line (this file, the line of
//! the offending call), naming the optimizer's call, the hyper-parameter and the bad value.
//! Called only through the public API, as a user would.
//!
//! The panic hook records the location of a panic in a thread-local slot while a case is
//! expected to panic and defers to the default hook otherwise, so the cases run in parallel
//! without racing and real failures still print.

use crate::Tensor;
use crate::nn::Params;
use crate::optim::{Adam, Optimizer, Sgd};
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static EXPECTING: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if EXPECTING.with(Cell::get) {
                let at = info.location().map(|l| (l.file().to_string(), l.line()));
                CAUGHT.with(|c| *c.borrow_mut() = at);
            } else {
                default(info);
            }
        }));
    });
}

/// Runs `f`, which must panic; returns the message, file and line of the panic.
fn caught(f: impl FnOnce()) -> (String, String, u32) {
    install_hook();
    EXPECTING.with(|e| e.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    EXPECTING.with(|e| e.set(false));
    let payload = match result {
        Ok(()) => panic!("expected a panic, but the call returned"),
        Err(p) => p,
    };
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    let (file, line) = CAUGHT
        .with(|c| c.borrow_mut().take())
        .expect("the hook saw it");
    (msg, file, line)
}

/// Asserts that `$call` panics on the line where the macro is invoked (or the next few, when
/// rustfmt breaks the call), with exactly the message `$want`.
macro_rules! misuse {
    ($call:expr, $want:expr $(,)?) => {{
        let here = line!();
        let (msg, file, line) = caught(|| {
            let _ = $call;
        });
        assert!(
            file.ends_with("src/optim/misuse.rs") && (here..here + 4).contains(&line),
            "raised at {file}:{line}, not at the caller's line {here}: {msg}"
        );
        assert_eq!(msg, $want);
    }};
}

#[test]
fn sgd_learning_rate_must_be_finite_and_not_negative() {
    misuse!(
        Sgd::new(f64::NAN),
        "Sgd::new: the learning rate must be finite and >= 0, got NaN"
    );
    misuse!(
        Sgd::new(-0.1f32),
        "Sgd::new: the learning rate must be finite and >= 0, got -0.1"
    );
    misuse!(
        Sgd::new(f64::INFINITY),
        "Sgd::new: the learning rate must be finite and >= 0, got inf"
    );
    // 0 freezes the weights (a schedule's end), so it is accepted.
    assert_eq!(Sgd::new(0.0).lr, 0.0);
}

#[test]
fn sgd_momentum_must_be_in_zero_one() {
    misuse!(
        Sgd::new(0.1).momentum(1.0),
        "Sgd::momentum: the momentum must be in [0, 1), got 1"
    );
    misuse!(
        Sgd::new(0.1).momentum(-0.5),
        "Sgd::momentum: the momentum must be in [0, 1), got -0.5"
    );
    misuse!(
        Sgd::new(0.1).momentum(f64::NAN),
        "Sgd::momentum: the momentum must be in [0, 1), got NaN"
    );
    assert_eq!(Sgd::new(0.1).momentum(0.0).momentum, 0.0);
}

#[test]
fn sgd_weight_decay_must_be_finite_and_not_negative() {
    misuse!(
        Sgd::new(0.1).weight_decay(-1.0),
        "Sgd::weight_decay: the weight decay must be finite and >= 0, got -1"
    );
    misuse!(
        Sgd::new(0.1).weight_decay(f64::INFINITY),
        "Sgd::weight_decay: the weight decay must be finite and >= 0, got inf"
    );
}

#[test]
fn adam_learning_rate_must_be_finite_and_not_negative() {
    misuse!(
        Adam::new(f64::NAN),
        "Adam::new: the learning rate must be finite and >= 0, got NaN"
    );
    misuse!(
        Adam::new(-0.1),
        "Adam::new: the learning rate must be finite and >= 0, got -0.1"
    );
    misuse!(
        Adam::new(f32::NEG_INFINITY),
        "Adam::new: the learning rate must be finite and >= 0, got -inf"
    );
}

#[test]
fn adam_betas_must_be_in_zero_one() {
    misuse!(
        Adam::new(0.1).betas(1.0, 0.999),
        "Adam::betas: β₁ must be in [0, 1), got 1"
    );
    misuse!(
        Adam::new(0.1).betas(0.9, 1.5),
        "Adam::betas: β₂ must be in [0, 1), got 1.5"
    );
    misuse!(
        Adam::new(0.1).betas(-0.1, 0.999),
        "Adam::betas: β₁ must be in [0, 1), got -0.1"
    );
    misuse!(
        Adam::new(0.1).betas(0.9, f64::NAN),
        "Adam::betas: β₂ must be in [0, 1), got NaN"
    );
    let opt = Adam::new(0.1).betas(0.0, 0.5);
    assert_eq!((opt.beta1, opt.beta2), (0.0, 0.5));
}

#[test]
fn adam_eps_must_be_finite_and_positive() {
    misuse!(
        Adam::new(0.1).eps(0.0),
        "Adam::eps: ε must be finite and > 0, got 0"
    );
    misuse!(
        Adam::new(0.1).eps(-1e-8),
        "Adam::eps: ε must be finite and > 0, got -0.00000001"
    );
    misuse!(
        Adam::new(0.1).eps(f64::NAN),
        "Adam::eps: ε must be finite and > 0, got NaN"
    );
}

#[test]
fn adam_weight_decay_must_be_finite_and_not_negative() {
    misuse!(
        Adam::new(0.1).weight_decay(-0.01),
        "Adam::weight_decay: the weight decay must be finite and >= 0, got -0.01"
    );
}

fn params() -> Params<f64> {
    let mut p = Params::new();
    p.add("w", Tensor::scalar(1.0));
    p
}

#[test]
fn a_bad_value_set_through_a_public_field_panics_at_the_step() {
    let mut opt = Adam::new(0.1);
    opt.lr = f64::NAN;
    misuse!(
        opt.step(&mut params()),
        "Adam::step: the learning rate must be finite and >= 0, got NaN"
    );
    let mut opt = Adam::new(0.1);
    opt.beta2 = 1.0;
    misuse!(
        opt.step(&mut params()),
        "Adam::step: β₂ must be in [0, 1), got 1"
    );
    let mut opt = Adam::new(0.1);
    opt.eps = 0.0;
    misuse!(
        opt.step(&mut params()),
        "Adam::step: ε must be finite and > 0, got 0"
    );
    let mut opt = Sgd::new(0.1);
    opt.momentum = 1.0;
    misuse!(
        opt.step(&mut params()),
        "Sgd::step: the momentum must be in [0, 1), got 1"
    );
    let mut opt = Sgd::new(0.1);
    opt.weight_decay = -2.0;
    misuse!(
        opt.step(&mut params()),
        "Sgd::step: the weight decay must be finite and >= 0, got -2"
    );
}
