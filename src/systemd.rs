//! systemd integration: readiness notifications (`sd_notify`), the watchdog and socket
//! activation.
//!
//! Everything here is a silent no-op when feedpub is not started by systemd: with
//! `NOTIFY_SOCKET` unset no message is sent, with `WATCHDOG_USEC` unset no watchdog task runs,
//! and without `LISTEN_PID`/`LISTEN_FDS` naming this process [`inherited_listeners`] returns
//! `None` and the daemon binds `server.listen` itself.
//!
//! The environment is left as it is (sd-notify's `*_and_unset_env` variants are not used):
//! feedpub starts no child processes, and unsetting variables once threads run is unsound.
//!
//! What is sent when (the daemon calls these at the matching points of its loop):
//! * [`status`] after every published rebuild: `STATUS=serving N articles, last rebuild X ms`.
//! * [`ready`] once the first build is published (so `/healthz` already answers 200) and the
//!   socket listens, and again at the end of each SIGHUP reload.
//! * [`reloading`] at the start of a SIGHUP reload: `RELOADING=1` with `MONOTONIC_USEC=`.
//! * [`stopping`] when shutdown begins.
//! * [`spawn_watchdog`]: `WATCHDOG=1` at half the interval systemd asks for, from a task on the
//!   runtime, so a stalled runtime stops the pings and systemd restarts the service.
//!
//! It deliberately knows nothing about the engine or the server: callers pass plain numbers.

use std::io;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

use sd_notify::NotifyState;

/// Send `states` to the service manager; failures are logged, never returned (a lost status
/// line must not take the daemon down).
fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = notify(states) {
        tracing::warn!("cannot notify systemd ({}): {e}", describe(states));
    }
}

/// `sd_notify::notify`, plus what sd_notify(3) specifies and that crate does not do: a
/// `NOTIFY_SOCKET` starting with `@` names a socket in the abstract namespace.
fn notify(states: &[NotifyState<'_>]) -> io::Result<()> {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return Ok(());
    };
    let sock = UnixDatagram::unbound()?;
    match path.as_bytes().strip_prefix(b"@") {
        Some(name) => sock.connect_addr(&SocketAddr::from_abstract_name(name)?)?,
        None => sock.connect(&path)?,
    }
    let msg: String = states.iter().map(|s| format!("{s}\n")).collect();
    if sock.send(msg.as_bytes())? != msg.len() {
        return Err(io::Error::new(io::ErrorKind::WriteZero, "incomplete write"));
    }
    Ok(())
}

fn describe(states: &[NotifyState<'_>]) -> String {
    states
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `READY=1`: start-up (or a reload) is complete and requests are being served.
pub fn ready() {
    send(&[NotifyState::Ready]);
}

/// `STATUS=serving N articles, last rebuild X ms`, shown by `systemctl status`.
pub fn status(articles: usize, took: Duration) {
    send(&[NotifyState::Status(&status_line(articles, took))]);
}

/// `STATUS=` with `text`: what an operator should know from `systemctl status`, until the next
/// rebuild's [`status`].
pub fn status_text(text: &str) {
    send(&[NotifyState::Status(text)]);
}

/// The text of [`status`].
pub fn status_line(articles: usize, took: Duration) -> String {
    let noun = if articles == 1 { "article" } else { "articles" };
    format!(
        "serving {articles} {noun}, last rebuild {} ms",
        took.as_millis()
    )
}

/// `RELOADING=1` and `MONOTONIC_USEC=` (systemd 253+ requires both in one message); the reload
/// ends with [`ready`].
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(e) => {
            tracing::warn!("cannot read the monotonic clock: {e}");
            send(&[NotifyState::Reloading]);
        }
    }
}

/// `STOPPING=1`: shutdown has begun.
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("shutting down")]);
}

/// When systemd asked for watchdog pings (`WATCHDOG_USEC`, and `WATCHDOG_PID` naming this
/// process if set), spawn a task on the current runtime sending `WATCHDOG=1` every half
/// interval. Must be called from inside the tokio runtime.
pub fn spawn_watchdog() -> Option<tokio::task::JoinHandle<()>> {
    let timeout = sd_notify::watchdog_enabled().filter(|d| !d.is_zero())?;
    let every = timeout / 2;
    tracing::debug!(
        ?timeout,
        "systemd watchdog enabled, pinging every {every:?}"
    );
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = notify(&[NotifyState::Watchdog]) {
                tracing::debug!("cannot send WATCHDOG=1: {e}");
            }
        }
    }))
}

/// The listening sockets passed by systemd (socket activation): empty unless `LISTEN_PID` is
/// this process and `LISTEN_FDS` >= 1. Every one is served (a socket unit with an IPv4 and an
/// IPv6 `ListenStream=` passes two); one that cannot be (a Unix or datagram socket beside
/// them) is skipped with a warning, and it is an error only when none can. Each is made
/// non-blocking, ready for `tokio::net::TcpListener::from_std`.
pub fn inherited_listeners() -> io::Result<Vec<TcpListener>> {
    let fds = sd_notify::listen_fds()
        .map_err(|e| io::Error::new(e.kind(), format!("bad LISTEN_FDS/LISTEN_PID: {e}")))?;
    let (usable, unusable): (Vec<_>, Vec<_>) = fds.map(inherited_listener).partition(Result::is_ok);
    let usable: Vec<TcpListener> = usable.into_iter().flatten().collect();
    let mut unusable = unusable.into_iter().filter_map(Result::err);
    if usable.is_empty() {
        return unusable.next().map_or(Ok(usable), Err);
    }
    for e in unusable {
        tracing::warn!("{e}; serving the other sockets systemd passed");
    }
    Ok(usable)
}

/// One fd systemd passed, as a listener if it is a listening TCP socket.
fn inherited_listener(fd: RawFd) -> io::Result<TcpListener> {
    let listener = tcp_listener_from_fd(fd);
    // getsockname(): fails for an fd that is not an IPv4/IPv6 socket (a file, a Unix socket).
    if let Err(e) = listener.local_addr() {
        return Err(io::Error::new(
            e.kind(),
            format!("fd {fd} passed by systemd is not a TCP socket: {e}"),
        ));
    }
    // A datagram socket (`ListenDatagram=`) or one not listening has an address too, but every
    // accept() would fail: refuse it at start-up rather than log accept errors forever.
    if !is_listening(&listener)? {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("fd {fd} passed by systemd is not a listening TCP socket (use ListenStream=)"),
        ));
    }
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Whether `listener` is a stream socket in the listening state (`SO_ACCEPTCONN`).
fn is_listening(listener: &TcpListener) -> io::Result<bool> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the fd is owned by `listener` and open for the duration of the call; `value` and
    // `len` are valid for writes and `len` holds the size of `value`.
    let rc = unsafe {
        libc::getsockopt(
            listener.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ACCEPTCONN,
            (&raw mut value).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(value != 0)
}

/// Take ownership of an inherited fd as a listener.
fn tcp_listener_from_fd(fd: RawFd) -> TcpListener {
    // SAFETY: `fd` comes from `sd_notify::listen_fds`, i.e. from the range systemd passed to this
    // very process (LISTEN_PID checked), which nothing else in feedpub opens, reads or closes;
    // it is called at most once per fd, so the returned listener is its only owner. Whether the
    // fd really is a TCP socket is checked by the caller before it is used.
    unsafe { TcpListener::from_raw_fd(fd) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_reads_naturally() {
        assert_eq!(
            status_line(12, Duration::from_micros(3_400)),
            "serving 12 articles, last rebuild 3 ms"
        );
        assert_eq!(
            status_line(1, Duration::from_millis(250)),
            "serving 1 article, last rebuild 250 ms"
        );
        assert_eq!(
            status_line(0, Duration::ZERO),
            "serving 0 articles, last rebuild 0 ms"
        );
    }

    #[test]
    fn without_systemd_environment_nothing_is_inherited() {
        // Cargo's test runner is not socket-activated: LISTEN_PID, if set at all, is not ours.
        if std::env::var("LISTEN_PID").ok() == Some(std::process::id().to_string()) {
            return;
        }
        assert!(inherited_listeners().is_ok_and(|l| l.is_empty()));
    }
}
