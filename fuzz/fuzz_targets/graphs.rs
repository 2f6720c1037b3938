//! Graphs from arbitrary bytes (the interpreter lives in `tests/common/fuzz_graph.rs`, shared
//! with the in-CI smoke test). A documented misuse panic is an expected outcome; any other
//! panic reaches libFuzzer's hook, which aborts and records a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::panic;
use std::sync::Once;

#[path = "../../tests/common/fuzz_graph.rs"]
mod fuzz_graph;

fuzz_target!(|data: &[u8]| {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // libFuzzer's hook aborts on every panic; let the documented misuse panics unwind.
        let crash = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !fuzz_graph::allowed(info.payload_as_str().unwrap_or("")) {
                crash(info);
            }
        }));
    });
    let _ = panic::catch_unwind(|| fuzz_graph::run(data));
});
