//! Saving and loading [`Params`] as safetensors, the format PyTorch, NumPy (through the
//! `safetensors` package) and candle read: each parameter under its own name, with its shape,
//! little-endian `F32` or `F64` as the tape's type.
//!
//! ```python
//! from safetensors.numpy import load_file
//! w = load_file("model.safetensors")["layer0.weight"]   # shape (out, in)
//! ```
//!
//! Loading checks the whole file against the parameters first and changes nothing unless it
//! all fits: a missing name, an extra name, a wrong shape or an unsupported dtype is an
//! [`Error::Format`] listing every problem found.

use super::params::Params;
use crate::error::Error;
use crate::float::Float;
use crate::tensor::Tensor;
use safetensors::tensor::{Dtype, SafeTensors, View};
use std::borrow::Cow;
use std::path::Path;

/// One parameter's bytes, for the safetensors writer.
struct Raw {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &Raw {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

fn dtype_of<T: Float>() -> Dtype {
    if T::NAME == "f32" {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

fn to_bytes<T: Float>(t: &Tensor<T>) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.len() * if T::NAME == "f32" { 4 } else { 8 });
    for &x in t.data() {
        if T::NAME == "f32" {
            out.extend_from_slice(&(x.to_f64() as f32).to_le_bytes());
        } else {
            out.extend_from_slice(&x.to_f64().to_le_bytes());
        }
    }
    out
}

/// Decodes little-endian F32 or F64 bytes (a length that fits the shape is checked by the
/// safetensors reader); `None` for any other dtype.
fn from_bytes<T: Float>(dtype: Dtype, bytes: &[u8]) -> Option<Vec<T>> {
    match dtype {
        Dtype::F32 => Some(
            bytes
                .chunks_exact(4)
                .map(|c| T::from_f64(f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64))
                .collect(),
        ),
        Dtype::F64 => Some(
            bytes
                .chunks_exact(8)
                .map(|c| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(c);
                    T::from_f64(f64::from_le_bytes(b))
                })
                .collect(),
        ),
        _ => None,
    }
}

impl<T: Float> Params<T> {
    /// The parameters as the bytes of a safetensors file.
    ///
    /// # Errors
    /// [`Error::Format`] if the safetensors writer refuses (for example a header over its
    /// size limit).
    pub fn to_safetensors(&self) -> Result<Vec<u8>, Error> {
        let raws: Vec<(String, Raw)> = self
            .iter()
            .map(|(name, p)| {
                let raw = Raw {
                    dtype: dtype_of::<T>(),
                    shape: p.value.shape().to_vec(),
                    bytes: to_bytes(&p.value),
                };
                (name.to_string(), raw)
            })
            .collect();
        safetensors::serialize(raws.iter().map(|(n, r)| (n.as_str(), r)), None).map_err(|e| {
            Error::Format {
                context: "safetensors (writing)".into(),
                problems: vec![e.to_string()],
            }
        })
    }

    /// Writes every parameter to a safetensors file at `path`.
    ///
    /// ```
    /// use tapegrad::{Tensor, nn::Params};
    /// let mut p = Params::<f64>::new();
    /// p.add("layer0.weight", Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap());
    /// let path = std::env::temp_dir().join("tapegrad_doc_save.safetensors");
    /// p.save(&path).unwrap();
    /// let mut q = Params::<f64>::new();
    /// q.add("layer0.weight", Tensor::zeros(&[2, 3]));
    /// q.load(&path).unwrap();
    /// assert_eq!(q, p);
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`] naming the path when the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let bytes = self.to_safetensors()?;
        std::fs::write(path, bytes).map_err(|e| Error::Io {
            context: format!("writing {}", path.display()),
            message: e.to_string(),
        })
    }

    /// Reads every parameter's value from a safetensors file at `path`; see
    /// [`load_safetensors`](Params::load_safetensors).
    ///
    /// # Errors
    /// [`Error::Io`] naming the path when it cannot be read; [`Error::Format`] as for
    /// `load_safetensors`.
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            context: format!("reading {}", path.display()),
            message: e.to_string(),
        })?;
        self.load_safetensors(&bytes, &path.display().to_string())
    }

    /// Sets every parameter's value from safetensors `bytes` (F32 or F64, converted to the
    /// tape's type) and zeroes the gradients. `context` names the source in errors.
    ///
    /// # Errors
    /// [`Error::Format`] listing every problem at once: bytes that are not safetensors, names
    /// in the parameters but not in the file, names in the file but not in the parameters,
    /// shapes that differ, dtypes other than F32/F64. On error nothing is changed.
    pub fn load_safetensors(&mut self, bytes: &[u8], context: &str) -> Result<(), Error> {
        let fail = |problems| Error::Format {
            context: context.to_string(),
            problems,
        };
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| fail(vec![format!("not a safetensors file: {e}")]))?;
        let mut problems = Vec::new();
        let mut values = Vec::with_capacity(self.len());
        for (name, p) in self.iter() {
            let Ok(view) = file.tensor(name) else {
                problems.push(format!("missing {name:?} (shape {:?})", p.value.shape()));
                continue;
            };
            if view.shape() != p.value.shape() {
                problems.push(format!(
                    "{name:?} has shape {:?} in the file but {:?} in the model",
                    view.shape(),
                    p.value.shape()
                ));
                continue;
            }
            match from_bytes::<T>(view.dtype(), view.data()) {
                Some(data) => values.push(data),
                None => problems.push(format!(
                    "{name:?} has dtype {:?}; only F32 and F64 are read",
                    view.dtype()
                )),
            }
        }
        let mut extra: Vec<&str> = file
            .names()
            .into_iter()
            .filter(|n| self.get(n).is_none())
            .collect();
        extra.sort_unstable();
        for name in extra {
            problems.push(format!(
                "unexpected {name:?} (not a parameter of the model)"
            ));
        }
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        for ((_, p), data) in self.iter_mut().zip(values) {
            p.value.data_mut().copy_from_slice(&data);
            p.grad.data_mut().fill(T::ZERO);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Params<f64> {
        let mut p = Params::new();
        let w: Vec<f64> = (0..6).map(|i| i as f64 * 0.1 - 0.2).collect();
        p.add("layer0.weight", Tensor::from_vec(w, &[2, 3]).unwrap());
        p.add(
            "layer0.bias",
            Tensor::from_vec(vec![0.5, -0.5], &[2]).unwrap(),
        );
        p.add("scale", Tensor::scalar(1.25));
        p
    }

    fn problems(e: Error) -> Vec<String> {
        match e {
            Error::Format { problems, .. } => problems,
            other => panic!("expected a format error, got {other:?}"),
        }
    }

    #[test]
    fn save_load_round_trip_keeps_names_shapes_and_bits() {
        let a = model();
        let path =
            std::env::temp_dir().join(format!("tapegrad_rt_{}.safetensors", std::process::id()));
        a.save(&path).unwrap();
        let mut b = model();
        for (_, p) in b.iter_mut() {
            p.value = p.value.map(|_| 9.0);
        }
        b.load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(b, a);
        // The file holds F64 tensors under the same names and shapes.
        let bytes = a.to_safetensors().unwrap();
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let w = file.tensor("layer0.weight").unwrap();
        assert_eq!((w.dtype(), w.shape()), (Dtype::F64, &[2usize, 3][..]));
        assert_eq!(file.tensor("scale").unwrap().shape(), &[] as &[usize]);
    }

    #[test]
    fn f32_file_loads_into_f64_params() {
        let mut a = Params::<f32>::new();
        a.add("w", Tensor::from_vec(vec![0.5f32, -1.5], &[2]).unwrap());
        let bytes = a.to_safetensors().unwrap();
        let mut b = Params::<f64>::new();
        b.add("w", Tensor::zeros(&[2]));
        b.load_safetensors(&bytes, "mem").unwrap();
        assert_eq!(b["w"].value.data(), &[0.5, -1.5]);
    }

    #[test]
    fn load_lists_every_missing_extra_and_misshapen_name() {
        let mut saved = Params::<f64>::new();
        saved.add("layer0.weight", Tensor::zeros(&[3, 2]));
        saved.add("extra.a", Tensor::zeros(&[1]));
        saved.add("extra.b", Tensor::zeros(&[1]));
        let bytes = saved.to_safetensors().unwrap();
        let mut m = model();
        let before = m.clone();
        let p = problems(m.load_safetensors(&bytes, "model.safetensors").unwrap_err());
        assert_eq!(
            p,
            [
                "\"layer0.weight\" has shape [3, 2] in the file but [2, 3] in the model",
                "missing \"layer0.bias\" (shape [2])",
                "missing \"scale\" (shape [])",
                "unexpected \"extra.a\" (not a parameter of the model)",
                "unexpected \"extra.b\" (not a parameter of the model)",
            ]
        );
        assert_eq!(m, before, "a failed load changes nothing");
    }

    #[test]
    fn load_rejects_other_dtypes_and_garbage() {
        let raw = Raw {
            dtype: Dtype::I32,
            shape: vec![1],
            bytes: vec![0; 4],
        };
        let bytes = safetensors::serialize([("scale", &raw)], None).unwrap();
        let mut m = Params::<f64>::new();
        m.add("scale", Tensor::zeros(&[1]));
        let p = problems(m.load_safetensors(&bytes, "x").unwrap_err());
        assert_eq!(p, ["\"scale\" has dtype I32; only F32 and F64 are read"]);
        let p = problems(m.load_safetensors(b"not a file", "x").unwrap_err());
        assert!(p[0].starts_with("not a safetensors file"), "{p:?}");
    }

    #[test]
    fn load_of_a_missing_file_names_the_path() {
        let mut m = model();
        let err = m.load("/nonexistent/model.safetensors").unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/model.safetensors"),
            "{err}"
        );
    }
}
