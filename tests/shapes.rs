//! Shapes a caller gives are checked with checked multiplication: a shape whose element count
//! overflows is an `Err` from the data constructors and a panic at the caller's line, naming
//! what was called and the shape, from the infallible constructors and the ops. Nothing wraps
//! to a small count, and nothing aborts.
//!
//! `[2³², 2³²]` is the probe: its product wraps to exactly 0 in 64-bit arithmetic, so a
//! wrapping check would accept it with empty data.

use std::panic::{self, AssertUnwindSafe};
use tapegrad::{Error, Graph, Tensor};

const HUGE: [usize; 2] = [1 << 32, 1 << 32];
const HUGE_STR: &str = "[4294967296, 4294967296]";

/// Runs `f`, which must panic, and returns its message and the file it was raised in.
fn caught(f: impl FnOnce()) -> (String, String) {
    let at = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = at.clone();
    let hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if let Some(l) = info.location() {
            *seen.lock().unwrap() = l.file().to_string();
        }
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(hook);
    let payload = result.expect_err("expected a panic, but the call returned");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    let file = at.lock().unwrap().clone();
    (msg, file)
}

/// The panic hook is process-wide: the cases that install one run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[track_caller]
fn assert_panics_here(f: impl FnOnce(), want: &[&str]) {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (msg, file) = caught(f);
    for w in want {
        assert!(msg.contains(w), "message {msg:?} lacks {w:?}");
    }
    assert!(
        file.ends_with("shapes.rs"),
        "the panic points at {file}, not at the caller's line"
    );
}

#[test]
fn from_vec_rejects_a_shape_whose_count_wraps() {
    let err = Tensor::<f64>::from_vec(vec![], &HUGE).unwrap_err();
    assert_eq!(
        err,
        Error::ShapeOverflow {
            context: "Tensor::from_vec".into(),
            shape: HUGE.to_vec()
        }
    );
    assert!(err.to_string().contains(HUGE_STR), "{err}");
    // Only nonzero lengths count, so that every sub-shape of a valid shape is valid: 2⁶¹
    // f64 would be 2⁶⁴ bytes (over isize::MAX) even though a 0 makes the tensor empty,
    // while 2⁵⁹ f64 are 2⁶² bytes, under the bound.
    assert!(matches!(
        Tensor::<f64>::from_vec(vec![], &[1 << 61, 0]),
        Err(Error::ShapeOverflow { .. })
    ));
    assert!(matches!(
        Tensor::<f64>::from_vec(vec![], &[1 << 59, 0]),
        Ok(t) if t.is_empty() && t.shape() == [1 << 59, 0]
    ));
    // The bound itself: 2⁶⁰ f64 are 2⁶³ bytes, one past isize::MAX (and no usize overflow);
    // 2⁶⁰ − 1 of them are 2⁶³ − 8 bytes, within it.
    assert!(Tensor::<f64>::from_vec(vec![], &[1 << 60, 0]).is_err());
    assert!(Tensor::<f64>::from_vec(vec![], &[(1 << 60) - 1, 0]).is_ok());
    assert!(Tensor::<f32>::from_vec(vec![], &[1 << 61, 0]).is_err());
    assert!(Tensor::<f32>::from_vec(vec![], &[(1 << 61) - 1, 0]).is_ok());
    assert!(Tensor::<f64>::from_vec_finite(vec![], &HUGE).is_err());
}

#[test]
fn infallible_constructors_panic_naming_themselves() {
    assert_panics_here(
        || drop(Tensor::<f64>::zeros(&HUGE)),
        &["Tensor::zeros", HUGE_STR],
    );
    assert_panics_here(
        || drop(Tensor::<f32>::ones(&HUGE)),
        &["Tensor::ones", HUGE_STR],
    );
    assert_panics_here(
        || drop(Tensor::<f64>::full(&[1 << 61, 1], 1.0)),
        &["Tensor::full", "[2305843009213693952, 1]"],
    );
}

#[test]
fn try_zeros_reports_what_it_cannot_allocate() {
    // 2⁴⁰ f64 are 8 TiB: the allocator refuses (no machine this runs on has that much
    // memory plus swap), and the refusal is an error, not an abort.
    match Tensor::<f64>::try_zeros(&[1 << 40]) {
        Err(Error::OutOfMemory { bytes, shape, .. }) => {
            assert_eq!((bytes, shape), (8 << 40, vec![1 << 40]));
        }
        other => panic!("expected OutOfMemory, got {other:?}"),
    }
    assert!(matches!(
        Tensor::<f64>::try_zeros(&HUGE),
        Err(Error::ShapeOverflow { .. })
    ));
    let t = Tensor::<f32>::try_zeros(&[2, 3]).unwrap();
    assert_eq!((t.shape(), t.data()), (&[2, 3][..], &[0.0; 6][..]));
    assert_eq!(Tensor::<f64>::try_zeros(&[]).unwrap(), Tensor::scalar(0.0));
}

#[test]
fn broadcast_to_an_overflowing_shape_panics_naming_the_op() {
    let g = Graph::<f64>::new();
    let x = g.tensor(Tensor::zeros(&[1]));
    assert_panics_here(
        || {
            let _ = x.broadcast_to(&HUGE);
        },
        &["broadcast_to", HUGE_STR],
    );
}

#[test]
fn a_broadcast_whose_result_overflows_panics_with_the_shape() {
    // Each input is a valid (empty) shape; their broadcast [2³², 0, 2³²] is not, since its
    // nonzero lengths multiply past usize. (A non-empty overflowing result would need inputs
    // of 32 GiB each.) Every tensor that exists has a valid shape, so kernels that multiply
    // parts of a shape cannot overflow.
    let g = Graph::<f64>::new();
    let a = g.tensor(Tensor::from_vec(vec![], &[1, 0, 1 << 32]).unwrap());
    let b = g.tensor(Tensor::from_vec(vec![], &[1 << 32, 0, 1]).unwrap());
    assert_panics_here(
        || {
            let _ = a + b;
        },
        &["add", "[4294967296, 0, 4294967296]"],
    );
}

#[test]
fn reshape_to_an_overflowing_shape_panics_naming_the_op() {
    let g = Graph::<f64>::new();
    let x = g.tensor(Tensor::from_vec(vec![], &[0]).unwrap());
    assert_panics_here(
        || {
            let _ = x.reshape(&HUGE);
        },
        &["reshape", HUGE_STR],
    );
}
