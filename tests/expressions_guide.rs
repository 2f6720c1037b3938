//! docs/expressions.md: its snippets run as doctests (`ExpressionsGuide` in lib.rs), and each
//! ends by asserting the lines it prints. This test ties the quoted output blocks to those
//! assertions, so the text a reader sees cannot drift from what the code prints.

/// (code, output) for every ```rust block directly followed by a ```text block.
fn quoted_outputs(md: &str) -> Vec<(String, String)> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut lines = md.lines();
    while let Some(line) = lines.next() {
        if let Some(kind) = line.strip_prefix("```")
            && !kind.is_empty()
        {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            blocks.push((kind.to_string(), body.join("\n")));
        }
    }
    blocks
        .windows(2)
        .filter(|w| w[0].0 == "rust" && w[1].0 == "text")
        .map(|w| (w[0].1.clone(), w[1].1.clone()))
        .collect()
}

#[test]
fn every_quoted_output_line_is_asserted_by_the_snippet_above_it() {
    let md = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/expressions.md"))
        .expect("docs/expressions.md is readable");
    let pairs = quoted_outputs(&md);
    // Newton, least squares, Rosenbrock, Hessian.
    assert_eq!(pairs.len(), 4, "quoted output blocks");
    for (code, output) in &pairs {
        for line in output.lines() {
            assert!(
                code.contains(line.trim()),
                "quoted line {line:?} is not in the assertion of the snippet above it"
            );
        }
    }
}
