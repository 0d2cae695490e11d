//! One small data-parallel map over scoped threads, shared by parsing, rendering and writing.
//!
//! Scoped std threads rather than a thread-pool crate: the jobs are coarse (whole files), the
//! callers are synchronous, and a panic in a job is re-raised in the caller, never swallowed.

use std::thread;

/// The number of cores, for CPU-bound work.
pub fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// `f` over `jobs` on up to `threads` threads (none when fewer than `min_jobs` jobs); results in
/// the order of `jobs`.
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
    let chunk = jobs.len().div_ceil(threads);
    let f = &f;
    thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                // A panic in a job is a bug; surface it rather than lose its results silently.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
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
}
