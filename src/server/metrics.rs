//! Counters and gauges served at `/metrics` in the Prometheus text format (version 0.0.4).
//!
//! Everything is an atomic updated with `Relaxed` ordering: the request path takes no lock, and
//! a scrape may see one counter a request ahead of another, which Prometheus tolerates. The
//! daemon reports rebuilds and write errors through [`Metrics::record_rebuild`] and
//! [`Metrics::record_write_error`]; the server counts requests and connections itself.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::StatusCode;

use super::route::RouteClass;

/// The statuses the server answers with; anything else is counted under `other`.
const STATUSES: [u16; 11] = [200, 301, 304, 400, 404, 405, 412, 414, 431, 503, 0];

/// Upper bounds (seconds) of the rebuild duration histogram buckets, `+Inf` aside.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The server's and the daemon's metrics. Share it as an `Arc<Metrics>`.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; STATUSES.len()]; RouteClass::ALL.len()],
    connections_total: AtomicU64,
    connections_open: AtomicU64,
    rebuilds: AtomicU64,
    rebuild_nanos_sum: AtomicU64,
    /// Non-cumulative counts per bucket; the last one is `+Inf`.
    rebuild_buckets: [AtomicU64; BUCKETS.len() + 1],
    last_rebuild_nanos: AtomicU64,
    last_rebuild_unix: AtomicU64,
    articles: AtomicU64,
    problems: AtomicU64,
    write_errors: AtomicU64,
    sendfile_bytes: AtomicU64,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// A rebuild finished now, took `duration` and published `articles` articles, with
    /// `problems` source files currently failing to parse.
    pub fn record_rebuild(&self, duration: Duration, articles: usize, problems: usize) {
        self.record_rebuild_at(SystemTime::now(), duration, articles, problems);
    }

    /// [`Metrics::record_rebuild`] with an explicit completion time.
    pub fn record_rebuild_at(
        &self,
        at: SystemTime,
        duration: Duration,
        articles: usize,
        problems: usize,
    ) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        let secs = duration.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(BUCKETS.len());
        self.rebuild_buckets[bucket].fetch_add(1, Relaxed);
        self.rebuild_nanos_sum.fetch_add(nanos, Relaxed);
        self.rebuilds.fetch_add(1, Relaxed);
        self.last_rebuild_nanos.store(nanos, Relaxed);
        self.last_rebuild_unix.store(
            at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            Relaxed,
        );
        self.set_articles(articles, problems);
    }

    /// Update the article gauges without counting a rebuild (e.g. after a failed one).
    pub fn set_articles(&self, articles: usize, problems: usize) {
        self.articles.store(articles as u64, Relaxed);
        self.problems.store(problems as u64, Relaxed);
    }

    /// Writing a file of the snapshot to the out dir failed.
    pub fn record_write_error(&self) {
        self.write_errors.fetch_add(1, Relaxed);
    }

    /// Count one answered request.
    pub fn record_request(&self, class: RouteClass, status: StatusCode) {
        let code = status.as_u16();
        let slot = STATUSES
            .iter()
            .position(|&s| s == code)
            .unwrap_or(STATUSES.len() - 1);
        self.requests[class.index()][slot].fetch_add(1, Relaxed);
    }

    /// `n` bytes of a response body left by `sendfile` (see `zerocopy`).
    pub(crate) fn record_sendfile(&self, n: usize) {
        self.sendfile_bytes.fetch_add(n as u64, Relaxed);
    }

    pub(crate) fn connection_opened(&self) {
        self.connections_total.fetch_add(1, Relaxed);
        self.connections_open.fetch_add(1, Relaxed);
    }

    pub(crate) fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        // Writing to a String cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    fn write_to(&self, out: &mut String) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP feedpub_http_requests_total HTTP requests answered, by route class and status."
        )?;
        writeln!(out, "# TYPE feedpub_http_requests_total counter")?;
        for class in RouteClass::ALL {
            for (slot, status) in STATUSES.iter().enumerate() {
                let n = self.requests[class.index()][slot].load(Relaxed);
                if n == 0 {
                    continue;
                }
                let route = class.label();
                match status {
                    0 => writeln!(
                        out,
                        "feedpub_http_requests_total{{route=\"{route}\",status=\"other\"}} {n}"
                    )?,
                    s => writeln!(
                        out,
                        "feedpub_http_requests_total{{route=\"{route}\",status=\"{s}\"}} {n}"
                    )?,
                }
            }
        }
        counter(
            out,
            "feedpub_http_connections_total",
            "HTTP connections accepted.",
            self.connections_total.load(Relaxed),
        )?;
        gauge(
            out,
            "feedpub_http_connections_open",
            "HTTP connections open now.",
            self.connections_open.load(Relaxed),
        )?;
        counter(
            out,
            "feedpub_http_sendfile_bytes_total",
            "Response body bytes sent by the kernel from memfds (sendfile) rather than copied.",
            self.sendfile_bytes.load(Relaxed),
        )?;
        counter(
            out,
            "feedpub_rebuilds_total",
            "Site rebuilds published.",
            self.rebuilds.load(Relaxed),
        )?;

        let name = "feedpub_rebuild_duration_seconds";
        writeln!(out, "# HELP {name} Time taken by each rebuild.")?;
        writeln!(out, "# TYPE {name} histogram")?;
        let mut cumulative = 0;
        for (i, bucket) in self.rebuild_buckets.iter().enumerate() {
            cumulative += bucket.load(Relaxed);
            match BUCKETS.get(i) {
                Some(le) => writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}")?,
                None => writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}")?,
            }
        }
        writeln!(
            out,
            "{name}_sum {}",
            seconds(self.rebuild_nanos_sum.load(Relaxed))
        )?;
        // The count must agree with the +Inf bucket even mid-update, so it is derived from it.
        writeln!(out, "{name}_count {cumulative}")?;

        let last = seconds(self.last_rebuild_nanos.load(Relaxed));
        writeln!(
            out,
            "# HELP feedpub_last_rebuild_duration_seconds Time taken by the latest rebuild."
        )?;
        writeln!(out, "# TYPE feedpub_last_rebuild_duration_seconds gauge")?;
        writeln!(out, "feedpub_last_rebuild_duration_seconds {last}")?;
        gauge(
            out,
            "feedpub_last_rebuild_timestamp_seconds",
            "When the latest rebuild was published (unix seconds; 0: never).",
            self.last_rebuild_unix.load(Relaxed),
        )?;
        gauge(
            out,
            "feedpub_articles_published",
            "Articles in the published snapshot.",
            self.articles.load(Relaxed),
        )?;
        gauge(
            out,
            "feedpub_article_problems",
            "Article files that currently fail to parse.",
            self.problems.load(Relaxed),
        )?;
        counter(
            out,
            "feedpub_output_write_errors_total",
            "Failed writes of snapshot files to the out dir.",
            self.write_errors.load(Relaxed),
        )
    }
}

fn seconds(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) -> std::fmt::Result {
    writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    )
}

fn gauge(out: &mut String, name: &str, help: &str, value: u64) -> std::fmt::Result {
    writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family() {
        let m = Metrics::new();
        m.record_request(RouteClass::Feed, StatusCode::OK);
        m.record_request(RouteClass::Feed, StatusCode::OK);
        m.record_request(RouteClass::Feed, StatusCode::NOT_MODIFIED);
        m.record_request(RouteClass::NotFound, StatusCode::NOT_FOUND);
        m.record_request(RouteClass::Other, StatusCode::IM_A_TEAPOT);
        m.record_rebuild_at(
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            Duration::from_millis(30),
            12,
            2,
        );
        m.record_rebuild(Duration::from_secs(20), 13, 1);
        m.record_write_error();
        let text = m.render();
        for line in [
            "feedpub_http_requests_total{route=\"feed\",status=\"200\"} 2",
            "feedpub_http_requests_total{route=\"feed\",status=\"304\"} 1",
            "feedpub_http_requests_total{route=\"not_found\",status=\"404\"} 1",
            "feedpub_http_requests_total{route=\"other\",status=\"other\"} 1",
            "feedpub_rebuilds_total 2",
            "feedpub_rebuild_duration_seconds_bucket{le=\"0.025\"} 0",
            "feedpub_rebuild_duration_seconds_bucket{le=\"0.05\"} 1",
            "feedpub_rebuild_duration_seconds_bucket{le=\"10\"} 1",
            "feedpub_rebuild_duration_seconds_bucket{le=\"+Inf\"} 2",
            "feedpub_rebuild_duration_seconds_sum 20.03",
            "feedpub_rebuild_duration_seconds_count 2",
            "feedpub_last_rebuild_duration_seconds 20",
            "feedpub_articles_published 13",
            "feedpub_article_problems 1",
            "feedpub_output_write_errors_total 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(
            !text.contains("route=\"index\""),
            "zero series are left out"
        );
        // Every sample line belongs to a declared family.
        for l in text.lines().filter(|l| !l.starts_with('#')) {
            let name = l.split(['{', ' ']).next().unwrap_or("");
            let family = name
                .trim_end_matches("_bucket")
                .trim_end_matches("_sum")
                .trim_end_matches("_count");
            assert!(text.contains(&format!("# TYPE {family} ")), "{l}");
        }
    }
}
