//! Request bodies. Nothing we serve takes one, but a client may send one anyway (a GET with a
//! body is legal, if meaningless). hyper drains an unread body only as far as it is already
//! buffered and otherwise closes the connection, so a body is read and thrown away here before
//! the request is answered, and the connection stays usable. Bounded: [`MAX_BODY`] bytes within
//! the header read timeout.

use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use hyper::header::{self, HeaderMap};
use hyper::StatusCode;

/// Largest request body read (and discarded); a larger one gets 413.
pub(super) const MAX_BODY: u64 = 64 * 1024;

/// Why a body was not taken: the status to answer with, and a few words for the client. The
/// connection must be closed after: the rest of the body is unread, or cannot be framed.
pub(super) type Refusal = (StatusCode, &'static str);

/// Read `body` to its end and drop it, within `deadline`.
pub(super) async fn discard(
    headers: &HeaderMap,
    mut body: Incoming,
    deadline: Duration,
) -> Result<(), Refusal> {
    check_transfer_coding(headers)?;
    if body.size_hint().lower() > MAX_BODY {
        return Err(too_large());
    }
    let drain = async {
        let mut read = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| (StatusCode::BAD_REQUEST, "malformed body\n"))?;
            if let Some(data) = frame.data_ref() {
                read += data.len() as u64;
                if read > MAX_BODY {
                    return Err(too_large());
                }
            }
        }
        Ok(())
    };
    tokio::time::timeout(deadline, drain)
        .await
        .unwrap_or(Err((StatusCode::REQUEST_TIMEOUT, "body too slow\n")))
}

fn too_large() -> Refusal {
    (StatusCode::PAYLOAD_TOO_LARGE, "body too large\n")
}

/// hyper frames a body as chunked when `chunked` is the last transfer coding (and refuses
/// a request where it is not), ignoring any before it. We decode none but chunked, so
/// another coding gets 501 (RFC 9112 §6.1), and chunked twice is malformed (§6.1: a sender
/// must not apply it more than once).
fn check_transfer_coding(headers: &HeaderMap) -> Result<(), Refusal> {
    let mut chunked = 0;
    for value in headers.get_all(header::TRANSFER_ENCODING) {
        let value = value
            .to_str()
            .map_err(|_| (StatusCode::BAD_REQUEST, "invalid Transfer-Encoding\n"))?;
        for coding in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            if !coding.eq_ignore_ascii_case("chunked") {
                return Err((
                    StatusCode::NOT_IMPLEMENTED,
                    "transfer coding not supported\n",
                ));
            }
            chunked += 1;
        }
    }
    match chunked {
        0 | 1 => Ok(()),
        _ => Err((StatusCode::BAD_REQUEST, "chunked applied more than once\n")),
    }
}
