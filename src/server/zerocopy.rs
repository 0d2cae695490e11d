//! [`SendfileIo`]: a TCP stream whose writer sends a response body with `sendfile` when the body
//! has a copy in a memfd ([`MemFile`]), instead of copying it from memory with `writev`.
//!
//! hyper writes the head and the body's own `Bytes` as separate slices. The service puts the
//! response's [`MemFile`] into the connection's [`Slot`] (as a [`Sendable`] extension of the
//! response); the writer recognises the body's slices by their address and sends them from the
//! file. Anything else (heads, small bodies, a body whose file is not in the slot any more) goes
//! through `writev` as before, so a miss costs speed, never correctness.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

use super::Metrics;
use crate::memfile::MemFile;

/// A response extension: this response's body has a copy in this file.
#[derive(Debug, Clone)]
pub struct Sendable(pub Arc<MemFile>);

/// The file of the body a connection is sending, shared by its service and its writer.
pub type Slot = Arc<Mutex<Option<Arc<MemFile>>>>;

/// Set `slot` from `resp` (removing the extension), or clear it.
pub fn take_sendable<B>(slot: &Slot, resp: &mut hyper::Response<B>) {
    let file = resp.extensions_mut().remove::<Sendable>().map(|s| s.0);
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = file;
}

#[derive(Debug)]
pub struct SendfileIo {
    stream: TcpStream,
    slot: Slot,
    metrics: Arc<Metrics>,
    /// Whether `sendfile` failed other than by blocking (never expected on Linux for a memfd
    /// and a TCP socket): then this connection stops trying it.
    disabled: bool,
}

impl SendfileIo {
    pub fn new(stream: TcpStream, slot: Slot, metrics: Arc<Metrics>) -> Self {
        SendfileIo {
            stream,
            slot,
            metrics,
            disabled: false,
        }
    }

    fn poll_send_more(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_raw_write(cx, |fd| send_more(fd, bufs))
    }

    fn poll_sendfile(
        &mut self,
        cx: &mut Context<'_>,
        file: &MemFile,
        offset: u64,
        len: usize,
    ) -> Poll<io::Result<usize>> {
        self.poll_raw_write(cx, |fd| file.send_to(fd, offset, len))
    }

    /// One non-blocking write by `write` on the socket's descriptor, waiting for the socket to
    /// be writable as tokio's own writes do.
    fn poll_raw_write(
        &mut self,
        cx: &mut Context<'_>,
        mut write: impl FnMut(RawFd) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let fd = self.stream.as_raw_fd();
        loop {
            ready!(self.stream.poll_write_ready(cx))?;
            match self.stream.try_io(Interest::WRITABLE, || write(fd)) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                other => return Poll::Ready(other),
            }
        }
    }
}

/// `sendmsg` of `bufs` with `MSG_MORE`: the kernel waits for the next send to fill a packet.
fn send_more(fd: RawFd, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: an all-zero msghdr is valid (no name, no control data); `IoSlice` is ABI
    // compatible with `iovec` (std guarantees it on Unix), and `bufs` outlives the call.
    let sent = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
        msg.msg_iovlen = bufs.len().min(libc::UIO_MAXIOV as usize) as _;
        libc::sendmsg(fd, &msg, libc::MSG_MORE | libc::MSG_NOSIGNAL)
    };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sent as usize)
}

impl AsyncRead for SendfileIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SendfileIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let file = if this.disabled {
            None
        } else {
            this.slot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        };
        if let Some(file) = file {
            let body = bufs
                .iter()
                .enumerate()
                .find_map(|(i, b)| file.offset_of(b).map(|at| (i, at)));
            match body {
                // The head first, held back (MSG_MORE) to leave in the body's first packet, as
                // nginx's `tcp_nopush` does: the client then wakes once per response, not twice.
                Some((i, _)) if i > 0 => return this.poll_send_more(cx, &bufs[..i]),
                Some((_, offset)) => {
                    match ready!(this.poll_sendfile(cx, &file, offset, bufs[0].len())) {
                        Ok(n) => {
                            this.metrics.record_sendfile(n);
                            if offset + n as u64 == file.size() as u64 {
                                // Sent: an idle keep-alive connection should not hold the file
                                // (and its snapshot's bytes) until its next request.
                                let mut slot =
                                    this.slot.lock().unwrap_or_else(PoisonError::into_inner);
                                if slot.as_ref().is_some_and(|f| Arc::ptr_eq(f, &file)) {
                                    *slot = None;
                                }
                            }
                            return Poll::Ready(Ok(n));
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "sendfile failed; writing from memory");
                            this.disabled = true;
                        }
                    }
                }
                None => {}
            }
        }
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
