//! `cargo xtask eval`: the translator's accuracy on the labelled corpus,
//! its latency and the ask API's throughput.
//!
//! The work happens in the `slicewise-eval` binary (native Polars at the
//! pinned version); xtask only runs it, in the dev profile, whose compiled
//! Polars the tests already keep warm.

use crate::run::{cmd, run};

/// Runs `slicewise-eval`; `verbose` lists every miss.
pub fn eval(verbose: bool) -> anyhow::Result<()> {
    let mut c = cmd("cargo");
    c.args(["run", "--quiet", "-p", "slicewise-eval", "--"]);
    if verbose {
        c.arg("--verbose");
    }
    run(&mut c)
}
