//! Misuse fails loudly: every case panics at the caller's line (this file, the line of the
//! offending call) with a message naming the op and the shapes or ids. Bad data from outside
//! (tensor construction) is an `Err` that says what and where.
//!
//! One panic hook is installed for the whole binary; it records the message and location of a
//! panic in a thread-local slot while a case is expected to panic, and defers to the default
//! hook otherwise, so the cases run in parallel without racing and real failures still print.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use tapegrad::nn::{binary_cross_entropy_with_logits, cross_entropy, half_sse, hinge, mse};
use tapegrad::{Error, Graph, Tensor, Var};

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
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    let (file, line) = CAUGHT
        .with(|c| c.borrow_mut().take())
        .expect("the hook saw it");
    (msg, file, line)
}

/// Asserts that `$call` panics in this file, on the line where the macro is invoked (or the
/// next few, when rustfmt breaks the call), with a message containing every `$want`.
macro_rules! misuse {
    ($call:expr, $($want:expr),+ $(,)?) => {{
        let here = line!();
        let (msg, file, line) = caught(|| {
            let _ = $call;
        });
        assert!(
            file.ends_with("tests/misuse.rs") && (here..here + 4).contains(&line),
            "raised at {file}:{line}, not at the caller's line {here}: {msg}"
        );
        for want in [$($want),+] {
            assert!(msg.contains(want), "message {msg:?} lacks {want:?}");
        }
    }};
}

fn zeros(shape: &[usize]) -> Tensor<f64> {
    Tensor::zeros(shape)
}

#[test]
fn add_with_shapes_that_do_not_broadcast_panics() {
    let g = Graph::new();
    let (a, b) = (g.tensor(zeros(&[2, 3])), g.tensor(zeros(&[4])));
    misuse!(a + b, "add", "[2, 3]", "[4]", "do not broadcast");
}

#[test]
fn sub_with_shapes_that_do_not_broadcast_panics() {
    let g = Graph::new();
    let (a, b) = (g.tensor(zeros(&[3, 2])), g.tensor(zeros(&[3])));
    misuse!(a - b, "sub", "[3, 2]", "[3]", "do not broadcast");
}

#[test]
fn mul_with_shapes_that_do_not_broadcast_panics() {
    let g = Graph::new();
    let (a, b) = (g.tensor(zeros(&[2])), g.tensor(zeros(&[3])));
    misuse!(a * b, "mul", "[2]", "[3]", "do not broadcast");
}

#[test]
fn div_with_shapes_that_do_not_broadcast_panics() {
    let g = Graph::new();
    let (a, b) = (g.tensor(zeros(&[2, 2])), g.tensor(zeros(&[2, 3])));
    misuse!(a / b, "div", "[2, 2]", "[2, 3]", "do not broadcast");
}

#[test]
fn matmul_with_mismatched_inner_lengths_panics() {
    let g = Graph::new();
    let (a, b) = (g.tensor(zeros(&[2, 3])), g.tensor(zeros(&[4, 5])));
    misuse!(
        a.matmul(b),
        "matmul",
        "[2, 3]",
        "[4, 5]",
        "cannot be multiplied"
    );
}

#[test]
fn matmul_beyond_2d_names_the_bad_lengths() {
    // A vector is a row or a column, as in torch.matmul; a scalar has no matrix axes.
    let g = Graph::new();
    let (v, m) = (g.tensor(zeros(&[3])), g.tensor(zeros(&[2, 2])));
    misuse!(
        v.matmul(m),
        "matmul",
        "[3]",
        "[2, 2]",
        "inner lengths 3 and 2 differ"
    );
    let s = g.scalar(1.0);
    misuse!(s.matmul(m), "matmul", "[]", "[2, 2]", "rank 0");
    let (a, b) = (g.tensor(zeros(&[2, 3, 4])), g.tensor(zeros(&[3, 4, 5])));
    misuse!(
        a.matmul(b),
        "matmul",
        "batch axes [2]",
        "[3]",
        "do not broadcast"
    );
}

#[test]
fn axis_out_of_range_panics_in_every_axis_op() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2, 3]));
    let want = "axis 2 is out of range for shape [2, 3]";
    misuse!(x.sum_keepdim(2), "sum_keepdim", want);
    misuse!(x.mean_keepdim(2), "mean_keepdim", want);
    misuse!(x.max_keepdim(2), "max_keepdim", want);
    misuse!(x.hardmax(2), "hardmax", want);
    misuse!(x.gather(2, &[0, 0]), "gather", want);
    misuse!(x.scatter(2, &[0], &[2, 3]), "scatter", want);
    // softmax reports the op it fails in, max_keepdim, at the caller's line.
    misuse!(x.softmax(2), want);
    misuse!(x.log_softmax(2), want);
}

#[test]
fn reshape_to_another_element_count_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2, 3]));
    misuse!(
        x.reshape(&[4]),
        "reshape",
        "[2, 3] (6 elements)",
        "[4] (4 elements)"
    );
}

#[test]
fn backward_on_a_non_scalar_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2, 2]));
    misuse!(x.backward(), "backward", "shape [2, 2]", "one-element");
}

#[test]
fn grad_of_a_non_scalar_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[3]));
    misuse!(g.grad(x, &[x]), "grad", "shape [3]", "one-element");
}

#[test]
fn mixing_nodes_of_two_graphs_panics_naming_the_nodes() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let a = g1.scalar(1.0);
    let _pad = g2.scalar(0.0);
    let b = g2.scalar(2.0);
    misuse!(a * b, "mul", "different graphs", "node 0", "node 1");
    let (m1, m2) = (g1.tensor(zeros(&[1, 1])), g2.tensor(zeros(&[1, 1])));
    misuse!(m1.matmul(m2), "matmul", "different graphs");
}

#[test]
fn grad_with_a_node_of_another_graph_panics_naming_it() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let y = g1.scalar(1.0).exp();
    let _pad = g2.scalar(0.0);
    let w = g2.scalar(2.0);
    misuse!(g1.grad(y, &[w]), "grad", "node 1", "different graph");
}

#[test]
fn gather_with_an_out_of_range_index_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2, 3]));
    misuse!(
        x.gather(1, &[0, 3]),
        "gather",
        "index 3",
        "position 1",
        "length 3",
        "[2, 3]"
    );
}

#[test]
fn gather_with_the_wrong_number_of_indices_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2, 3]));
    misuse!(x.gather(1, &[0]), "gather", "1 entries", "2 rows");
}

#[test]
fn cross_entropy_with_an_out_of_range_class_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2, 3]));
    // Named as the user called it, with the class, its row and the number of classes (not
    // as the gather inside).
    misuse!(
        cross_entropy(x, &[0, 7]),
        "cross_entropy",
        "class 7 in row 1",
        "3 classes"
    );
}

#[test]
fn cross_entropy_of_a_scalar_panics() {
    let g = Graph::new();
    let x = g.scalar(1.0);
    misuse!(cross_entropy(x, &[0]), "cross_entropy", "[]", "class axis");
}

#[test]
fn scatter_of_a_value_that_does_not_fit_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2, 2]));
    misuse!(
        x.scatter(1, &[0, 0], &[2, 3]),
        "scatter",
        "[2, 2]",
        "[2, 3]"
    );
}

#[test]
fn transpose_of_a_vector_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[3]));
    misuse!(x.transpose(), "transpose", "2-D", "[3]");
}

#[test]
fn broadcast_to_an_incompatible_shape_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2]));
    misuse!(x.broadcast_to(&[2, 3]), "broadcast_to", "[2]", "[2, 3]");
}

#[test]
fn sum_to_an_incompatible_shape_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2, 3]));
    misuse!(x.sum_to(&[2]), "sum_to", "[2, 3]", "[2]");
}

#[test]
fn losses_with_mismatched_shapes_panic() {
    let g = Graph::new();
    let (y, t) = (g.tensor(zeros(&[2, 3])), g.constant(zeros(&[3, 2])));
    misuse!(mse(y, t), "mse", "[2, 3]", "[3, 2]");
    misuse!(half_sse(y, t), "half_sse", "[2, 3]", "[3, 2]");
    misuse!(hinge(y, t), "hinge", "[2, 3]", "[3, 2]");
    misuse!(
        binary_cross_entropy_with_logits(y, t),
        "binary_cross_entropy_with_logits",
        "[3, 2]"
    );
}

#[test]
fn item_of_a_vector_panics() {
    let g = Graph::new();
    let x = g.tensor(zeros(&[2]));
    misuse!(x.item(), "item", "[2]");
}

#[test]
fn misuse_checker_rejects_a_call_that_does_not_panic() {
    // The checker itself: a call that returns normally must fail the check.
    let outcome = panic::catch_unwind(|| caught(|| {}));
    assert!(outcome.is_err());
}

// ---- Bad data is an Err, not a panic. ----

#[test]
fn from_vec_with_a_length_that_does_not_fit_is_an_err() {
    let err = Tensor::<f64>::from_vec(vec![1.0; 5], &[2, 3]).unwrap_err();
    assert_eq!(
        err,
        Error::LengthMismatch {
            len: 5,
            shape: vec![2, 3],
            expected: 6
        }
    );
    assert!(err.to_string().contains("5 elements") && err.to_string().contains("[2, 3]"));
    assert!(Tensor::<f32>::from_vec(vec![], &[1]).is_err());
    assert!(Tensor::<f64>::from_vec(vec![1.0], &[0]).is_err());
}

#[test]
fn from_vec_finite_rejects_nan_and_infinities_naming_the_index() {
    for (bad, at) in [(f64::NAN, 2), (f64::INFINITY, 0), (f64::NEG_INFINITY, 3)] {
        let mut data = vec![1.0, 2.0, 3.0, 4.0];
        data[at] = bad;
        let err = Tensor::from_vec_finite(data, &[2, 2]).unwrap_err();
        assert_eq!(
            err,
            Error::NonFinite {
                context: "Tensor::from_vec_finite".into(),
                index: at
            }
        );
        assert!(err.to_string().contains(&format!("element {at}")), "{err}");
    }
    assert!(Tensor::from_vec_finite(vec![f32::NAN], &[1]).is_err());
    // A finite tensor of the wrong length is still a length error.
    assert!(matches!(
        Tensor::from_vec_finite(vec![1.0f64; 3], &[2, 2]),
        Err(Error::LengthMismatch { .. })
    ));
}

/// Two parameters, as a model would hold them.
#[cfg(feature = "safetensors")]
fn params() -> tapegrad::nn::Params<f64> {
    let mut p = tapegrad::nn::Params::new();
    p.add(
        "layer0.weight",
        Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap(),
    );
    p.add(
        "layer0.bias",
        Tensor::from_vec(vec![0.5, -0.5], &[2]).unwrap(),
    );
    p
}

/// A safetensors file by hand: an 8-byte little-endian header length, a JSON header, data.
#[cfg(feature = "safetensors")]
fn safetensors_bytes(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

#[cfg(feature = "safetensors")]
fn format_problems(err: Error) -> String {
    match err {
        Error::Format { context, problems } => format!("{context}: {}", problems.join("; ")),
        other => panic!("expected a Format error, got {other:?}"),
    }
}

#[cfg(feature = "safetensors")]
#[test]
fn loading_bytes_that_are_not_safetensors_is_an_err_and_changes_nothing() {
    let mut p = params();
    let before = p.clone();
    for bytes in [&b"not a safetensors file"[..], &[], &[255; 16]] {
        let msg = format_problems(p.load_safetensors(bytes, "weights.bin").unwrap_err());
        assert!(
            msg.contains("weights.bin") && msg.contains("not a safetensors file"),
            "{msg}"
        );
    }
    // A real file cut short.
    let full = params().to_safetensors().unwrap();
    let cut = &full[..full.len() - 5];
    assert!(p.load_safetensors(cut, "cut").is_err());
    assert_eq!(p, before);
}

#[cfg(feature = "safetensors")]
#[test]
fn loading_mismatched_weights_lists_every_problem_and_changes_nothing() {
    let mut other = tapegrad::nn::Params::<f64>::new();
    other.add("layer0.weight", Tensor::zeros(&[2, 3])); // wrong shape
    other.add("layer9.bias", Tensor::zeros(&[2])); // not in the model
    let bytes = other.to_safetensors().unwrap();
    let mut p = params();
    let before = p.clone();
    let msg = format_problems(p.load_safetensors(&bytes, "other.safetensors").unwrap_err());
    for want in [
        "other.safetensors",
        "\"layer0.weight\" has shape [2, 3] in the file but [2, 2] in the model",
        "missing \"layer0.bias\"",
        "unexpected \"layer9.bias\"",
    ] {
        assert!(msg.contains(want), "{msg:?} lacks {want:?}");
    }
    assert_eq!(p, before);
}

#[cfg(feature = "safetensors")]
#[test]
fn loading_an_unsupported_dtype_is_an_err() {
    let header = r#"{"layer0.weight":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]},"layer0.bias":{"dtype":"F64","shape":[2],"data_offsets":[16,32]}}"#;
    let bytes = safetensors_bytes(header, &[0; 32]);
    let mut p = params();
    let msg = format_problems(p.load_safetensors(&bytes, "ints").unwrap_err());
    assert!(msg.contains("\"layer0.weight\" has dtype I32"), "{msg}");
}

#[cfg(feature = "safetensors")]
#[test]
fn loading_a_missing_file_is_an_io_err_naming_the_path() {
    let mut p = params();
    let path = std::env::temp_dir().join("tapegrad_no_such_dir/weights.safetensors");
    match p.load(&path).unwrap_err() {
        Error::Io { context, .. } => assert!(context.contains("tapegrad_no_such_dir"), "{context}"),
        other => panic!("expected an Io error, got {other:?}"),
    }
}

#[cfg(feature = "safetensors")]
#[test]
fn weights_round_trip_through_safetensors() {
    // The positive case the errors above are measured against.
    let mut p = params();
    let before = p.clone();
    p.load_safetensors(&before.to_safetensors().unwrap(), "same")
        .unwrap();
    assert_eq!(p, before);
}

#[test]
fn shape_and_reduction_ops_name_the_op_shape_and_bad_parameter() {
    // Issue 18's shape and reduction ops, each at the caller's line.
    let g = Graph::new();
    let x = g.tensor(zeros(&[2, 3]));
    let y = g.tensor(zeros(&[2, 4]));
    misuse!(
        x.narrow(1, 2, 2),
        "narrow",
        "start 2 + length 2",
        "axis 1",
        "[2, 3]"
    );
    misuse!(x.narrow(-3, 0, 1), "narrow", "axis -3", "[2, 3]");
    misuse!(
        x.pad_with_zeros(2, 1, 1),
        "pad_with_zeros",
        "axis 2",
        "[2, 3]"
    );
    misuse!(Var::cat(&[x, y], 0), "cat", "[2, 3]", "[2, 4]", "axis 0");
    misuse!(Var::<f64>::cat(&[], 0), "cat", "empty list");
    misuse!(Var::stack(&[x, y], 0), "stack", "[2, 3]", "[2, 4]");
    misuse!(x.chunk(0, 1), "chunk", "0 chunks", "[2, 3]");
    misuse!(x.split(0, 1), "split", "size 0", "[2, 3]");
    misuse!(
        x.split_with_sizes(&[1, 1], 1),
        "split_with_sizes",
        "[1, 1]",
        "length 3"
    );
    misuse!(
        x.index_select(0, &[0, 2]),
        "index_select",
        "index 2",
        "length 2",
        "[2, 3]"
    );
    misuse!(
        x.index_add(1, &[0], 4),
        "index_add",
        "1 entries",
        "[2, 3]",
        "3 slices"
    );
    misuse!(x.permute(&[1, 1]), "permute", "[1, 1]", "[2, 3]");
    misuse!(x.unsqueeze(3), "unsqueeze", "axis 3", "[2, 3]");
    misuse!(x.flatten(1, 0), "flatten", "start axis 1", "end axis 0");
    misuse!(x.sum_dims(&[0, 2], false), "sum_dims", "axis 2", "[2, 3]");
    misuse!(x.mean_dims(&[1, 1], true), "mean_dims", "[1, 1]", "twice");
    misuse!(x.max_dims(&[5], true), "max_dims", "axis 5", "[2, 3]");
    misuse!(x.min_dim(-4, true), "min_dims", "axis -4", "[2, 3]");
    misuse!(x.prod_dims(&[2], true), "prod_dims", "axis 2");
    misuse!(x.logsumexp(&[9], true), "logsumexp", "axis 9");
    misuse!(x.var(&[2], 1, true), "var", "axis 2");
    misuse!(x.norm(&[-3], true), "norm", "axis -3");
    misuse!(drop(x.argmax(2)), "argmax", "axis 2", "[2, 3]");
    let e = g.tensor(zeros(&[2, 0]));
    misuse!(
        e.max_dims(&[1], false),
        "max_dims",
        "axis 1",
        "[2, 0]",
        "length 0"
    );
    misuse!(drop(e.argmin(1)), "argmin", "length 0");
    let (a, b) = (g.tensor(zeros(&[2, 3, 4])), g.tensor(zeros(&[2, 5, 4])));
    misuse!(a.bmm(b), "bmm", "[2, 3, 4]", "[2, 5, 4]");
}

// Convolution and pooling (helper "conv"): the caller's line, through the composites and
// the layer too.

#[test]
fn conv2d_with_mismatched_channels_panics_at_the_caller() {
    let g = Graph::new();
    let (x, w) = (
        g.constant(zeros(&[8, 3, 28, 28])),
        g.tensor(zeros(&[16, 1, 3, 3])),
    );
    misuse!(
        x.conv2d(w, 0, 1, 1, 1),
        "conv2d: input [8, 3, 28, 28] has 3 channels but weight [16, 1, 3, 3] expects 1 (groups = 1)"
    );
}

#[test]
fn conv1d_and_the_pools_panic_at_the_caller() {
    let g = Graph::new();
    let x = g.constant(zeros(&[2, 4, 5]));
    misuse!(
        x.conv1d(g.tensor(zeros(&[3, 2, 3])), 0, 1, 1, 2),
        "conv1d",
        "[3, 2, 3]",
        "groups = 2 does not divide"
    );
    misuse!(x.max_pool1d(6, 1), "max_pool1d", "kernel 6", "[2, 4, 5]");
    misuse!(
        x.avg_pool2d(2, 2),
        "avg_pool2d",
        "[2, 4, 5]",
        "must have 4 axes"
    );
}

#[test]
fn a_conv_layer_given_the_wrong_input_panics_at_the_caller() {
    use tapegrad::nn::{Conv2d, ConvConfig, Generator, Params};
    let mut params = Params::<f64>::new();
    let mut rng = Generator::new(0);
    let conv = Conv2d::new(&mut params, "c", 3, 4, 3, ConvConfig::default(), &mut rng);
    let g = Graph::new();
    let p = params.bind(&g);
    let x = g.constant(zeros(&[1, 2, 8, 8]));
    misuse!(
        conv.forward(&p, x),
        "conv2d",
        "has 2 channels but weight [4, 3, 3, 3] expects 3"
    );
}
