//! Unit tests of `Tensor`'s storage: copy-on-write, the pool, shapes, formatting.

use super::*;
use crate::error::Error;

#[test]
fn from_vec_reports_both_lengths() {
    let err = Tensor::<f64>::from_vec(vec![1.0; 5], &[2, 3]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains('5') && msg.contains('6') && msg.contains("[2, 3]"),
        "{msg}"
    );
}

#[test]
fn scalar_is_two_words() {
    assert_eq!(std::mem::size_of::<Tensor<f64>>(), 16);
    assert_eq!(std::mem::size_of::<Tensor<f32>>(), 16);
}

#[test]
fn a_clone_is_unchanged_by_writes_to_the_original() {
    // Clones share the data until a write, which copies: value semantics.
    let mut a = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap();
    let b = a.clone();
    assert!(
        std::ptr::eq(a.data(), b.data()),
        "a clone shares the buffer"
    );
    a.data_mut()[0] = 9.0;
    assert_eq!(
        (a.data(), b.data()),
        (&[9.0, 2.0, 3.0][..], &[1.0, 2.0, 3.0][..])
    );
    let c = b.clone().with_shape(&[3, 1]);
    assert_eq!((b.shape(), c.shape()), (&[3][..], &[3, 1][..]));
    assert_eq!(c.into_vec(), vec![1.0, 2.0, 3.0]);
}

#[test]
fn rank0_from_vec_is_scalar() {
    let t = Tensor::from_vec(vec![2.5], &[]).unwrap();
    assert_eq!(t, Tensor::scalar(2.5));
    assert_eq!(t.item(), 2.5);
}

#[test]
fn from_vec_finite_names_the_index() {
    let err = Tensor::from_vec_finite(vec![1.0, f64::NAN], &[2]).unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            context: "Tensor::from_vec_finite".into(),
            index: 1
        }
    );
}

#[test]
fn debug_summarises_a_large_tensor() {
    let t = Tensor::from_vec((0..1_000_000).map(f64::from).collect(), &[1000, 1000]).unwrap();
    let s = format!("{t:?}");
    // 7 rows shown (3, an ellipsis, 3) of 7 entries each: a few hundred characters.
    assert!(s.len() < 600, "{} characters: {s}", s.len());
    assert!(
        s.starts_with(
            "Tensor(shape=[1000, 1000], data=[[0.0, 1.0, 2.0, ..., 997.0, 998.0, 999.0], [1000.0,"
        ),
        "{s}"
    );
    assert!(
        s.ends_with("[999000.0, 999001.0, 999002.0, ..., 999997.0, 999998.0, 999999.0]])"),
        "{s}"
    );
    assert_eq!(
        s.matches("...").count(),
        7,
        "one per shown row and one between rows: {s}"
    );
    // At the threshold every element is still shown, flat.
    let small = Tensor::from_vec(vec![0.5; 1000], &[10, 100]).unwrap();
    assert_eq!(format!("{small:?}").matches("0.5").count(), 1000);
    assert!(!format!("{small:?}").contains("..."));
    // Short axes of a large tensor are shown whole; empty axes print as [].
    let wide = Tensor::<f32>::zeros(&[2, 2000]);
    assert_eq!(format!("{wide:?}").matches("...").count(), 2);
    assert_eq!(
        format!("{:?}", Tensor::<f64>::zeros(&[2, 0])),
        "Tensor(shape=[2, 0], data=[])"
    );
    assert_eq!(format!("{:?}", Tensor::scalar(2.5)), "Tensor(2.5)");
}

#[test]
#[should_panic(expected = "item: the tensor has shape [2]")]
fn item_of_vector_panics() {
    Tensor::<f64>::zeros(&[2]).item();
}
