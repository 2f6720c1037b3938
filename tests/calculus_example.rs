//! The calculus example: its pictures are written as valid PNGs of the requested size, and
//! its three learning rates do what the tables and pictures say they do.

#[path = "../examples/calculus.rs"]
#[allow(dead_code)]
mod calculus;

use tapegrad::Stop;

/// The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320), bit by bit.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Walks a PNG's chunks, checking the signature and every chunk's CRC, that IHDR comes first,
/// that there is image data and that IEND ends the file. Returns (width, height).
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG signature");
    let be = |k: usize| u32::from_be_bytes(bytes[k..k + 4].try_into().unwrap());
    let mut at = 8;
    let mut kinds = Vec::new();
    while at < bytes.len() {
        let len = be(at) as usize;
        let body = &bytes[at + 4..at + 8 + len];
        assert_eq!(
            crc32(body),
            be(at + 8 + len),
            "bad CRC in a {:?} chunk",
            &body[..4]
        );
        kinds.push(body[..4].to_vec());
        at += 12 + len;
    }
    assert_eq!(at, bytes.len(), "the last chunk overruns the file");
    assert_eq!(kinds.first().map(Vec::as_slice), Some(&b"IHDR"[..]));
    assert_eq!(kinds.last().map(Vec::as_slice), Some(&b"IEND"[..]));
    assert!(kinds.iter().any(|k| k == b"IDAT"), "no image data");
    (be(16), be(20))
}

#[test]
fn pictures_are_valid_pngs_of_the_requested_size() {
    let dir = std::env::temp_dir().join("tapegrad-calculus-example-test");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let written = calculus::pictures(&dir, 0.4).unwrap();
    let names: Vec<_> = written
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["calculus_loss_curve.png", "calculus_contour.png"]);
    for (path, size) in &written {
        assert!(
            path.starts_with(&dir),
            "{} is outside {}",
            path.display(),
            dir.display()
        );
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(png_size(&bytes), *size, "{}", path.display());
    }
    assert_eq!(written[0].1, (600, 184));
}

#[test]
fn the_three_learning_rates_crawl_converge_and_overshoot() {
    for (setup, loss) in [
        (
            calculus::curve_setup(),
            calculus::curve_loss as calculus::LossFn,
        ),
        (calculus::bowl_setup(), calculus::bowl_loss),
    ] {
        let runs = calculus::run_all(&setup, loss);
        let start = runs[0].path[0].loss;
        // Crawls: never reaches the target, but every step goes down.
        assert_eq!(runs[0].stop, Stop::MaxSteps);
        assert!(runs[0].path.windows(2).all(|w| w[1].loss < w[0].loss));
        // Converges: reaches the target well within the step budget.
        assert_eq!(runs[1].stop, Stop::TargetReached);
        assert!(runs[1].steps() < setup.max_steps);
        // Oscillates or diverges: the parameter that overshoots changes sign every step.
        assert_eq!(runs[2].stop, Stop::MaxSteps);
        let last = runs[2].path.len() - 1;
        let coord = last_coordinate(&runs[2].path[last].x);
        let before = last_coordinate(&runs[2].path[last - 1].x);
        assert!(
            coord * before < 0.0,
            "no sign change: {before} then {coord}"
        );
        assert!(runs[2].last().loss > runs[1].last().loss && start > 0.0);
    }
}

/// The overshooting coordinate, measured from the minimum: w − 3 on the curve, y on the bowl.
fn last_coordinate(x: &tapegrad::Tensor<f64>) -> f64 {
    match x.data() {
        [w] => w - 3.0,
        d => d[d.len() - 1],
    }
}
