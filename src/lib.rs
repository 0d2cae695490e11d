//! feedpub: turn a directory of articles into RSS 2.0, Atom 1.0 and JSON Feed 1.1, and serve them.
//!
//! # Layout
//! Data flows one way: file event → parse → store → render → atomic swap → bytes served.
//!
//! * `config`: the TOML config file and CLI flags, resolved into one [`config::Config`].
//! * `article`: pure parsing of one source file (bytes) into an [`article::Article`].
//! * `scan`: the only place that reads the articles directory (walk, ignore rules, symlinks).
//! * `store`: every parsed article by source path, and the published view of them.
//! * `render`: pure rendering of the published view into feeds and HTML pages.
//! * `site`: one immutable snapshot of everything served ([`site::Site`] of [`site::Asset`]s).
//! * `server`: the HTTP server, answering from the latest published snapshot only.
//! * `output`: writes a snapshot to the out dir, each file atomically.
//! * `parallel`: one scoped-thread map shared by parsing, rendering and writing.
//! * `build`: the `build` and `check` commands.
//! * `engine`: the daemon's synchronous core: store + incremental updates + render.
//! * `gzip`: gzip that recompresses only the chunks of a feed that changed since last time.
//! * `daemon`: `serve`: watch, rebuild incrementally, publish snapshots, handle signals.
//! * `systemd`: sd_notify readiness/status/watchdog and socket activation; no-ops outside systemd.
//! * `memfile`: a response body in a memfd, sent by the kernel with `sendfile`.
//! * `clock`: the wall clock, read without chrono's panic on a clock before 1970.
//! * `limits`: raises the open-file limit a server with many connections needs.
//! * `watch`: notify bridged into tokio, with debouncing and rescan on overflow.

pub mod article;
pub mod build;
pub mod cache;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod engine;
pub mod gzip;
pub mod limits;
pub mod logging;
pub mod memfile;
pub mod output;
pub mod parallel;
pub mod render;
pub mod scan;
pub mod server;
pub mod site;
pub mod store;
pub mod systemd;
pub mod watch;
pub mod writer;
