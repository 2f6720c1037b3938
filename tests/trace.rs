//! The chain-rule trace. Most cases here are *consistency checks*: the trace's path sums are
//! compared with the gradient `backward` computes, and both come from the same backward
//! rules, so a rule that is wrong in the same way on both sides passes them. Those cases say
//! `consistency` in their names. The figures that stand on their own are hand-derived: the
//! tutorial's ∂E/∂w5 factors and ∂E/∂w1, and the two paths of
//! `two_paths_match_hand_derived_products`.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tapegrad::trace::{Steps, Trace};
#[path = "../examples/common/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;
use tapegrad::{Graph, Var};
use tutorial::Network;

/// |a − b| ≤ 1e-12 + 1e-10·|b|.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 + 1e-10 * b.abs()
}

fn sum_of_paths(t: &Trace) -> f64 {
    t.paths().iter().map(|p| p.product).sum()
}

#[test]
fn consistency_worked_example_paths_sum_to_grad_for_every_parameter() {
    let g = Graph::new();
    let p = Network::default().forward(&g);
    p.e_total.backward();
    for leaf in p.w.iter().chain(&p.b).copied() {
        for steps in [Steps::Named, Steps::Primitive] {
            let t = Trace::with(p.e_total, leaf, steps, 1000);
            assert!(!t.capped(), "{}: capped", leaf.name());
            let want = leaf.grad().item();
            assert!(
                close(sum_of_paths(&t), want),
                "{} {steps:?}: {t}",
                leaf.name()
            );
            assert!(close(t.gradient(), want), "{} {steps:?}: {t}", leaf.name());
        }
    }
}

#[test]
fn consistency_by_hand_network_paths_sum_to_grad_for_all_twelve_leaves() {
    // The same network written out, so the inputs i1, i2 are at hand too.
    let g = Graph::new();
    let v = |x: f64, n: &'static str| g.scalar(x).named(n);
    let (i1, i2) = (v(0.05, "i1"), v(0.10, "i2"));
    let w: Vec<Var> = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
        .iter()
        .zip(["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"])
        .map(|(&x, n)| v(x, n))
        .collect();
    let (b1, b2) = (v(0.35, "b1"), v(0.60, "b2"));
    let out_h1 = (w[0] * i1 + w[1] * i2 + b1)
        .named("net_h1")
        .sigmoid()
        .named("out_h1");
    let out_h2 = (w[2] * i1 + w[3] * i2 + b1)
        .named("net_h2")
        .sigmoid()
        .named("out_h2");
    let out_o1 = (w[4] * out_h1 + w[5] * out_h2 + b2)
        .named("net_o1")
        .sigmoid();
    let out_o2 = (w[6] * out_h1 + w[7] * out_h2 + b2)
        .named("net_o2")
        .sigmoid();
    let e = (0.5 * (0.01 - out_o1).powi(2) + 0.5 * (0.99 - out_o2).powi(2)).named("E_total");
    e.backward();
    assert!(close(e.item(), 0.29837110876000269));
    let leaves = [i1, i2, b1, b2].into_iter().chain(w.iter().copied());
    for leaf in leaves {
        for steps in [Steps::Named, Steps::Primitive] {
            let t = Trace::with(e, leaf, steps, 1000);
            assert!(!t.capped());
            let want = leaf.grad().item();
            assert!(
                close(sum_of_paths(&t), want),
                "{} {steps:?}: {t}",
                leaf.name()
            );
        }
    }
    // i1 feeds h1 and h2, each feeding o1 and o2: four paths.
    assert_eq!(Trace::new(e, i1).total_paths(), 4);
}

#[test]
fn w5_prints_the_tutorials_three_factors() {
    let g = Graph::new();
    let p = Network::default().forward(&g);
    let text = Trace::new(p.e_total, p.w[4]).to_string();
    let want = "∂E_total/∂w5 = ∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5 \
                = 0.74136507 × 0.18681560 × 0.59326999 = 0.08216704";
    assert_eq!(text.lines().next().unwrap(), want, "{text}");
}

#[test]
fn w1_has_two_paths_through_o1_and_o2_that_sum_to_its_gradient() {
    let g = Graph::new();
    let p = Network::default().forward(&g);
    let t = Trace::new(p.e_total, p.w[0]);
    assert_eq!(t.total_paths(), 2);
    let routes: Vec<Vec<&str>> = t
        .paths()
        .iter()
        .map(|p| p.steps.iter().map(|s| s.to.as_str()).collect())
        .collect();
    assert_eq!(
        routes[0],
        ["net_h1", "out_h1", "net_o1", "out_o1", "E_total"]
    );
    assert_eq!(
        routes[1],
        ["net_h1", "out_h1", "net_o2", "out_o2", "E_total"]
    );
    // The tutorial's figure for ∂E/∂w1.
    assert!(close(sum_of_paths(&t), 0.00043856773447434673));
    let text = t.to_string();
    assert!(text.contains("sum over 2 paths"), "{text}");
    assert!(text.contains("path 2 (w1 → net_h1 → out_h1 → net_o2 → out_o2 → E_total)"));
}

#[test]
fn two_paths_match_hand_derived_products() {
    // out = x·y + tanh(x) at x = 0.5, y = 2, traced to x: two paths, derived by hand and
    // not through backward.
    //   via u = x·y:     ∂out/∂u · ∂u/∂x = 1 · y = 2
    //   via v = tanh(x): ∂out/∂v · ∂v/∂x = 1 · (1 − tanh²(0.5)) = 0.78644773296592741
    //     (tanh(0.5) = 0.46211715726000974; sech²(0.5) to 30 digits with mpmath:
    //     0.786447732965927410149698934344)
    // and their sum, ∂out/∂x = 2.7864477329659274.
    let g = Graph::new();
    let x = g.scalar(0.5).named("x");
    let y = g.scalar(2.0).named("y");
    let u = (x * y).named("u");
    let v = x.tanh().named("v");
    let out = (u + v).named("out");
    let t = Trace::new(out, x);
    assert_eq!(t.total_paths(), 2);
    let mut products: Vec<f64> = t.paths().iter().map(|p| p.product).collect();
    products.sort_by(f64::total_cmp);
    assert!(close(products[0], 0.78644773296592741), "{t}");
    assert_eq!(products[1], 2.0, "{t}");
    assert!(close(t.gradient(), 2.7864477329659274), "{t}");
}

#[test]
fn a_node_used_twice_is_one_step_with_the_summed_derivative() {
    // u = x·x: two primitive edges x → u, one step ∂u/∂x = 2x.
    let g = Graph::new();
    let x = g.scalar(3.0).named("x");
    let u = (x * x).named("u");
    let t = Trace::with(u, x, Steps::Primitive, 10);
    assert_eq!(t.total_paths(), 1);
    assert_eq!(t.paths()[0].steps[0].local, 6.0);
}

#[test]
fn too_many_paths_are_capped_and_the_output_says_so() {
    // y ← tanh(y) + y/2 ten times: every level doubles the paths, 2¹⁰ = 1024.
    let g = Graph::new();
    let x = g.scalar(0.3).named("x");
    let mut y = x;
    for _ in 0..10 {
        y = y.tanh() + y * 0.5;
    }
    let y = y.named("y");
    y.backward();
    let t = Trace::with(y, x, Steps::Primitive, 5);
    assert_eq!(t.total_paths(), 1024);
    assert_eq!(t.paths().len(), 5);
    assert!(t.capped());
    assert!(close(t.gradient(), x.grad().item()));
    let text = t.to_string();
    assert!(
        text.contains("1019 more paths not listed (capped at 5)"),
        "{text}"
    );
}

#[test]
fn no_path_gives_zero_and_says_so() {
    let g = Graph::new();
    let (a, b) = (g.scalar(1.0).named("a"), g.scalar(2.0).named("b"));
    let y = (b * 3.0).named("y");
    let t = Trace::new(y, a);
    assert_eq!((t.total_paths(), t.gradient()), (0, 0.0));
    assert!(t.to_string().starts_with("∂y/∂a = 0 (no path from a to y)"));
}

#[test]
#[should_panic(expected = "trace: node v has shape [3]")]
fn a_tensor_node_on_a_path_panics_with_its_shape() {
    let g = Graph::new();
    let x = g.scalar(1.0).named("x");
    let v = (x * g.constant(tapegrad::Tensor::ones(&[3]))).named("v");
    let _ = Trace::new(v.sum(), x);
}

/// A random scalar graph: a few leaves, then nodes combining earlier ones with a random
/// primitive or composite; some nodes named. Returns the leaves and the output.
fn random_graph<'g>(g: &'g Graph, rng: &mut ChaCha8Rng) -> (Vec<Var<'g>>, Var<'g>) {
    let leaves: Vec<Var> = (0..3)
        .map(|k| {
            g.scalar(rng.random_range(-1.0..1.0))
                .named(["a", "b", "c"][k])
        })
        .collect();
    let mut nodes = leaves.clone();
    for k in 0..12 {
        let pick = |rng: &mut ChaCha8Rng, n: &[Var<'g>]| n[rng.random_range(0..n.len())];
        let (p, q) = (pick(rng, &nodes), pick(rng, &nodes));
        let v = match rng.random_range(0..8) {
            0 => p + q,
            1 => p - q,
            2 => p * q,
            3 => p / (q * q + 1.0),
            4 => p.tanh(),
            5 => p.sigmoid(),
            6 => (p * 0.3).exp(),
            _ => p.powi(2) * 0.5 + q,
        };
        let v = if rng.random_range(0..2) == 0 {
            v.named(format!("v{k}"))
        } else {
            v
        };
        nodes.push(v);
    }
    // Sum the last few so most nodes reach the output.
    let out = nodes[nodes.len() - 4..]
        .iter()
        .fold(g.scalar(0.0), |acc, &v| acc + v)
        .named("out");
    (leaves, out)
}

#[test]
fn consistency_random_graphs_paths_sum_to_grad_for_every_leaf() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut multi_path = 0;
    for _ in 0..50 {
        let g = Graph::new();
        let (leaves, out) = random_graph(&g, &mut rng);
        out.backward();
        for leaf in leaves {
            for steps in [Steps::Named, Steps::Primitive] {
                let t = Trace::with(out, leaf, steps, 100_000);
                assert!(!t.capped());
                let want = leaf.grad().item();
                assert!(close(sum_of_paths(&t), want), "{steps:?}: {t} vs {want}");
                assert!(close(t.gradient(), want));
                multi_path += usize::from(t.total_paths() > 1);
            }
        }
    }
    // The generator does make graphs with more than one path (otherwise the test is weak).
    assert!(
        multi_path > 50,
        "only {multi_path} traces had several paths"
    );
}
