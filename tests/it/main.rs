//! Black-box tests: each runs the real `feedpub` binary and checks what it writes and prints.

mod build;
mod faults;
mod serve;
mod systemd;
mod util;
