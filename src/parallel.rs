//! One small data-parallel map over scoped threads, shared by parsing, rendering and writing.
//!
//! Scoped std threads rather than a thread-pool crate: the jobs are coarse (whole files), the
//! callers are synchronous, and a panic in a job is re-raised in the caller, never swallowed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// The number of cores, for CPU-bound work.
pub fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// `f` over `jobs` on up to `threads` threads (none when fewer than `min_jobs` jobs); results in
/// the order of `jobs`.
///
/// Each thread takes the next job not yet taken, rather than a fixed share: jobs differ a lot
/// in cost (a tag feed of 50 full articles against one small page, a 6 KB Markdown file
/// against a 1 KB text file), and a fixed share left one thread working alone at the end.
pub fn map<T: Sync, R: Send>(
    jobs: &[T],
    threads: usize,
    min_jobs: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.min(jobs.len());
    if threads <= 1 || jobs.len() < min_jobs {
        return jobs.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let (f, next) = (&f, &next);
    let done: Vec<Vec<(usize, R)>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut results = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        results.push((i, f(job)));
                    }
                    results
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(results) => results,
                // A panic in a job is a bug; surface it rather than lose its results silently.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(jobs.len()).collect();
    for (i, r) in done.into_iter().flatten() {
        slots[i] = Some(r);
    }
    // Every index below `jobs.len()` was taken by exactly one thread, which either stored its
    // result or panicked (re-raised above).
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_jobs() {
        let jobs: Vec<u32> = (0..1000).collect();
        for threads in [1, 2, 7] {
            let got = super::map(&jobs, threads, 10, |j| j * 2);
            assert_eq!(got, jobs.iter().map(|j| j * 2).collect::<Vec<_>>());
        }
        assert!(super::map(&[] as &[u32], 4, 0, |j| *j).is_empty());
    }

    #[test]
    fn a_slow_job_does_not_hold_up_the_jobs_after_it() {
        // Job 0 waits for every other job to finish. With fixed shares its thread also owned
        // jobs 1-15, which could then never run: the wait would time out.
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::{Duration, Instant};
        let jobs: Vec<usize> = (0..64).collect();
        let finished = AtomicUsize::new(0);
        let got = super::map(&jobs, 4, 1, |&j| {
            if j == 0 {
                let deadline = Instant::now() + Duration::from_secs(20);
                while finished.load(Ordering::SeqCst) < jobs.len() - 1 && Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
                return finished.load(Ordering::SeqCst);
            }
            finished.fetch_add(1, Ordering::SeqCst);
            j
        });
        assert_eq!(
            got[0], 63,
            "the other threads ran every other job meanwhile"
        );
        assert_eq!(&got[1..], &jobs[1..]);
    }
}
