//! The shape and reduction ops against PyTorch: `benches/peers/fixtures_shape.py`, run once
//! by hand, wrote each case's inputs, a weight tensor, PyTorch's output and the gradients of
//! Σ output · weight (autograd, float64) to `tests/fixtures/pytorch_shape.json`. Here every
//! case is recomputed with tapegrad, through `backward` and through the recorded
//! `Graph::grad`, and must agree to 1e-12 (relative to the value's size where it exceeds 1).

use serde_json::Value;
use tapegrad::{Graph, Tensor, Var};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/pytorch_shape.json"
);

/// A tensor from `{shape, data}`; infinities are stored as the strings "inf" and "-inf".
fn tensor(v: &Value) -> Tensor<f64> {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("length") as usize)
        .collect();
    let data: Vec<f64> = v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|x| match x {
            Value::String(s) => s.parse().expect("inf, -inf or nan"),
            x => x.as_f64().expect("a number"),
        })
        .collect();
    Tensor::from_vec(data, &shape).expect("data fits shape")
}

/// The op each case names, on tapegrad's side.
fn op<'g>(name: &str, v: &[Var<'g>]) -> Var<'g> {
    match name {
        "cat_axis1" => Var::cat(&[v[0], v[1]], 1),
        "cat_axis0_three" => Var::cat(&[v[0], v[0] * 2.0, v[0]], 0),
        "stack_axis_neg1" => Var::stack(&[v[0], v[1]], -1),
        "narrow_axis1" => v[0].narrow(1, 1, 2),
        "narrow_axis0" => v[0].narrow(0, 2, 1),
        "index_select_repeats" => v[0].index_select(0, &[2, 0, 2]),
        "permute_3d" => v[0].reshape(&[2, 3, 2]).permute(&[2, 0, 1]),
        "logsumexp_axis1" | "logsumexp_1e30" => v[0].logsumexp(&[1], false),
        "logsumexp_all_keepdim" => v[0].logsumexp(&[0, 1], true),
        "var_axis0_correction1" => v[0].var(&[0], 1, false),
        "var_all_correction0" => v[0].var(&[0, 1], 0, false),
        "std_axis1_correction1_keepdim" => v[0].std(&[1], 1, true),
        "std_axis0_correction0" => v[0].std(&[0], 0, false),
        "prod_with_a_zero" => v[0].prod_dims(&[1], false),
        "prod_with_two_zeros" => v[0].prod_dims(&[0], false),
        "prod_all" => v[0].prod_dims(&[0, 1], false),
        "norm_rows_with_a_zero_row" => v[0].norm(&[1], false),
        "amax_axis0" => v[0].max_dims(&[0], false),
        "matmul_batched_broadcast" | "matmul_vector_matrix" => v[0].matmul(v[1]),
        other => panic!("the fixture has a case this test does not know: {other}"),
    }
}

#[track_caller]
fn assert_close(what: &str, got: &Tensor<f64>, want: &Tensor<f64>) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for (i, (&a, &b)) in got.data().iter().zip(want.data()).enumerate() {
        let ok = a == b || (a - b).abs() <= 1e-12 * b.abs().max(1.0);
        assert!(ok, "{what}[{i}]: tapegrad {a:e}, PyTorch {b:e}");
    }
}

#[test]
fn shape_and_reduction_ops_match_pytorch() {
    let text = std::fs::read_to_string(FIXTURE).expect("the fixture file");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    let cases = doc["cases"].as_array().expect("a list of cases");
    assert!(cases.len() >= 20, "the fixture holds {} cases", cases.len());
    for c in cases {
        let name = c["name"].as_str().expect("name");
        let inputs: Vec<Tensor<f64>> = c["inputs"].as_array().unwrap().iter().map(tensor).collect();
        let grads: Vec<Tensor<f64>> = c["grads"].as_array().unwrap().iter().map(tensor).collect();
        let g = Graph::new();
        let xs: Vec<Var<'_>> = inputs.iter().map(|t| g.tensor(t.clone())).collect();
        let y = op(name, &xs);
        assert_close(
            &format!("{name}: output"),
            &y.value(),
            &tensor(&c["output"]),
        );
        let loss = (y * g.constant(tensor(&c["weight"]))).sum();
        loss.backward();
        let recorded = g.grad(loss, &xs);
        for (k, want) in grads.iter().enumerate() {
            assert_close(&format!("{name}: backward grad {k}"), &xs[k].grad(), want);
            assert_close(
                &format!("{name}: recorded grad {k}"),
                &recorded[k].value(),
                want,
            );
        }
    }
}
