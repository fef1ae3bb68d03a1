//! Who is asking: the client address behind trusted reverse proxies.
//!
//! The TCP peer is the client unless it is one of the configured proxies. Then the proxies'
//! header — the one configured, `X-Forwarded-For` or `Forwarded: for=…` (RFC 7239) — says who
//! came before them,
//! each hop appending the address it saw; read from the right, the first address that is not a
//! trusted proxy is the client. Anything left of it was written by the client itself and is
//! never believed, so a client cannot choose the address it is throttled under.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// A network in CIDR notation (`10.0.0.0/8`, `::1/128`) or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Netz {
    basis: IpAddr,
    praefix: u8,
}

impl Netz {
    /// Whether `a` lies in this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn enthaelt(&self, a: IpAddr) -> bool {
        match (self.basis, normal(a)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                maske32(self.praefix) & (u32::from(n) ^ u32::from(a)) == 0
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                maske128(self.praefix) & (u128::from(n) ^ u128::from(a)) == 0
            }
            _ => false,
        }
    }
}

fn maske32(p: u8) -> u32 {
    if p == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(p))
    }
}

fn maske128(p: u8) -> u128 {
    if p == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(p))
    }
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) as IPv4.
fn normal(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    }
}

impl FromStr for Netz {
    type Err = String;

    fn from_str(s: &str) -> Result<Netz, String> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let basis: IpAddr = a
            .parse()
            .map_err(|_| format!("„{s}“ ist keine IP-Adresse und kein Netz (z. B. 10.0.0.0/8)"))?;
        let basis = normal(basis);
        let max = if basis.is_ipv4() { 32 } else { 128 };
        let praefix = match p {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("„{s}“: die Präfixlänge muss 0 bis {max} sein"))?,
        };
        Ok(Netz { basis, praefix })
    }
}

impl fmt::Display for Netz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.basis, self.praefix)
    }
}

/// A comma-separated list of networks (the `--trusted-proxy` option).
pub fn netze(s: &str) -> Result<Vec<Netz>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::parse)
        .collect()
}

/// One hop's address as the headers write it: `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `"[::1]"`.
fn hop(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(a) = s.parse::<IpAddr>() {
        return Some(normal(a));
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok().map(normal);
    }
    let (a, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    a.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The hops of `Forwarded` header values, left to right (`None` for one that is not an address,
/// such as `for=unknown` or an obfuscated name).
fn forwarded_hops(werte: &[&str]) -> Vec<Option<IpAddr>> {
    let mut v = Vec::new();
    for w in werte {
        for element in w.split(',') {
            let ip = element.split(';').find_map(|paar| {
                let (k, val) = paar.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| hop(val))
            });
            v.push(ip.flatten());
        }
    }
    v
}

fn xff_hops(werte: &[&str]) -> Vec<Option<IpAddr>> {
    werte.iter().flat_map(|w| w.split(',')).map(hop).collect()
}

/// The forwarding header the proxies write: one, chosen by configuration. A proxy appends to
/// the header it writes and passes any other through as the client sent it, so believing
/// whichever is present would let a client pick its own address with the other one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyKopf {
    /// `X-Forwarded-For` (nginx `$proxy_add_x_forwarded_for`, most proxies).
    #[default]
    XForwardedFor,
    /// `Forwarded` (RFC 7239).
    Forwarded,
}

impl ProxyKopf {
    /// The header's name, lower-case.
    pub fn name(self) -> &'static str {
        match self {
            ProxyKopf::XForwardedFor => "x-forwarded-for",
            ProxyKopf::Forwarded => "forwarded",
        }
    }
}

impl FromStr for ProxyKopf {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ProxyKopf::XForwardedFor),
            "forwarded" => Ok(ProxyKopf::Forwarded),
            _ => Err(format!(
                "„{s}“ ist keine Kopfzeile der Proxys: erlaubt sind x-forwarded-for, forwarded"
            )),
        }
    }
}

/// The client address: `peer` itself unless it is in `vertraut`; then, from the right, the
/// first hop of the proxies' header `kopf` (its values in `werte`) that is not trusted. A hop
/// that is not an address ends the walk at the last trusted one.
pub fn client_adresse(peer: IpAddr, kopf: ProxyKopf, werte: &[&str], vertraut: &[Netz]) -> IpAddr {
    let peer = normal(peer);
    let ist_vertraut = |a: IpAddr| vertraut.iter().any(|n| n.enthaelt(a));
    if !ist_vertraut(peer) {
        return peer;
    }
    let hops = match kopf {
        ProxyKopf::XForwardedFor => xff_hops(werte),
        ProxyKopf::Forwarded => forwarded_hops(werte),
    };
    let mut aktuell = peer;
    for h in hops.into_iter().rev() {
        match h {
            Some(a) if ist_vertraut(a) => aktuell = a,
            Some(a) => return a,
            None => return aktuell,
        }
    }
    aktuell
}

/// The key a client address is throttled under: an IPv4 address itself, an IPv6 address by
/// its /64 network — one connection (one household, one server) gets a whole /64, so counting
/// single IPv6 addresses would let it try 2^64 times. Text that is no address stays as it is.
pub fn drossel_schluessel(adresse: &str) -> String {
    match adresse.parse::<IpAddr>().map(normal) {
        Ok(IpAddr::V6(a)) => {
            let netz = std::net::Ipv6Addr::from(u128::from(a) & maske128(64));
            format!("{netz}/64")
        }
        Ok(a) => a.to_string(),
        Err(_) => adresse.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn drosselung_je_ipv6_netz() {
        assert_eq!(
            drossel_schluessel("2001:db8:1:2:aaaa::1"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            drossel_schluessel("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            drossel_schluessel("2001:db8:1:2::7")
        );
        assert_ne!(
            drossel_schluessel("2001:db8:1:2::1"),
            drossel_schluessel("2001:db8:1:3::1")
        );
        assert_eq!(drossel_schluessel("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(drossel_schluessel("192.0.2.7"), "192.0.2.7");
        assert_eq!(drossel_schluessel("lokal"), "lokal");
    }

    #[test]
    fn netze_lesen_und_pruefen() {
        let n: Netz = "10.0.0.0/8".parse().unwrap();
        assert!(n.enthaelt(ip("10.200.3.4")));
        assert!(!n.enthaelt(ip("11.0.0.1")));
        assert!(n.enthaelt(ip("::ffff:10.1.1.1")), "IPv4-mapped");
        let eins: Netz = "127.0.0.1".parse().unwrap();
        assert!(eins.enthaelt(ip("127.0.0.1")) && !eins.enthaelt(ip("127.0.0.2")));
        let v6: Netz = "fd00::/8".parse().unwrap();
        assert!(v6.enthaelt(ip("fd12::1")) && !v6.enthaelt(ip("fe80::1")));
        assert!(!v6.enthaelt(ip("10.0.0.1")));
        let alle: Netz = "0.0.0.0/0".parse().unwrap();
        assert!(alle.enthaelt(ip("8.8.8.8")));
        assert!(
            "10.0.0.0/33"
                .parse::<Netz>()
                .unwrap_err()
                .contains("Präfixlänge")
        );
        assert!(
            "proxy.example"
                .parse::<Netz>()
                .unwrap_err()
                .contains("keine IP-Adresse")
        );
        assert_eq!(netze(" 10.0.0.1, ::1 ,").unwrap().len(), 2);
        assert!(netze("").unwrap().is_empty());
    }

    #[test]
    fn ohne_vertrauten_proxy_zaehlt_der_peer() {
        // Headers of an untrusted peer are the client's own words.
        let x = ProxyKopf::XForwardedFor;
        let a = client_adresse(ip("203.0.113.9"), x, &["1.2.3.4"], &[]);
        assert_eq!(a, ip("203.0.113.9"));
        let p = netze("10.0.0.5").unwrap();
        let a = client_adresse(
            ip("203.0.113.9"),
            ProxyKopf::Forwarded,
            &["for=1.2.3.4"],
            &p,
        );
        assert_eq!(a, ip("203.0.113.9"));
        let a = client_adresse(ip("203.0.113.9"), x, &["1.2.3.4"], &p);
        assert_eq!(a, ip("203.0.113.9"));
    }

    #[test]
    fn hinter_vertrauten_proxies() {
        let p = netze("10.0.0.0/8").unwrap();
        // Client-written entries left of the real client are ignored.
        let (x, f) = (ProxyKopf::XForwardedFor, ProxyKopf::Forwarded);
        let a = client_adresse(
            ip("10.0.0.5"),
            x,
            &["6.6.6.6, 198.51.100.7", "10.0.0.9"],
            &p,
        );
        assert_eq!(a, ip("198.51.100.7"));
        // Forwarded, with ports and IPv6 brackets, when it is the configured header.
        let a = client_adresse(
            ip("10.0.0.5"),
            f,
            &["for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.9"],
            &p,
        );
        assert_eq!(a, ip("2001:db8::7"));
        let a = client_adresse(ip("10.0.0.5"), f, &["for=192.0.2.60:8080"], &p);
        assert_eq!(a, ip("192.0.2.60"));
        // An unknown hop stops at the last trusted address.
        let a = client_adresse(ip("10.0.0.5"), f, &["for=unknown, for=10.0.0.9"], &p);
        assert_eq!(a, ip("10.0.0.9"));
        // No header: the proxy itself.
        assert_eq!(client_adresse(ip("10.0.0.5"), x, &[], &p), ip("10.0.0.5"));
    }

    #[test]
    fn der_andere_kopf_zaehlt_nicht() {
        // nginx appends to X-Forwarded-For and passes the client's own `Forwarded` through:
        // before, a `Forwarded` header won whenever present, so a client chose its address.
        let p = netze("10.0.0.0/8").unwrap();
        let a = client_adresse(
            ip("10.0.0.5"),
            ProxyKopf::XForwardedFor,
            &["198.51.100.7"],
            &p,
        );
        assert_eq!(a, ip("198.51.100.7"));
        assert_eq!("Forwarded".parse::<ProxyKopf>(), Ok(ProxyKopf::Forwarded));
        assert!("via".parse::<ProxyKopf>().unwrap_err().contains("erlaubt"));
    }

    proptest! {
        /// Whatever a client writes into the headers, it cannot leave the trusted chain's
        /// view: the result is the peer, a header hop, or (never) something else.
        #[test]
        fn beliebige_header_kein_panik(xff in ".{0,80}", fwd in ".{0,80}", peer in any::<u32>()) {
            let p = netze("10.0.0.0/8").unwrap();
            let peer = IpAddr::V4(std::net::Ipv4Addr::from(peer));
            for (kopf, wert) in [(ProxyKopf::Forwarded, &fwd), (ProxyKopf::XForwardedFor, &xff)] {
                let a = client_adresse(peer, kopf, &[wert.as_str()], &p);
                if !p[0].enthaelt(peer) {
                    prop_assert_eq!(a, peer);
                }
            }
        }
    }
}
