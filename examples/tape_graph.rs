//! The worked example's tape as a Graphviz graph: every node with its name, op, value and
//! gradient, every arrow labelled with its local derivative.
//!
//! Run: `cargo run --release --example tape_graph [DIR]` (default `target/plots/`). Writes
//! `worked_example.dot`, and `worked_example.svg` too when Graphviz's `dot` is installed;
//! otherwise it prints the command that renders it. It never fails for want of Graphviz.

use std::path::PathBuf;
use std::process::Command;
use tapegrad::Graph;
use tapegrad::dot::Dot;
use tapegrad::plot;
#[path = "common/tutorial.rs"]
#[allow(dead_code)]
mod tutorial;
use tutorial::Network;

fn main() -> Result<(), tapegrad::Error> {
    let dir = plot::output_dir(std::env::args().nth(1))?;
    let g = Graph::new();
    let p = Network::default().forward(&g);
    p.e_total.backward();
    let text = Dot::new(&g)
        .output(p.e_total)
        .local_derivatives(true)
        .to_string();
    let path = dir.join("worked_example.dot");
    std::fs::write(&path, &text).map_err(|e| tapegrad::Error::Io {
        context: format!("writing {}", path.display()),
        message: e.to_string(),
    })?;
    let arrows = text.lines().filter(|l| l.contains(" -> ")).count();
    let nodes = text
        .lines()
        .filter(|l| l.starts_with("  n") && l.contains(" [label=") && !l.contains(" -> "));
    println!(
        "{} ({} nodes, {arrows} arrows)",
        path.display(),
        nodes.count()
    );
    let svg: PathBuf = path.with_extension("svg");
    let render = Command::new("dot")
        .arg("-Tsvg")
        .arg(&path)
        .arg("-o")
        .arg(&svg)
        .status();
    match render {
        Ok(s) if s.success() => println!("{}", svg.display()),
        Ok(s) => println!("dot failed ({s}); the .dot file is still there"),
        Err(_) => println!(
            "Graphviz is not installed; to draw it: dot -Tsvg {} -o {}",
            path.display(),
            svg.display()
        ),
    }
    Ok(())
}
