//! The fuzz target's interpreter on fixed pseudo-random inputs, so that the default
//! `cargo test` covers what `cargo fuzz` explores (see `fuzz/`), and fuzz findings stay fixed.
//! Every panic must be a documented misuse panic.

mod common;

use common::fuzz_graph::{Summary, message, run};
use std::panic::{self, AssertUnwindSafe};

/// What `run(data)` did, or the message of the undocumented panic that escaped it.
fn outcome(data: &[u8]) -> Result<Summary, String> {
    panic::catch_unwind(AssertUnwindSafe(|| run(data))).map_err(|p| message(&*p))
}

#[test]
fn byte_graphs_panic_only_with_documented_misuse_messages() {
    // Silence the expected panics; this binary has this one test only.
    panic::set_hook(Box::new(|_| {}));
    let (mut ops, mut misuse) = (0, 0);
    let mut s: u64 = 0x2545_f491_4f6c_dd1d;
    for case in 0..3000 {
        let len = 8 + case % 120;
        let data: Vec<u8> = (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 24) as u8
            })
            .collect();
        match outcome(&data) {
            Ok(s) => (ops, misuse) = (ops + s.ops, misuse + s.misuse),
            Err(msg) => {
                let _ = panic::take_hook();
                panic!("input {data:?} panicked with an undocumented message: {msg}");
            }
        }
    }
    let _ = panic::take_hook();
    println!("3000 inputs: {ops} ops recorded, {misuse} documented misuse panics caught");
    assert!(
        ops > 5000 && misuse > 1000,
        "{ops} ops, {misuse} misuse panics"
    );
}
