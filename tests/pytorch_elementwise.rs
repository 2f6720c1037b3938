//! The elementwise ops against reference values written by
//! `benches/peers/fixtures_elementwise.py` into `tests/fixtures/pytorch_elementwise.json`:
//! for each case, the values f(inputs) and the gradients of Σ f(inputs), to 1e-12 in f64
//! (relative for magnitudes above 1), NaN where the reference has NaN. The file's `source`
//! says whether PyTorch or the mpmath fallback wrote it.

use serde_json::Value;
use tapegrad::{Graph, Tensor, Var};

const FIXTURES: &str = include_str!("fixtures/pytorch_elementwise.json");

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => other.as_f64().expect("a number"),
    }
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("a list").iter().map(num).collect()
}

/// The function a case names, as tapegrad spells it.
fn apply<'g>(name: &str, x: &[Var<'g>]) -> Var<'g> {
    let g = x[0].graph();
    match name {
        "sin" => x[0].sin(),
        "cos" => x[0].cos(),
        "tan" => x[0].tan(),
        "atan" => x[0].atan(),
        "erf" => x[0].erf(),
        "asin" => x[0].asin(),
        "acos" => x[0].acos(),
        "sinh" => x[0].sinh(),
        "cosh" => x[0].cosh(),
        "log2" => x[0].log2(),
        "log10" => x[0].log10(),
        "exp2" => x[0].exp2(),
        "gelu" => x[0].gelu(),
        "gelu_tanh" => x[0].gelu_tanh(),
        "silu" => x[0].silu(),
        "log_sigmoid" => x[0].log_sigmoid(),
        "pow" => x[0].pow(x[1]),
        "atan2" => x[0].atan2(x[1]),
        "hypot" => x[0].hypot(x[1]),
        "softmin" => x[0].softmin(0),
        "maximum_tie" => x[0].maximum(x[1]),
        "minimum_tie" => x[0].minimum(x[1]),
        "clamp_0_1" => x[0].clamp(0.0, 1.0),
        "where_nan_branch" => x[0].where_cond(x[1], x[2]),
        "where_ln_trap" => {
            let zero = g.constant(Tensor::scalar(0.0));
            x[0].gt(zero).where_cond(x[0].ln(), zero)
        }
        "floor_ceil_round" => x[0].floor() + x[0].ceil() + x[0].round(),
        other => panic!("no tapegrad form for fixture case {other}"),
    }
}

fn close(got: f64, want: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    if want.is_infinite() {
        return got == want;
    }
    (got - want).abs() <= 1e-12 * want.abs().max(1.0)
}

#[test]
fn elementwise_ops_match_the_reference_values_and_gradients() {
    let doc: Value = serde_json::from_str(FIXTURES).expect("valid JSON");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20, "the fixtures hold {} cases", cases.len());
    let mut bad = Vec::new();
    for case in cases {
        let name = case["name"].as_str().expect("a name");
        let g = Graph::new();
        let xs: Vec<Var<'_>> = case["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .map(|v| {
                let d = nums(v);
                let n = d.len();
                g.tensor(Tensor::from_vec(d, &[n]).unwrap())
            })
            .collect();
        let y = apply(name, &xs);
        y.sum().backward();
        let mut check = |what: String, got: Vec<f64>, want: Vec<f64>| {
            assert_eq!(got.len(), want.len(), "{what}");
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                if !close(*a, *b) {
                    bad.push(format!("{what}[{i}]: {a:e} vs reference {b:e}"));
                }
            }
        };
        check(
            format!("{name} value"),
            y.value().into_vec(),
            nums(&case["value"]),
        );
        for (k, want) in case["grads"].as_array().expect("grads").iter().enumerate() {
            check(
                format!("{name} grad {k}"),
                xs[k].grad().into_vec(),
                nums(want),
            );
        }
    }
    assert!(
        bad.is_empty(),
        "source {}:\n{}",
        doc["source"],
        bad.join("\n")
    );
}
