//! Serving HTTP: the accept loop with the limits a public server needs.
//!
//! - A client must send its request head within [`Zeitgrenzen::kopf`] (slow-header attacks
//!   hold no connection longer); between two pieces of a body at most
//!   [`Zeitgrenzen::koerper`]; a whole request at most [`Zeitgrenzen::anfrage`] (then 408).
//! - On the stop signal (SIGTERM, Ctrl-C) no new connection is accepted, requests in flight
//!   finish (at most [`Zeitgrenzen::auslaufen`]), idle keep-alive connections are closed.
//! - Every request carries the TCP peer address (`ConnectInfo`), for throttling and the log.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// The time limits of the server.
#[derive(Debug, Clone, Copy)]
pub struct Zeitgrenzen {
    /// For the request head (line and headers).
    pub kopf: Duration,
    /// Between two pieces of a request body.
    pub koerper: Duration,
    /// For a whole request, body and answer included.
    pub anfrage: Duration,
    /// For requests in flight after the stop signal.
    pub auslaufen: Duration,
}

impl Default for Zeitgrenzen {
    fn default() -> Self {
        Zeitgrenzen {
            kopf: Duration::from_secs(10),
            koerper: Duration::from_secs(20),
            anfrage: Duration::from_secs(120),
            auslaufen: Duration::from_secs(30),
        }
    }
}

/// Serves `app` on `listener` until `stopp` completes, then drains.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    grenzen: Zeitgrenzen,
    stopp: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = app
        .layer(RequestBodyTimeoutLayer::new(grenzen.koerper))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            grenzen.anfrage,
        ));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(grenzen.kopf)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(stopp);
    loop {
        let (sock, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    tracing::warn!("Verbindung nicht angenommen: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stopp => break,
        };
        let _ = sock.set_nodelay(true);
        let svc = app
            .clone()
            .map_request(move |r: axum::http::Request<hyper::body::Incoming>| {
                let mut r = r.map(axum::body::Body::new);
                r.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                r
            });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(sock), TowerToHyperService::new(svc))
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("Verbindung von {peer} beendet: {e}");
            }
        });
    }
    drop(listener);
    tracing::info!("Beende: keine neuen Verbindungen, laufende Anfragen werden abgeschlossen");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("Alle Anfragen abgeschlossen"),
        () = tokio::time::sleep(grenzen.auslaufen) => {
            tracing::warn!("Nach {:?} noch offene Verbindungen: beendet", grenzen.auslaufen);
        }
    }
    Ok(())
}

/// The stop signal of `ozg serve`: SIGTERM (systemd, containers) or Ctrl-C.
pub async fn stoppsignal() {
    let strg_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = strg_c => {},
        () = term => {},
    }
}
