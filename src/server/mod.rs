//! The HTTP/1.1 server: accept loop, connection limits, timeouts and graceful shutdown.
//!
//! It only reads: every response comes from the latest published [`Site`] snapshot (a
//! `watch` channel the daemon sends to), never from the filesystem. [`run`] takes an already
//! bound listener and a shutdown future, so tests run it on `127.0.0.1:0` and the daemon hands it
//! its signal handling; binding here would invite port races.
//!
//! Modules: `route` (path → route, pure), `negotiate` (`Accept-Encoding`, pure), `conditional`
//! (RFC 9110 preconditions, pure), `respond` (request → response), `metrics` (Prometheus text),
//! `idle` (the no-progress IO timeout), `zerocopy` (bodies sent with `sendfile`), `body` (request
//! bodies, read and discarded).
//!
//! Limits, each from [`ServerSettings`]:
//! * `header_read_timeout_ms`: a request head must arrive within this long (hyper, with a timer:
//!   hyper ignores the setting without one). hyper restarts it when a keep-alive connection goes
//!   idle, so it is also the keep-alive idle timeout. A request body (which nothing here uses) is
//!   read and discarded within this long too, up to 64 KiB; beyond either limit it gets 408 or
//!   413 (405 for a method other than GET and HEAD) and the connection is closed.
//! * `idle_timeout_ms`: a connection on which no byte moved in either direction for this long
//!   (up to twice this long) is closed, e.g. a client that stopped reading its response.
//! * `max_connections`: beyond this many open connections the loop stops accepting until one
//!   closes; the kernel backlog holds the rest.
//! * `shutdown_grace_ms`: after the shutdown future completes, idle connections close at once and
//!   in-flight responses get this long to finish before their tasks are aborted.

mod body;
mod conditional;
mod idle;
mod metrics;
mod negotiate;
mod respond;
pub mod route;
#[cfg(test)]
mod tests;
mod zerocopy;

use std::convert::Infallible;
use std::future::{Future, Ready};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Incoming};
use hyper::header::HeaderValue;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

pub use self::metrics::Metrics;
pub use self::route::RouteClass;
use crate::config::ServerSettings;
use crate::site::Site;

/// Largest buffered request head; a larger one gets 431 and the connection is closed.
const MAX_BUF_SIZE: usize = 64 * 1024;
/// Longest a request for a page still to come waits (see [`answer_when_complete`]): a first
/// start at 100,000 articles on 2 cores has every page ~6 s after its feeds.
const HOLD_MAX: Duration = Duration::from_secs(30);
/// Pause after an accept error that is not about one connection (EMFILE, ENOMEM, ...).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What every connection shares: the published snapshot, the metrics and the settings.
#[derive(Debug)]
pub struct Shared {
    /// The latest published snapshot; `None` until the first build is published.
    site: watch::Receiver<Option<Arc<Site>>>,
    metrics: Arc<Metrics>,
    settings: ServerSettings,
    /// `settings.cache_control`, validated once.
    cache_control: HeaderValue,
}

impl Shared {
    /// An invalid `cache_control` (bytes a header cannot hold) falls back to the default
    /// `public, max-age=60` with a warning.
    pub fn new(
        site: watch::Receiver<Option<Arc<Site>>>,
        metrics: Arc<Metrics>,
        settings: ServerSettings,
    ) -> Arc<Shared> {
        let cache_control = HeaderValue::from_str(&settings.cache_control).unwrap_or_else(|_| {
            tracing::warn!(value = %settings.cache_control, "server.cache_control is not a valid header value, using the default");
            HeaderValue::from_static("public, max-age=60")
        });
        Arc::new(Shared {
            site,
            metrics,
            settings,
            cache_control,
        })
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn settings(&self) -> &ServerSettings {
        &self.settings
    }
}

/// Another name for [`Shared`].
pub type State = Shared;

/// A connection from whichever of `listeners` has one, starting with the one after the last
/// that gave one (`turn`), so that a busy socket does not starve the others.
async fn accept_any(
    listeners: &[TcpListener],
    turn: &mut usize,
) -> io::Result<(tokio::net::TcpStream, std::net::SocketAddr)> {
    std::future::poll_fn(|cx| {
        for i in 0..listeners.len() {
            let at = (*turn + i) % listeners.len();
            if let std::task::Poll::Ready(accepted) = listeners[at].poll_accept(cx) {
                *turn = at + 1;
                return std::task::Poll::Ready(accepted);
            }
        }
        std::task::Poll::Pending
    })
    .await
}

/// Serve HTTP/1.1 on `listeners` (one or more, never none) until `shutdown` completes, then
/// drain within `shutdown_grace_ms` and return. Accept errors are logged and retried, never
/// returned.
pub async fn run(
    listeners: Vec<TcpListener>,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let settings = &shared.settings;
    let builder = http1_builder(settings);
    let idle_timeout = Duration::from_millis(settings.idle_timeout_ms);
    let grace = Duration::from_millis(settings.shutdown_grace_ms);
    let slots = Arc::new(Semaphore::new(
        settings.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let graceful = GracefulShutdown::new();
    let mut tasks = JoinSet::new();
    let mut accept_failures: u64 = 0;
    let mut turn = 0;
    tokio::pin!(shutdown);

    loop {
        // Reap finished connection tasks so the set stays as small as the open connections.
        while tasks.try_join_next().is_some() {}
        let slot = tokio::select! {
            biased;
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = accept_any(&listeners, &mut turn) => match accepted {
                Ok(accepted) => {
                    if accept_failures > 0 {
                        tracing::info!(failures = accept_failures, "accepting connections again");
                        accept_failures = 0;
                    }
                    accepted
                }
                Err(e) if is_connection_error(&e) => {
                    tracing::debug!(error = %e, "accept failed for one connection");
                    continue;
                }
                Err(e) => {
                    // Once per run of failures (they come every ACCEPT_BACKOFF while the
                    // descriptors are short), then how many there were once one succeeds.
                    if accept_failures == 0 {
                        tracing::warn!(error = %e, "accept failed, pausing and retrying every 100 ms");
                    }
                    accept_failures += 1;
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    }
                }
            },
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "cannot set TCP_NODELAY");
        }
        let conn_shared = shared.clone();
        let body_file = zerocopy::Slot::default();
        let io = zerocopy::SendfileIo::new(stream, body_file.clone(), shared.metrics.clone());
        let service = service_fn(move |req: Request<Incoming>| {
            // Nearly every request has no body: answered at once, nothing boxed.
            if req.body().is_end_stream() {
                if respond::held(&conn_shared, &req) {
                    return Reply::Body(Box::pin(answer_when_complete(
                        conn_shared.clone(),
                        body_file.clone(),
                        req,
                    )));
                }
                let mut resp = respond::handle(&conn_shared, &req);
                zerocopy::take_sendable(&body_file, &mut resp);
                return Reply::Ready(std::future::ready(resp));
            }
            Reply::Body(Box::pin(answer_after_body(
                conn_shared.clone(),
                body_file.clone(),
                req,
            )))
        });
        let conn =
            builder.serve_connection(TokioIo::new(idle::IdleIo::new(io, idle_timeout)), service);
        let conn = graceful.watch(conn);
        let open = OpenConnection::new(shared.metrics.clone(), slot);
        tasks.spawn(async move {
            if let Err(e) = conn.await {
                // hyper answered a request it could not parse itself; count it like the others.
                if let Some(status) = automatic_status(&e) {
                    open.metrics.record_request(RouteClass::Other, status);
                }
                // Timeouts, resets, malformed requests: the client's problem, not ours.
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(open);
        });
    }

    drop(listeners);
    let open = graceful.count();
    tracing::info!(
        open,
        grace_ms = grace.as_millis() as u64,
        "server shutting down"
    );
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            open = tasks.len(),
            "shutdown grace period over, closing the remaining connections"
        );
    }
    tasks.shutdown().await;
    Ok(())
}

type Resp = Response<Full<Bytes>>;

/// A response on its way: ready, or once the request's body has been read.
enum Reply {
    Ready(Ready<Resp>),
    Body(Pin<Box<dyn Future<Output = Resp> + Send>>),
}

impl Future for Reply {
    type Output = Result<Resp, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Reply::Ready(ready) => Pin::new(ready).poll(cx).map(Ok),
            Reply::Body(body) => body.as_mut().poll(cx).map(Ok),
        }
    }
}

/// Read and discard `req`'s body, then answer it; or refuse it and close the connection.
async fn answer_after_body(
    shared: Arc<Shared>,
    body_file: zerocopy::Slot,
    req: Request<Incoming>,
) -> Resp {
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(parts, ());
    let deadline = Duration::from_millis(shared.settings.header_read_timeout_ms);
    let allowed = req.method() == Method::GET || req.method() == Method::HEAD;
    // A method nothing here allows is refused whatever its body: at once when the client waits
    // for a `100 Continue` before sending it (hyper sends one only when the body is read), so
    // no upload is made for nothing, and with 405 rather than 413 when the body is too big.
    let expects_continue = req
        .headers()
        .get(hyper::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if !allowed && expects_continue {
        let mut resp = respond::handle_and_close(&shared, &req);
        zerocopy::take_sendable(&body_file, &mut resp);
        return resp;
    }
    let mut resp = match body::discard(req.headers(), body, deadline).await {
        Ok(()) => respond::handle(&shared, &req),
        Err((StatusCode::PAYLOAD_TOO_LARGE, _)) if !allowed => {
            respond::handle_and_close(&shared, &req)
        }
        Err((status, why)) => respond::refuse(&shared, &req, status, why),
    };
    zerocopy::take_sendable(&body_file, &mut resp);
    resp
}

/// Answer `req` once the article pages are all published (at most [`HOLD_MAX`] later): it
/// asks for one the snapshot lacks while pages are still to come ([`respond::held`]).
async fn answer_when_complete(
    shared: Arc<Shared>,
    body_file: zerocopy::Slot,
    req: Request<Incoming>,
) -> Resp {
    let mut site = shared.site.clone();
    let complete = site.wait_for(|s| s.as_ref().is_some_and(|s| !s.incomplete()));
    let mut resp = match tokio::time::timeout(HOLD_MAX, complete).await {
        // The channel closed: the daemon is stopping, and what was coming comes after a restart.
        Ok(Err(_)) => respond::shutting_down(&shared, &req),
        // Complete, or past the deadline: answer from what there is.
        Ok(Ok(_)) | Err(_) => respond::handle(&shared, &req),
    };
    zerocopy::take_sendable(&body_file, &mut resp);
    resp
}

/// How every connection is served.
fn http1_builder(settings: &ServerSettings) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(settings.header_read_timeout_ms))
        .max_buf_size(MAX_BUF_SIZE)
        // hyper checks `max_buf_size` only while a head is incomplete, so a bigger head that
        // arrives in one read would pass; this checks the parsed head too.
        .max_header_size(MAX_BUF_SIZE)
        // A client that shuts down its write side right after its request still wants the
        // response; without this, hyper drops the request in flight when it sees the FIN.
        .half_close(true)
        .keep_alive(true);
    builder
}

/// Held by a connection task: frees its slot and updates the gauge however the task ends
/// (aborted after the grace period included).
struct OpenConnection {
    metrics: Arc<Metrics>,
    _slot: OwnedSemaphorePermit,
}

impl OpenConnection {
    fn new(metrics: Arc<Metrics>, slot: OwnedSemaphorePermit) -> Self {
        metrics.connection_opened();
        OpenConnection {
            metrics,
            _slot: slot,
        }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.metrics.connection_closed();
    }
}

/// The status of the response hyper sends on its own for a request it cannot parse (see
/// hyper's `Server::on_error`): 431 for a head over `MAX_BUF_SIZE`, 414 for a URI over its
/// limit, 400 for the rest; none for an HTTP/2 preface or an internal error.
fn automatic_status(e: &hyper::Error) -> Option<hyper::StatusCode> {
    use hyper::StatusCode;
    if !e.is_parse() || e.is_parse_version_h2() {
        return None;
    }
    // hyper tells these apart only in its message.
    let message = e.to_string();
    if e.is_parse_too_large() {
        return Some(if message.starts_with("URI too long") {
            StatusCode::URI_TOO_LONG
        } else {
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        });
    }
    (!message.starts_with("internal error")).then_some(StatusCode::BAD_REQUEST)
}

/// Accept errors that concern one connection only and need no pause.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Answer one request from the snapshot exactly as a connection does (for benchmarks; the
/// server calls the same function).
#[doc(hidden)]
pub fn handle_request<B>(
    shared: &Shared,
    req: &hyper::Request<B>,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    respond::handle(shared, req)
}
