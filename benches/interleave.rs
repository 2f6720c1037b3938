//! A ratio that survives a machine's phases: the subject and its limit timed in turns, block
//! by block, inside one criterion measurement.
//!
//! Criterion times one function after another, so a target "≤ k× the limit" compares two
//! medians taken seconds apart, and a shared machine can change speed between them. Here
//! each of criterion's iterations runs `block` calls of the limit, then `block` calls of the
//! subject, and the row reports the subject's total time over the limit's, as if
//! it were milliseconds: **read "time: 1.14 ms" as 1.14×**. Both sides of every block see the
//! same phase, so the ratio moves far less than the two medians do.

use criterion::Bencher;
use std::time::{Duration, Instant};

/// Times `subject` against `limit` in turns, `block` calls of each per iteration, and reports
/// total(subject) ÷ total(limit) as a duration of that many milliseconds per iteration.
pub fn ratio<A, B>(
    b: &mut Bencher,
    block: usize,
    mut limit: impl FnMut() -> A,
    mut subject: impl FnMut() -> B,
) {
    b.iter_custom(|iters| {
        let (mut l, mut s) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..iters {
            let t = Instant::now();
            for _ in 0..block {
                std::hint::black_box(limit());
            }
            l += t.elapsed();
            let t = Instant::now();
            for _ in 0..block {
                std::hint::black_box(subject());
            }
            s += t.elapsed();
        }
        Duration::from_secs_f64(s.as_secs_f64() / l.as_secs_f64() * 1e-3 * iters as f64)
    });
}
