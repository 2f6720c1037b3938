//! Convolution and pooling against PyTorch: `benches/peers/fixtures_conv.py` (run by hand,
//! with PyTorch, in f64) writes `tests/fixtures/pytorch_conv.json`, holding for each case
//! the inputs x (and w), an upstream weighting u, PyTorch's output y and the gradients of
//! Σ u·y. This test recomputes every case through `backward` and compares to 1e-12.

use serde_json::Value;
use tapegrad::{Graph, Tensor};

fn tensor(v: &Value) -> Tensor<f64> {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .expect("a shape")
        .iter()
        .map(|d| d.as_u64().expect("a length") as usize)
        .collect();
    let data = v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect();
    Tensor::from_vec(data, &shape).expect("data fits the shape")
}

#[track_caller]
fn assert_close(name: &str, what: &str, ours: &Tensor<f64>, theirs: &Tensor<f64>) {
    assert_eq!(ours.shape(), theirs.shape(), "{name}: {what} shape");
    for (i, (a, b)) in ours.data().iter().zip(theirs.data()).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
            "{name}: {what}[{i}] is {a}, PyTorch gives {b}"
        );
    }
}

#[test]
fn conv_and_pool_match_pytorch_to_1e_12() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pytorch_conv.json"
    );
    let text = std::fs::read_to_string(path).expect("the fixtures file");
    let all: Value = serde_json::from_str(&text).expect("valid JSON");
    let cases = all["cases"].as_array().expect("a list of cases");
    assert!(!cases.is_empty());
    for c in cases {
        let name = c["name"].as_str().expect("a name");
        let param = |k: &str| c["params"][k].as_u64().expect("an integer parameter") as usize;
        let g = Graph::new();
        let x = g.tensor(tensor(&c["x"]));
        let w = c.get("w").map(|w| g.tensor(tensor(w)));
        let y = match (c["op"].as_str().expect("an op"), w) {
            ("conv2d", Some(w)) => x.conv2d(
                w,
                param("padding"),
                param("stride"),
                param("dilation"),
                param("groups"),
            ),
            ("conv1d", Some(w)) => x.conv1d(
                w,
                param("padding"),
                param("stride"),
                param("dilation"),
                param("groups"),
            ),
            ("max_pool2d", None) => x.max_pool2d(param("kernel_size"), param("stride")),
            ("max_pool1d", None) => x.max_pool1d(param("kernel_size"), param("stride")),
            ("avg_pool2d", None) => x.avg_pool2d(param("kernel_size"), param("stride")),
            ("avg_pool1d", None) => x.avg_pool1d(param("kernel_size"), param("stride")),
            (op, _) => panic!("{name}: unknown op {op}"),
        };
        (y * g.constant(tensor(&c["u"]))).sum().backward();
        assert_close(name, "y", &y.value(), &tensor(&c["y"]));
        assert_close(name, "grad x", &x.grad(), &tensor(&c["grad_x"]));
        if let Some(w) = w {
            assert_close(name, "grad w", &w.grad(), &tensor(&c["grad_w"]));
        }
    }
}
