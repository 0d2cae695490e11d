//! One request → one response, from the published snapshot. Synchronous: nothing here waits.
//!
//! The pipeline, top to bottom: method check (405), [`route`], snapshot lookup (404, or 503
//! before the first build), encoding negotiation, conditional evaluation (304/412), headers.
//! HEAD is handled once, at the end, by dropping the body and keeping its `Content-Length`.
//! Bodies are `Bytes` clones of the snapshot's, never copies.

use std::borrow::Cow;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Body;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::http::uri::Scheme;
use hyper::{Method, Request, Response, StatusCode};

use super::conditional::{self, Outcome};
use super::negotiate::negotiate;
use super::route::{route_under, Route, RouteClass};
use super::zerocopy::Sendable;
use super::Shared;
use crate::site::{Asset, Coding};

type Resp = Response<Full<Bytes>>;

const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
const CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; media-src *",
);
const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const PROMETHEUS: HeaderValue =
    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
const ALLOW: HeaderValue = HeaderValue::from_static("GET, HEAD");
const VARY: HeaderValue = HeaderValue::from_static("Accept-Encoding");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// Most headers a response carries (asset 200: type, nosniff, encoding, CSP, ETag,
/// Last-Modified, Cache-Control, Vary).
const HEADERS: usize = 8;

const NOT_FOUND_BODY: &str =
    "<!doctype html>\n<html lang=\"en\">\n<meta charset=\"utf-8\">\n<title>Not found</title>\n<h1>Not found</h1>\n";
const MOVED_BODY: &str =
    "<!doctype html>\n<html lang=\"en\">\n<meta charset=\"utf-8\">\n<title>Moved</title>\n<h1>Moved permanently</h1>\n";

/// Answer `req`, count it and write its access-log line.
pub(crate) fn handle<B>(shared: &Shared, req: &Request<B>) -> Resp {
    finish(shared, req, |shared, req| respond(shared, req))
}

/// Answer `req` with `status` and close the connection after: its body was refused (see
/// `body::discard`). Counted and logged like the requests hyper refuses itself.
pub(crate) fn refuse<B>(
    shared: &Shared,
    req: &Request<B>,
    status: StatusCode,
    why: &'static str,
) -> Resp {
    finish(shared, req, |_, _| {
        let mut resp = text(status, why);
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        (RouteClass::Other, resp)
    })
}

/// [`handle`] for a request whose body is left unread (a method nothing here allows: 405,
/// unless the request is bad in another way), closing the connection after.
pub(crate) fn handle_and_close<B>(shared: &Shared, req: &Request<B>) -> Resp {
    let mut resp = handle(shared, req);
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// 503 for a request held for a tag feed or page still to come ([`held`]) when the daemon
/// stops: it would come after a restart, so it is not a 404. The connection closes after.
pub(crate) fn shutting_down<B>(shared: &Shared, req: &Request<B>) -> Resp {
    let mut resp = refuse(
        shared,
        req,
        StatusCode::SERVICE_UNAVAILABLE,
        "shutting down, try again shortly\n",
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    resp
}

/// Whether `req` asks for a tag feed or page still to come ([`crate::site::Site::coming`]):
/// it is to be answered once it is there, rather than with a 404 a crawler would remember.
pub fn held<B>(shared: &Shared, req: &Request<B>) -> bool {
    let site = shared.site.borrow();
    let Some(site) = site.as_ref().filter(|s| s.incomplete()) else {
        return false;
    };
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path(), |pq| pq.as_str());
    match route_under(target, &site.base_path) {
        Route::Asset { key, .. } | Route::Redirect { key, .. } => site.coming.contains(&*key),
        Route::Healthz | Route::Metrics | Route::NotFound => false,
    }
}

/// Make the response with `respond`, then count it and write its access-log line.
fn finish<B>(
    shared: &Shared,
    req: &Request<B>,
    respond: impl FnOnce(&Shared, &Request<B>) -> (RouteClass, Resp),
) -> Resp {
    let log = shared.settings.access_log || tracing::enabled!(tracing::Level::DEBUG);
    let start = log.then(Instant::now);
    let (class, mut resp) = respond(shared, req);
    if req.method() == Method::HEAD {
        strip_body(&mut resp);
    }
    shared.metrics.record_request(class, resp.status());
    let Some(start) = start else {
        return resp;
    };
    let bytes = resp.body().size_hint().exact().unwrap_or(0);
    let micros = start.elapsed().as_micros() as u64;
    let (method, path, status) = (
        req.method().as_str(),
        req.uri().path(),
        resp.status().as_u16(),
    );
    if shared.settings.access_log {
        tracing::info!(method, path, status, bytes, micros, "request");
    } else {
        tracing::debug!(method, path, status, bytes, micros, "request");
    }
    resp
}

fn respond<B>(shared: &Shared, req: &Request<B>) -> (RouteClass, Resp) {
    let target = match req.uri().path_and_query() {
        // Only an absolute-form target (`GET http://host?q`) starts with `?` here (hyper
        // refuses it in origin form); its empty path means `/` (RFC 9110 §4.2.3).
        Some(pq) if pq.as_str().starts_with('?') => Cow::Owned(format!("/{}", pq.as_str())),
        Some(pq) => Cow::Borrowed(pq.as_str()),
        None => Cow::Borrowed(req.uri().path()),
    };
    // One snapshot for the whole request: its base path routes it, and it answers it.
    let site = shared.site.borrow().clone();
    let route = route_under(&target, site.as_ref().map_or("", |s| &s.base_path));
    let class = route.class();
    // RFC 9112 §3.2.2: absolute-form is for http and https URIs only, and (RFC 9110 §4.2.4)
    // one with a user name or password in it is an error.
    if let Some(scheme) = req.uri().scheme() {
        if *scheme != Scheme::HTTP && *scheme != Scheme::HTTPS {
            return (class, text(StatusCode::BAD_REQUEST, "unsupported scheme\n"));
        }
        if req
            .uri()
            .authority()
            .is_some_and(|a| a.as_str().contains('@'))
        {
            return (
                class,
                text(StatusCode::BAD_REQUEST, "user info in the request target\n"),
            );
        }
    }
    // RFC 9112 §3.2.3-4: authority-form (`a:80`) is for CONNECT and asterisk-form (`*`) for
    // OPTIONS, which get their 405 below; for GET or HEAD either is a bad request.
    let origin_or_absolute = req.uri().scheme().is_some()
        || req
            .uri()
            .path_and_query()
            .is_some_and(|pq| pq.as_str().starts_with('/'));
    if !origin_or_absolute && (req.method() == Method::GET || req.method() == Method::HEAD) {
        return (
            class,
            text(StatusCode::BAD_REQUEST, "invalid request target\n"),
        );
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host, and any request with more than one
    // Host or an invalid one, must get 400.
    let mut hosts = req.headers().get_all(header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (None, _) if req.version() == hyper::Version::HTTP_11 => {
            return (
                class,
                text(StatusCode::BAD_REQUEST, "missing Host header\n"),
            );
        }
        (Some(_), Some(_)) => {
            return (
                class,
                text(StatusCode::BAD_REQUEST, "more than one Host header\n"),
            );
        }
        (Some(host), None) if !valid_host(host.as_bytes()) => {
            return (
                class,
                text(StatusCode::BAD_REQUEST, "invalid Host header\n"),
            );
        }
        _ => {}
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut resp = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        resp.headers_mut().insert(header::ALLOW, ALLOW);
        return (class, resp);
    }
    match route {
        Route::Healthz => {
            let mut resp = match site.is_some() {
                true => text(StatusCode::OK, "ok\n"),
                false => text(StatusCode::SERVICE_UNAVAILABLE, "starting\n"),
            };
            resp.headers_mut().insert(header::CACHE_CONTROL, NO_STORE);
            (class, resp)
        }
        Route::Metrics => {
            let mut resp = with_body(
                StatusCode::OK,
                PROMETHEUS,
                Bytes::from(shared.metrics.render()),
            );
            resp.headers_mut().insert(header::CACHE_CONTROL, NO_STORE);
            (class, resp)
        }
        Route::NotFound => (class, not_found()),
        Route::Asset { key, class } => {
            let Some(site) = site else {
                return (class, starting());
            };
            match site.get(&key) {
                Some(asset) => (class, serve(shared, req.headers(), asset)),
                None if class == RouteClass::Other => (RouteClass::NotFound, not_found()),
                None => (class, not_found()),
            }
        }
        Route::Redirect { key, location } => {
            let Some(found) = site.map(|site| site.get(&key).is_some()) else {
                return (class, starting());
            };
            match HeaderValue::try_from(location) {
                Ok(location) if found => {
                    let mut resp = html(StatusCode::MOVED_PERMANENTLY, MOVED_BODY);
                    resp.headers_mut().insert(header::LOCATION, location);
                    (class, resp)
                }
                _ => (class, not_found()),
            }
        }
    }
}

/// Whether `host` is a valid `Host` value: `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986
/// §3.2.2), or empty. No userinfo, no path, ASCII only (an IDN host is sent in punycode).
fn valid_host(host: &[u8]) -> bool {
    let (name, port) = match host.strip_prefix(b"[") {
        // IP-literal: IPv6 or IPvFuture, checked loosely (hex digits, `:`, `.`, `v`...).
        Some(rest) => {
            let Some(end) = rest.iter().position(|&b| b == b']') else {
                return false;
            };
            let (literal, after) = rest.split_at(end);
            if literal.is_empty()
                || !literal
                    .iter()
                    .all(|&b| b == b':' || is_unreserved_or_sub_delim(b))
            {
                return false;
            }
            match &after[1..] {
                [] => return true,
                [b':', port @ ..] => (&b""[..], port),
                _ => return false,
            }
        }
        // reg-name or IPv4address.
        None => match host.iter().position(|&b| b == b':') {
            Some(colon) => (&host[..colon], &host[colon + 1..]),
            None => (host, &b""[..]),
        },
    };
    name.iter()
        .all(|&b| b == b'%' || is_unreserved_or_sub_delim(b))
        && port.iter().all(u8::is_ascii_digit)
}

/// RFC 3986 `unreserved` or `sub-delims`.
fn is_unreserved_or_sub_delim(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b)
}

/// The asset in the coding the client prefers, or a 304/412 for it.
fn serve(shared: &Shared, headers: &HeaderMap, asset: &Asset) -> Resp {
    let compressible = off_the_loop(asset.made(Coding::Identity), || asset.compressible());
    // A pass over the few header names is cheaper than a hashed lookup of a header that most
    // requests lack (this runs on every request).
    let accept_encoding = headers.keys().any(|name| name == header::ACCEPT_ENCODING);
    let coding = if compressible && accept_encoding {
        negotiate(
            headers
                .get_all(header::ACCEPT_ENCODING)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        )
    } else {
        Coding::Identity
    };
    // A representation not made yet (a lazy page's, or one past the memory budget) is only
    // made for a response with a body: a 304 needs its ETag alone.
    let kept = asset.made(coding).then(|| asset.variant(coding));
    let etag = match &kept {
        Some(v) => Cow::Borrowed(v.etag.as_str()),
        None => off_the_loop(asset.etag_known(), || asset.etag(coding)),
    };
    let outcome = conditional::evaluate(headers, &etag, asset.last_modified);
    if outcome == Outcome::PreconditionFailed {
        return text(StatusCode::PRECONDITION_FAILED, "precondition failed\n");
    }
    let etag_header = match &kept {
        Some(v) => v.etag_header.clone(),
        None => {
            HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"invalid\""))
        }
    };
    let mut resp = match outcome {
        Outcome::NotModified => {
            let mut resp = Response::new(Full::default());
            *resp.status_mut() = StatusCode::NOT_MODIFIED;
            let h = resp.headers_mut();
            h.reserve(HEADERS);
            h.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
            resp
        }
        _ => {
            let variant = match kept {
                Some(v) => v,
                None => off_the_loop(false, || asset.variant(coding)),
            };
            let is_html = asset.content_type.starts_with("text/html");
            let mut resp = with_body(
                StatusCode::OK,
                asset.content_type_header.clone(),
                variant.body.clone(),
            );
            let h = resp.headers_mut();
            if let Some(encoding) = coding.header_value() {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            if is_html {
                h.insert(header::CONTENT_SECURITY_POLICY, CSP);
            }
            if let Some(file) = variant.file() {
                resp.extensions_mut()
                    .insert(Sendable(std::sync::Arc::clone(file)));
            }
            resp
        }
    };
    let h = resp.headers_mut();
    h.insert(header::ETAG, etag_header);
    let (last_modified, date) = asset.last_modified_header();
    h.insert(header::LAST_MODIFIED, last_modified);
    if let Some(date) = date {
        h.insert(header::DATE, date);
    }
    h.insert(header::CACHE_CONTROL, shared.cache_control.clone());
    if compressible {
        h.insert(header::VARY, VARY);
    }
    resp
}

/// Run `work` so that it does not hold up the other connections of this worker thread, unless
/// it is `ready` (nothing to compute). Rendering a lazy page or tag feed, or a first brotli of a
/// big feed, takes milliseconds (hundreds for a feed of megabytes); on the multi-threaded
/// runtime the worker's other tasks move to another thread meanwhile. The current-thread
/// runtime (some tests) has no such escape, so there it simply runs.
fn off_the_loop<R>(ready: bool, work: impl FnOnce() -> R) -> R {
    if ready {
        return work();
    }
    match tokio::runtime::Handle::try_current() {
        Ok(rt) if rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// HEAD: the GET response's headers, `Content-Length` included, without its body.
fn strip_body(resp: &mut Resp) {
    let len = resp.body().size_hint().exact().unwrap_or(0);
    if resp.status() != StatusCode::NOT_MODIFIED {
        resp.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    *resp.body_mut() = Full::default();
    resp.extensions_mut().remove::<Sendable>();
}

/// 503 before the first build is published.
/// Before the first snapshot: a reader is to come back soon, and no cache is to keep this.
fn starting() -> Resp {
    let mut resp = text(
        StatusCode::SERVICE_UNAVAILABLE,
        "starting, try again shortly\n",
    );
    let h = resp.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    h.insert(header::CACHE_CONTROL, NO_STORE);
    resp
}

fn not_found() -> Resp {
    html(StatusCode::NOT_FOUND, NOT_FOUND_BODY)
}

fn html(status: StatusCode, body: &'static str) -> Resp {
    let mut resp = with_body(status, HTML, Bytes::from_static(body.as_bytes()));
    resp.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, CSP);
    resp
}

fn text(status: StatusCode, body: &'static str) -> Resp {
    with_body(status, TEXT, Bytes::from_static(body.as_bytes()))
}

/// A response with a body; hyper adds `Content-Length` from it.
fn with_body(status: StatusCode, content_type: HeaderValue, body: Bytes) -> Resp {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    // Room for every header an asset response gets, so the map is allocated once.
    h.reserve(HEADERS);
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    resp
}
