//! Logging to stderr via `tracing`; `RUST_LOG` overrides the default level (`info`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Install the global subscriber. Safe to call once per process.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
