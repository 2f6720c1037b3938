//! Small data sets and the bookkeeping around them: the two-moons generator, a labelled-CSV
//! reader, a seeded train/test split, accuracy and the confusion matrix.
//!
//! Everything is `f64`; convert with [`Tensor::from_f64`] for an `f32` model.

use crate::error::Error;
use crate::tensor::Tensor;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// Samples as rows of `x` (`[n, features]`) with one class label each.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// The features, one row per sample.
    pub x: Tensor<f64>,
    /// The class of each sample.
    pub labels: Vec<usize>,
}

impl Dataset {
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The number of features per sample.
    pub fn features(&self) -> usize {
        self.x.shape().get(1).copied().unwrap_or(0)
    }

    /// One more than the largest label.
    pub fn classes(&self) -> usize {
        self.labels.iter().max().map_or(0, |m| m + 1)
    }

    /// The samples at `index`, in that order.
    ///
    /// # Panics
    /// When an index is out of range.
    #[track_caller]
    pub fn select(&self, index: &[usize]) -> Dataset {
        Dataset {
            x: crate::nn::rows(&self.x, index),
            labels: index.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// Shuffles the samples with `seed` and cuts them into a training set holding
    /// round(`train_fraction`·n) samples and a test set holding the rest.
    ///
    /// # Panics
    /// When `train_fraction` is not in [0, 1].
    #[track_caller]
    pub fn split(&self, train_fraction: f64, seed: u64) -> (Dataset, Dataset) {
        if !(0.0..=1.0).contains(&train_fraction) {
            fraction_panic(train_fraction);
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let cut = (train_fraction * self.len() as f64).round() as usize;
        (self.select(&order[..cut]), self.select(&order[cut..]))
    }

    /// Every feature multiplied by `c` (for example 1/16 for 4-bit pixels).
    pub fn scaled(mut self, c: f64) -> Dataset {
        self.x = self.x.map(|v| v * c);
        self
    }
}

#[cold]
#[track_caller]
fn fraction_panic(f: f64) -> ! {
    panic!("Dataset::split: train_fraction {f} is not in [0, 1]")
}

/// Reads a CSV file whose first line is a header and whose other lines hold numeric features
/// followed by an integer class label in the last column (the layout of
/// `examples/data/digits.csv`). Blank lines are skipped.
///
/// # Errors
/// [`Error::Io`] naming the path when it cannot be read; [`Error::Format`] naming the file and
/// line (`digits.csv:12`) for a row with the wrong number of columns, a feature that is not a
/// finite number, or a label that is not a non-negative integer, or when there are no rows.
pub fn read_labeled_csv(path: impl AsRef<Path>) -> Result<Dataset, Error> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        context: format!("reading {}", path.display()),
        message: e.to_string(),
    })?;
    parse_labeled_csv(&text, &path.display().to_string())
}

/// [`read_labeled_csv`] on text already in memory; `name` stands for the file in errors.
///
/// ```
/// let d = tapegrad::data::parse_labeled_csv("a,b,label\n1,2,0\n3,4,1\n", "mem").unwrap();
/// assert_eq!((d.len(), d.features(), d.labels.clone()), (2, 2, vec![0, 1]));
/// let err = tapegrad::data::parse_labeled_csv("a,label\n1,0\nx,1\n", "mem").unwrap_err();
/// assert_eq!(err.to_string(), "mem:3: column 1: \"x\" is not a number");
/// ```
///
/// # Errors
/// As for [`read_labeled_csv`].
pub fn parse_labeled_csv(text: &str, name: &str) -> Result<Dataset, Error> {
    let bad = |line: usize, problem: String| Error::Format {
        context: format!("{name}:{line}"),
        problems: vec![problem],
    };
    let mut lines = text.lines().enumerate();
    let columns = match lines.next() {
        Some((_, header)) => header.split(',').count(),
        None => return Err(bad(1, "the file is empty (expected a header line)".into())),
    };
    if columns < 2 {
        return Err(bad(
            1,
            format!("the header has {columns} column; need features and a label"),
        ));
    }
    let (mut x, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in lines {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != columns {
            return Err(bad(
                line_no,
                format!("{} columns, but the header has {columns}", cells.len()),
            ));
        }
        for (c, cell) in cells[..columns - 1].iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => x.push(v),
                _ => {
                    return Err(bad(
                        line_no,
                        format!("column {}: {cell:?} is not a number", c + 1),
                    ));
                }
            }
        }
        let label = cells[columns - 1];
        match label.parse::<usize>() {
            Ok(k) => labels.push(k),
            Err(_) => {
                return Err(bad(
                    line_no,
                    format!("column {columns}: label {label:?} is not a non-negative integer"),
                ));
            }
        }
    }
    if labels.is_empty() {
        return Err(bad(2, "no data rows after the header".into()));
    }
    let x = Tensor::from_vec(x, &[labels.len(), columns - 1])
        .expect("every row has the header's width");
    Ok(Dataset { x, labels })
}

/// Two interleaved half circles, as scikit-learn's `make_moons`: n/2 points (rounded down)
/// on the upper moon (cos t, sin t) and the rest on the lower one (1 − cos t, ½ − sin t), t
/// evenly spaced over [0, π], each point moved by Gaussian noise of standard deviation
/// `noise` drawn from a ChaCha8 generator seeded with `seed`. Returns the points `[n, 2]`
/// and the labels: −1 for the upper moon and +1 for the lower, the targets of a hinge loss.
///
/// ```
/// let (x, y) = tapegrad::data::two_moons(100, 0.1, 1);
/// assert_eq!(x.shape(), &[100, 2]);
/// assert_eq!(y.iter().filter(|&&t| t > 0.0).count(), 50);
/// ```
pub fn two_moons(n: usize, noise: f64, seed: u64) -> (Tensor<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let upper = n / 2;
    let lower = n - upper;
    let angle = |i: usize, m: usize| {
        if m > 1 {
            std::f64::consts::PI * i as f64 / (m - 1) as f64
        } else {
            0.0
        }
    };
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for i in 0..upper {
        let t = angle(i, upper);
        x.extend([t.cos(), t.sin()]);
        y.push(-1.0);
    }
    for i in 0..lower {
        let t = angle(i, lower);
        x.extend([1.0 - t.cos(), 0.5 - t.sin()]);
        y.push(1.0);
    }
    for v in &mut x {
        *v += noise * gaussian(&mut rng);
    }
    (
        Tensor::from_vec(x, &[n, 2]).expect("two coordinates per point"),
        y,
    )
}

/// A standard normal draw by the Box–Muller transform.
fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: ln is finite
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The fraction of predictions equal to their label.
///
/// # Panics
/// When the two lengths differ.
#[track_caller]
pub fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    if predicted.len() != labels.len() {
        length_panic("accuracy", predicted.len(), labels.len());
    }
    let right = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    right as f64 / labels.len().max(1) as f64
}

/// The `classes × classes` confusion matrix: entry `[true][predicted]` counts the samples of
/// class `true` predicted as `predicted`.
///
/// # Panics
/// When the two lengths differ or a class is not below `classes`.
#[track_caller]
pub fn confusion_matrix(predicted: &[usize], labels: &[usize], classes: usize) -> Vec<Vec<usize>> {
    if predicted.len() != labels.len() {
        length_panic("confusion_matrix", predicted.len(), labels.len());
    }
    let mut m = vec![vec![0; classes]; classes];
    for (&p, &l) in predicted.iter().zip(labels) {
        m[l][p] += 1;
    }
    m
}

#[cold]
#[track_caller]
fn length_panic(op: &str, a: usize, b: usize) -> ! {
    panic!("{op}: {a} predictions for {b} labels")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_errors_name_file_line_and_column() {
        let cases = [
            (
                "a,b,label\n1,2,0\n1,2\n",
                "f.csv:3: 2 columns, but the header has 3",
            ),
            (
                "a,b,label\n1,nan,0\n",
                "f.csv:2: column 2: \"nan\" is not a number",
            ),
            (
                "a,b,label\n1,2,0\n\n1,2,-1\n",
                "f.csv:4: column 3: label \"-1\" is not a non-negative integer",
            ),
            ("a,b,label\n", "f.csv:2: no data rows after the header"),
            ("", "f.csv:1: the file is empty (expected a header line)"),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_labeled_csv(text, "f.csv").unwrap_err().to_string(),
                want
            );
        }
    }

    #[test]
    fn missing_csv_file_is_an_io_error_naming_it() {
        let err = read_labeled_csv("/nonexistent/digits.csv").unwrap_err();
        assert!(
            matches!(err, Error::Io { .. }) && err.to_string().contains("/nonexistent/digits.csv")
        );
    }

    #[test]
    fn split_is_a_seeded_partition() {
        let d = parse_labeled_csv("a,label\n0,0\n1,1\n2,2\n3,3\n4,4\n", "m").unwrap();
        let (tr, te) = d.split(0.8, 7);
        assert_eq!((tr.len(), te.len()), (4, 1));
        let mut all: Vec<usize> = tr.labels.iter().chain(&te.labels).copied().collect();
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3, 4]);
        // Features travel with their labels (feature i has label i).
        assert!(
            tr.x.data()
                .iter()
                .zip(&tr.labels)
                .all(|(&x, &l)| x == l as f64)
        );
        assert_eq!(d.split(0.8, 7), (tr, te));
    }

    #[test]
    fn two_moons_without_noise_lie_on_the_two_half_circles() {
        let (x, y) = two_moons(10, 0.0, 0);
        for (p, &t) in x.data().chunks(2).zip(&y) {
            let (cx, cy) = if t < 0.0 { (0.0, 0.0) } else { (1.0, 0.5) };
            let r = ((p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sqrt();
            assert!((r - 1.0).abs() < 1e-12);
            // The upper moon is above its centre, the lower below.
            assert!(if t < 0.0 {
                p[1] >= -1e-12
            } else {
                p[1] <= 0.5 + 1e-12
            });
        }
        assert_eq!(two_moons(10, 0.1, 3), two_moons(10, 0.1, 3));
    }

    #[test]
    fn accuracy_and_confusion_matrix_count_by_true_class() {
        let (pred, lab) = ([0, 1, 1, 2], [0, 1, 2, 2]);
        assert_eq!(accuracy(&pred, &lab), 0.75);
        assert_eq!(
            confusion_matrix(&pred, &lab, 3),
            [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
        );
    }
}
