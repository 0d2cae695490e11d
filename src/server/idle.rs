//! [`IdleIo`]: an IO wrapper that fails a connection on which no byte has moved for too long.
//!
//! hyper's `header_read_timeout` covers a client that is slow to *send* a request head (and, as
//! of hyper 1.4+, the wait for the next request on a keep-alive connection, since hyper restarts
//! that timer as soon as a response is done). Nothing in hyper covers a client that stops
//! *reading* its response: the write would wait forever and hold a connection slot. This
//! wrapper closes that gap for both directions.
//!
//! Cheap on the hot path: a successful read or write only sets a flag. The timer is looked at
//! only when the socket would block; when it fires after activity it is re-armed, so a
//! connection is failed after between one and two idle periods without progress.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

#[derive(Debug)]
pub struct IdleIo<T> {
    io: T,
    timeout: Duration,
    /// Fires one idle period after it was last armed.
    deadline: Pin<Box<Sleep>>,
    /// Whether any byte moved (or EOF was seen) since the deadline was armed.
    active: bool,
    /// The waker `deadline` was last polled with: while it is the current one and the deadline
    /// has not passed, there is no need to poll the deadline again on every `Pending`.
    registered: Option<Waker>,
}

impl<T> IdleIo<T> {
    pub fn new(io: T, timeout: Duration) -> Self {
        IdleIo {
            io,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            active: false,
            registered: None,
        }
    }

    /// Called when the inner IO would block: `Pending`, or an error once idle too long.
    fn poll_idle<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        // The deadline wakes the waker it was last polled with; reading its state is much
        // cheaper than polling it again, and this runs once per request.
        if let Some(waker) = &self.registered {
            if waker.will_wake(cx.waker()) && !self.deadline.is_elapsed() {
                return Poll::Pending;
            }
        }
        self.registered = Some(cx.waker().clone());
        while self.deadline.as_mut().poll(cx).is_ready() {
            if !self.active {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection idle for too long",
                )));
            }
            self.active = false;
            let next = Instant::now() + self.timeout;
            self.deadline.as_mut().reset(next);
        }
        Poll::Pending
    }

    fn progress<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match poll {
            Poll::Pending => self.poll_idle(cx),
            ready => {
                self.active = true;
                ready
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_read(cx, buf);
        this.progress(cx, poll)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_write(cx, buf);
        this.progress(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.progress(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // A flush moves no byte of its own (a TCP stream's is always ready, and hyper flushes
        // an empty buffer on every wake-up), so it is never progress, or an idle connection
        // would look busy each time the idle timer woke it.
        match Pin::new(&mut this.io).poll_flush(cx) {
            Poll::Pending => this.poll_idle(cx),
            ready => ready,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn stalled_reader_times_out() {
        let (a, _b) = tokio::io::duplex(16);
        let mut io = IdleIo::new(a, Duration::from_millis(200));
        let start = Instant::now();
        let err = io
            .write_all(&[0; 64])
            .await
            .expect_err("the peer never reads");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(200) && waited <= Duration::from_secs(5),
            "{waited:?}"
        );
    }

    #[tokio::test]
    async fn steady_trickle_is_not_idle() {
        let (a, mut b) = tokio::io::duplex(16);
        let mut io = IdleIo::new(a, Duration::from_millis(300));
        let reader = tokio::spawn(async move {
            let mut buf = [0; 4];
            let mut total = 0;
            while total < 64 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                total += b.read(&mut buf).await.expect("read");
            }
            b
        });
        io.write_all(&[0; 64])
            .await
            .expect("a slow but steady reader is fine");
        let _peer = reader.await.expect("reader");
        // Then silence: reading times out.
        let err = io.read(&mut [0; 4]).await.expect_err("idle");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
