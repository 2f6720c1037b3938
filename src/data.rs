//! Small data sets and the bookkeeping around them: the two-moons generator, a labelled-CSV
//! reader, a seeded train/test split, accuracy and the confusion matrix.
//!
//! Everything is `f64`; convert with [`Tensor::from_f64`] for an `f32` model.

#[cfg(feature = "csv")]
use crate::error::Error;
use crate::tensor::Tensor;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
#[cfg(feature = "csv")]
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

    /// One more than the largest label (0 with no samples). Labels read from a file are at
    /// most [`MAX_LABEL`], so this is at most `MAX_LABEL + 1` for them.
    ///
    /// # Panics
    /// When a label is `usize::MAX` (set by hand: the count would not fit in a `usize`).
    #[track_caller]
    pub fn classes(&self) -> usize {
        match self.labels.iter().max() {
            None => 0,
            Some(&m) => m.checked_add(1).unwrap_or_else(|| classes_panic(m)),
        }
    }

    /// The samples at `index`, in that order.
    ///
    /// # Panics
    /// When an index is out of range.
    #[track_caller]
    pub fn select(&self, index: &[usize]) -> Dataset {
        Dataset {
            x: self.x.select_rows(index),
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
fn classes_panic(label: usize) -> ! {
    panic!("Dataset::classes: label {label} leaves no class count that fits in a usize")
}

#[cold]
#[track_caller]
fn fraction_panic(f: f64) -> ! {
    panic!("Dataset::split: train_fraction {f} is not in [0, 1]")
}

/// The largest class label [`read_labeled_csv`] accepts. Labels index classes, and
/// [`Dataset::classes`] and a model's output layer are sized by the largest one, so a label
/// beyond this is a damaged file, not a million-class problem.
pub const MAX_LABEL: usize = 1_000_000;

/// Reads a CSV file whose first record is a header and whose other records hold numeric
/// features followed by an integer class label in the last column (the layout of
/// `examples/data/digits.csv`). Fields follow RFC 4180 as the `csv` crate reads them: a field
/// may be quoted (`"1.5"`, `"width, cm"`), and `""` inside quotes is one quote. Spaces around
/// a field are trimmed; blank lines are skipped.
///
/// # Errors
/// [`Error::Io`] naming the path when it cannot be read; [`Error::Format`] naming the file and
/// the line the record starts on (`digits.csv:12`) for a record with the wrong number of
/// fields, a feature that is not a finite number, a label that is not an integer in
/// 0..=[`MAX_LABEL`], text that is not UTF-8, or when there are no records.
#[cfg(feature = "csv")]
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
/// let d = tapegrad::data::parse_labeled_csv("a,\"b, cm\",label\n1,\"2\",0\n3,4,1\n", "mem").unwrap();
/// assert_eq!((d.len(), d.features(), d.labels.clone()), (2, 2, vec![0, 1]));
/// assert_eq!(d.x.data(), &[1.0, 2.0, 3.0, 4.0]);
/// let err = tapegrad::data::parse_labeled_csv("a,label\n1,0\nx,1\n", "mem").unwrap_err();
/// assert_eq!(err.to_string(), "mem:3: column 1: \"x\" is not a number");
/// ```
///
/// # Errors
/// As for [`read_labeled_csv`].
#[cfg(feature = "csv")]
pub fn parse_labeled_csv(text: &str, name: &str) -> Result<Dataset, Error> {
    let bad = |line: u64, problem: String| Error::Format {
        context: format!("{name}:{line}"),
        problems: vec![problem],
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    // A record's line is the line it starts on (a quoted field may span lines), counted from
    // its byte offset: csv's own line count gives the first record after a blank line the
    // blank's number (BurntSushi/rust-csv#208), and its offset may point at that blank too,
    // so line breaks at the offset are skipped first.
    let line_at = |pos: Option<&csv::Position>| -> u64 {
        let Some(pos) = pos else { return 1 };
        let from = usize::try_from(pos.byte()).map_or(text.len(), |b| b.min(text.len()));
        let start = text[from..]
            .find(|c| c != '\n' && c != '\r')
            .map_or(text.len(), |k| from + k);
        1 + text.as_bytes()[..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
    };
    let mut next = || -> Result<Option<(u64, csv::StringRecord)>, Error> {
        loop {
            match records.next() {
                None => return Ok(None),
                Some(Err(e)) => return Err(bad(line_at(e.position()), e.to_string())),
                // A line of spaces is one empty field once trimmed: blank, skipped.
                Some(Ok(r)) if r.iter().all(str::is_empty) => continue,
                Some(Ok(r)) => return Ok(Some((line_at(r.position()), r))),
            }
        }
    };
    let (header_line, columns) = match next()? {
        Some((line, header)) => (line, header.len()),
        None => return Err(bad(1, "the file is empty (expected a header line)".into())),
    };
    if columns < 2 {
        return Err(bad(
            header_line,
            format!("the header has {columns} column; need features and a label"),
        ));
    }
    let (mut x, mut labels) = (Vec::new(), Vec::new());
    let mut last_line = header_line;
    while let Some((line, cells)) = next()? {
        last_line = line;
        if cells.len() != columns {
            return Err(bad(
                line,
                format!("{} columns, but the header has {columns}", cells.len()),
            ));
        }
        for (c, cell) in cells.iter().take(columns - 1).enumerate() {
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => x.push(v),
                _ => {
                    return Err(bad(
                        line,
                        format!("column {}: {cell:?} is not a number", c + 1),
                    ));
                }
            }
        }
        let label = &cells[columns - 1];
        match label.parse::<usize>() {
            Ok(k) if k <= MAX_LABEL => labels.push(k),
            Ok(_) => {
                return Err(bad(
                    line,
                    format!(
                        "column {columns}: label {label} is above {MAX_LABEL}, the largest \
                         this reader accepts"
                    ),
                ));
            }
            Err(_) => {
                return Err(bad(
                    line,
                    format!("column {columns}: label {label:?} is not a non-negative integer"),
                ));
            }
        }
    }
    if labels.is_empty() {
        return Err(bad(last_line + 1, "no data rows after the header".into()));
    }
    let x = Tensor::from_vec(x, &[labels.len(), columns - 1])
        .expect("every row has the header's width");
    Ok(Dataset { x, labels })
}

/// Two interleaved half circles, as scikit-learn's `make_moons`: n/2 points (rounded down)
/// on the upper moon (cos t, sin t) and the rest on the lower one (1 − cos t, ½ − sin t), t
/// evenly spaced over [0, π], each coordinate moved by normal noise N(0, `noise`²)
/// (`rand_distr`'s standard normal, scaled) drawn from a ChaCha8 generator seeded with
/// `seed`, x before y, point by point. Returns the points `[n, 2]` and the labels: −1 for the
/// upper moon and +1 for the lower, the targets of a hinge loss (map them to 0/1 for a
/// cross-entropy).
///
/// ```
/// let (x, y) = tapegrad::data::two_moons(100, 0.1, 1);
/// assert_eq!(x.shape(), &[100, 2]);
/// assert_eq!(y.iter().filter(|&&t| t > 0.0).count(), 50);
/// ```
///
/// # Panics
/// When `noise` is negative or not finite.
#[track_caller]
pub fn two_moons(n: usize, noise: f64, seed: u64) -> (Tensor<f64>, Vec<f64>) {
    if !(noise.is_finite() && noise >= 0.0) {
        noise_panic(noise);
    }
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
        let z: f64 = StandardNormal.sample(&mut rng);
        *v += noise * z;
    }
    (
        Tensor::from_vec(x, &[n, 2]).expect("two coordinates per point"),
        y,
    )
}

#[cold]
#[track_caller]
fn noise_panic(noise: f64) -> ! {
    panic!("two_moons: noise {noise} is not a standard deviation (finite and at least 0)")
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

    #[cfg(feature = "csv")]
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
            // Blank lines (CRLF or LF, or only spaces) are skipped but still counted.
            (
                "a,label\r\n1,0\r\n\r\n\r\n2,x\r\n",
                "f.csv:5: column 2: label \"x\" is not a non-negative integer",
            ),
            (
                "a,label\n1,0\n   \n\n2,1,3\n",
                "f.csv:5: 3 columns, but the header has 2",
            ),
            ("a,b,label\n", "f.csv:2: no data rows after the header"),
            ("", "f.csv:1: the file is empty (expected a header line)"),
            // The largest usize parses, and is refused as a label rather than sized into a
            // class count that would wrap.
            (
                "a,label\n1,0\n2,18446744073709551615\n",
                "f.csv:3: column 2: label 18446744073709551615 is above 1000000, the largest \
                 this reader accepts",
            ),
            (
                "a,label\n1,1000001\n",
                "f.csv:2: column 2: label 1000001 is above 1000000, the largest this reader \
                 accepts",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_labeled_csv(text, "f.csv").unwrap_err().to_string(),
                want
            );
        }
    }

    #[cfg(feature = "csv")]
    #[test]
    fn quoted_fields_are_one_field_each_and_lines_count_from_where_a_record_starts() {
        // A header name with a comma in quotes, a quoted number, and "" for a quote.
        let d = parse_labeled_csv(
            "\"width, cm\",\"say \"\"hi\"\"\",label\n\"1.5\", 2 ,3\n",
            "q.csv",
        )
        .unwrap();
        assert_eq!(
            (d.features(), d.x.data(), &d.labels[..]),
            (2, &[1.5, 2.0][..], &[3][..])
        );
        // The header's first field spans lines 1 and 2, so the bad record is on line 4, after
        // the good one on line 3 (a line-splitting reader would say 3 and miscount columns).
        let err = parse_labeled_csv("\"a\nb\",label\n1,0\n2,x\n", "q.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "q.csv:4: column 2: label \"x\" is not a non-negative integer"
        );
        // A quoted comma inside a number is still one (bad) field, not two.
        let err = parse_labeled_csv("a,label\n\"1,5\",0\n", "q.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "q.csv:2: column 1: \"1,5\" is not a number"
        );
    }

    #[test]
    fn classes_is_one_past_the_largest_label() {
        let d = |labels: Vec<usize>| Dataset {
            x: Tensor::zeros(&[labels.len(), 1]),
            labels,
        };
        assert_eq!(d(vec![]).classes(), 0);
        assert_eq!(d(vec![2, 0, 7]).classes(), 8);
    }

    #[test]
    #[should_panic(expected = "Dataset::classes: label 18446744073709551615 leaves no class count")]
    fn classes_of_a_usize_max_label_panics_instead_of_wrapping() {
        let d = Dataset {
            x: Tensor::zeros(&[1, 1]),
            labels: vec![usize::MAX],
        };
        let _ = d.classes();
    }

    #[cfg(feature = "csv")]
    #[test]
    fn missing_csv_file_is_an_io_error_naming_it() {
        let err = read_labeled_csv("/nonexistent/digits.csv").unwrap_err();
        assert!(
            matches!(err, Error::Io { .. }) && err.to_string().contains("/nonexistent/digits.csv")
        );
    }

    #[test]
    fn split_is_a_seeded_partition() {
        let d = Dataset {
            x: Tensor::from_vec(vec![0.0, 1.0, 2.0, 3.0, 4.0], &[5, 1]).unwrap(),
            labels: vec![0, 1, 2, 3, 4],
        };
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
    fn two_moons_noise_is_normal_with_the_given_deviation() {
        // The noise is the offset from the noiseless point of the same index; over 2·4000
        // coordinates its mean is within 4 standard errors (4·0.3/√8000 ≈ 0.013) of 0 and
        // its standard deviation within 5% of 0.3.
        let (clean, _) = two_moons(4000, 0.0, 5);
        let (noisy, _) = two_moons(4000, 0.3, 5);
        let e: Vec<f64> = noisy
            .data()
            .iter()
            .zip(clean.data())
            .map(|(a, b)| a - b)
            .collect();
        let mean = e.iter().sum::<f64>() / e.len() as f64;
        let sd = (e.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / e.len() as f64).sqrt();
        assert!(mean.abs() < 0.013, "mean {mean}");
        assert!((sd - 0.3).abs() < 0.015, "sd {sd}");
    }

    #[test]
    #[should_panic(expected = "two_moons: noise -0.1 is not a standard deviation")]
    fn two_moons_negative_noise_panics() {
        let _ = two_moons(10, -0.1, 0);
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
