//! The picture examples, run small: each writes its files, and each file is a PNG of the
//! requested size.

#[path = "../examples/activations.rs"]
#[allow(dead_code)]
mod activations;
#[path = "../examples/decision_boundaries.rs"]
#[allow(dead_code)]
mod decision_boundaries;
#[path = "../examples/regression.rs"]
#[allow(dead_code)]
mod regression;

use std::path::PathBuf;

/// (width, height) from the IHDR chunk, after checking the PNG signature and that IHDR is
/// the first chunk with its 13-byte body.
fn png_size(path: &PathBuf) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: not a PNG",
        path.display()
    );
    let be = |k: usize| u32::from_be_bytes(bytes[k..k + 4].try_into().unwrap());
    assert_eq!((be(8), &bytes[12..16]), (13, &b"IHDR"[..]));
    assert!(bytes.len() > 1000, "{}: suspiciously small", path.display());
    (be(16), be(20))
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join("tapegrad-pictures").join(name);
    tapegrad::plot::output_dir(Some(d)).unwrap()
}

#[test]
fn activations_example_writes_a_png_of_the_requested_size() {
    let path = activations::run(&dir("activations"), (480, 360), 41).unwrap();
    assert!(path.ends_with("activations.png"));
    assert_eq!(png_size(&path), (480, 360));
}

#[test]
fn decision_boundaries_example_writes_regions_and_loss_curve() {
    let size = decision_boundaries::Size {
        points: 40,
        epochs: 10,
        cells: 16,
        pixels: (400, 400),
        progress: false,
    };
    let paths = decision_boundaries::run(&dir("moons"), size).unwrap();
    assert_eq!(paths.len(), 2);
    assert_eq!(png_size(&paths[0]), (400, 400));
    assert_eq!(png_size(&paths[1]), (400, 240));
}

#[test]
fn moons_are_seeded_and_balanced() {
    let (a, la) = decision_boundaries::moons(50, 1);
    let (b, _) = decision_boundaries::moons(50, 1);
    assert_eq!(a.data(), b.data());
    assert_eq!(la.iter().filter(|&&c| c == 1.0).count(), 25);
}

#[test]
fn regression_example_writes_fit_and_loss_curve() {
    let size = regression::Size {
        points: 16,
        epochs: 10,
        pixels: (320, 200),
        progress: false,
    };
    let paths = regression::run(&dir("regression"), size).unwrap();
    assert_eq!(paths.len(), 2);
    for p in &paths {
        assert_eq!(png_size(p), (320, 200));
    }
}
