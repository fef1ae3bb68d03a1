//! [`Warteschlange`]: a bounded number of places for expensive work (password hashing,
//! typesetting) with a bounded queue in front; a full queue is refused at once.
//!
//! Cancel-safe: a request dropped while it waits (the client closed the connection, the
//! request time limit ran out) leaves the queue, and the place is an owned permit that the
//! caller moves into the blocking work, so it is held until that work ends even when the
//! request is gone.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Places and a queue (per process).
pub struct Warteschlange {
    plaetze: Arc<Semaphore>,
    wartend: AtomicUsize,
    max_wartend: usize,
}

/// Why no place was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abgewiesen {
    /// The queue is full.
    Voll,
    /// No place became free in time.
    Zeit,
}

/// Counts a waiting request while it lives (also when its future is dropped).
struct Wartend<'a>(&'a AtomicUsize);

impl Drop for Wartend<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Warteschlange {
    /// `plaetze` at the same time, `max_wartend` waiting.
    pub fn new(plaetze: usize, max_wartend: usize) -> Warteschlange {
        Warteschlange {
            plaetze: Arc::new(Semaphore::new(plaetze)),
            wartend: AtomicUsize::new(0),
            max_wartend,
        }
    }

    /// A place, waiting at most `hoechstens`; keep the permit as long as the work runs.
    pub async fn platz(&self, hoechstens: Duration) -> Result<OwnedSemaphorePermit, Abgewiesen> {
        if self.wartend.fetch_add(1, Ordering::SeqCst) >= self.max_wartend {
            self.wartend.fetch_sub(1, Ordering::SeqCst);
            return Err(Abgewiesen::Voll);
        }
        let _wartend = Wartend(&self.wartend);
        match tokio::time::timeout(hoechstens, self.plaetze.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(Abgewiesen::Zeit),
        }
    }

    /// Requests waiting now.
    pub fn wartend(&self) -> usize {
        self.wartend.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waiting requests that are dropped leave the queue: before, each one abandoned while
    /// waiting stayed counted, and after `max_wartend` of them every request was refused.
    #[tokio::test]
    async fn abgebrochene_verlassen_die_schlange() {
        let s = Arc::new(Warteschlange::new(1, 2));
        let belegt = s.platz(Duration::from_secs(1)).await.unwrap();
        for _ in 0..10 {
            let s2 = s.clone();
            let h = tokio::spawn(async move { s2.platz(Duration::from_secs(60)).await });
            tokio::time::sleep(Duration::from_millis(5)).await;
            assert_eq!(s.wartend(), 1);
            h.abort();
            let _ = h.await;
            assert_eq!(s.wartend(), 0);
        }
        drop(belegt);
        assert!(s.platz(Duration::from_secs(1)).await.is_ok());
    }

    #[tokio::test]
    async fn volle_schlange_und_zeit() {
        let s = Arc::new(Warteschlange::new(1, 1));
        let _belegt = s.platz(Duration::from_secs(1)).await.unwrap();
        let s2 = s.clone();
        let h = tokio::spawn(async move { s2.platz(Duration::from_millis(200)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            s.platz(Duration::from_secs(1)).await.unwrap_err(),
            Abgewiesen::Voll
        );
        assert_eq!(h.await.unwrap().unwrap_err(), Abgewiesen::Zeit);
    }

    /// The permit moved into blocking work holds the place until that work ends, also when
    /// the request that started it is gone.
    #[tokio::test]
    async fn platz_bleibt_bei_der_arbeit() {
        let s = Arc::new(Warteschlange::new(1, 4));
        let p = s.platz(Duration::from_secs(1)).await.unwrap();
        let arbeit = tokio::task::spawn_blocking(move || {
            let _p = p;
            std::thread::sleep(Duration::from_millis(200));
        });
        assert_eq!(
            s.platz(Duration::from_millis(50)).await.unwrap_err(),
            Abgewiesen::Zeit
        );
        arbeit.await.unwrap();
        assert!(s.platz(Duration::from_millis(50)).await.is_ok());
    }
}
