//! Black-box tests: each runs the real `feedpub` binary and checks what it writes and prints.

mod build;
mod serve;
mod util;
