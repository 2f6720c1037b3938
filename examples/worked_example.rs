//! The backpropagation tutorial's 2-2-2 sigmoid network, every figure recomputed on the tape.
//!
//! Run: `cargo run --release --example worked_example`

use tapegrad::Graph;
#[path = "common/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;
use tutorial::{INPUTS, LEARNING_RATE, Network, TARGETS};

fn main() {
    let mut net = Network::default();
    println!(
        "The 2-2-2 network: inputs {INPUTS:?}, targets {TARGETS:?}, learning rate {LEARNING_RATE}"
    );

    let g = Graph::new();
    let p = net.forward(&g);
    println!("\n== The forward pass ==");
    for k in 0..2 {
        println!(
            "net_h{0} = {1:.17}   out_h{0} = {2:.17}",
            k + 1,
            p.net_h[k].item(),
            p.out_h[k].item()
        );
    }
    for k in 0..2 {
        println!(
            "net_o{0} = {1:.17}   out_o{0} = {2:.17}",
            k + 1,
            p.net_o[k].item(),
            p.out_o[k].item()
        );
    }
    println!("E_total = {:.17}", p.e_total.item());

    p.e_total.backward();
    // Each factor is the consumer's own backward rule run with upstream 1; unnamed primitive
    // nodes (sigmoid is four of them) fold into the step between two named nodes.
    println!("\n== The backward pass: the chain rule for w5, traced on the tape ==");
    print!("{}", p.e_total.chain_rule(p.w[4]));
    println!(
        "(the tape's own ∂E_total/∂w5 = {:.17})",
        p.w[4].grad().item()
    );

    println!("\n== w1 reaches E_total along two paths, through o1 and through o2 ==");
    print!("{}", p.e_total.chain_rule(p.w[0]));
    println!(
        "(the tape's own ∂E_total/∂w1 = {:.17})",
        p.w[0].grad().item()
    );

    println!("\n== All eight weight gradients ==");
    for (k, w) in p.w.iter().enumerate() {
        println!("∂E_total/∂w{} = {:+.17}", k + 1, w.grad().item());
    }

    let mut g = Graph::new();
    net.step(&mut g, LEARNING_RATE);
    println!("\n== The weights after one update (η = {LEARNING_RATE}) ==");
    for (k, w) in net.w.iter().enumerate() {
        println!("w{}⁺ = {w:.17}", k + 1);
    }
    g.clear();
    println!(
        "E_total after one update = {:.17}",
        net.forward(&g).e_total.item()
    );

    println!("\n== Training: 10,000 steps of gradient descent, biases fixed ==");
    for step in 2..=10_000 {
        let e = net.step(&mut g, LEARNING_RATE);
        if step % 1000 == 1 {
            println!("step {:>6}: E_total = {e:.12e}", step - 1);
        }
    }
    g.clear();
    let p = net.forward(&g);
    println!("step {:>6}: E_total = {:.12e}", 10_000, p.e_total.item());
    println!(
        "after 10,000 steps: E_total = {:.12e}, out_o1 = {:.12}, out_o2 = {:.12}",
        p.e_total.item(),
        p.out_o[0].item(),
        p.out_o[1].item()
    );
}
