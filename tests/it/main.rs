//! Black-box tests: each runs the real `feedpub` binary and checks what it writes and prints.

mod abuse;
mod build;
mod faults;
mod load;
mod props;
mod serve;
mod systemd;
mod unreadable;
mod util;
mod zerocopy;
