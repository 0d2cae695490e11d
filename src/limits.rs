//! Process limits a server needs: the open-file limit.
//!
//! Each client connection is a file descriptor. Many systems (and systemd's default
//! `LimitNOFILE=1024:524288`) start processes with a soft limit of 1024, far below what a feed
//! server polled by thousands of readers needs; the soft limit is meant to be raised by programs
//! that need more, up to the hard limit (as nginx's `worker_rlimit_nofile` and Go's runtime do).

/// Raise the soft open-file limit to the hard limit. Returns the limit now in force.
pub fn raise_nofile() -> std::io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read/write the struct we pass, which lives on our stack.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            lim = raised;
        }
    }
    Ok(lim.rlim_cur)
}

/// Hand memory freed by a shrinking site back to the kernel. glibc keeps freed blocks in its
/// per-thread arenas, so after thousands of articles are deleted the daemon's RSS would stay at
/// its peak; `malloc_trim` releases what is free. A no-op on other C libraries.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_soft_limit_reaches_the_hard_limit() -> std::io::Result<()> {
        let now = super::raise_nofile()?;
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
        assert_eq!(lim.rlim_cur, lim.rlim_max);
        assert_eq!(now, lim.rlim_cur);
        Ok(())
    }
}
