//! The client's address, for throttling and the security log: the TCP peer, or behind
//! configured reverse proxies the address they forwarded (`ozg_domain::netz`).

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::kern::zustand::AppState;

/// The client's address as text (`"lokal"` when the request did not come over TCP, as in
/// tests that call the router directly).
pub fn client(parts: &Parts, st: &AppState) -> String {
    let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
        return "lokal".into();
    };
    hinter_proxies(peer.ip(), &parts.headers, st).to_string()
}

fn hinter_proxies(peer: std::net::IpAddr, h: &HeaderMap, st: &AppState) -> std::net::IpAddr {
    if st.proxies.is_empty() {
        return peer;
    }
    // Bytes, not `to_str`: a line with one non-ASCII byte still holds the proxy's hop.
    let werte: Vec<String> = h
        .get_all(st.proxy_kopf.name())
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let werte: Vec<&str> = werte.iter().map(String::as_str).collect();
    ozg_domain::netz::client_adresse(peer, st.proxy_kopf, &werte, &st.proxies)
}
