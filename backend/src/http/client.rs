//! Who the client is. Behind a load balancer every connection comes from the balancer, so the
//! client's address is what the proxies forwarded — but only a trusted proxy's word counts:
//! `Forwarded` and `X-Forwarded-For` are believed from peers in `MERCATO_TRUSTED_PROXIES` and
//! ignored from anyone else (who could write anything there). Rate limits, the audit log and
//! the lead and vote limits all take the address from here.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header::{HeaderMap, FORWARDED};

use crate::config::TrustedProxies;

/// The client's address: the peer's, unless the peer is a trusted proxy; then the address
/// proxies recorded, read from the right (each proxy appends what it saw), skipping trusted
/// proxies — the first one that is not trusted is the client. A malformed entry stops the walk
/// at the last address a trusted proxy vouched for.
pub fn client_addr(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer?.ip();
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_chain(headers).into_iter().rev() {
        let Some(addr) = hop else {
            break;
        };
        client = addr;
        if !trusted.contains(addr) {
            break;
        }
    }
    Some(client)
}

/// The forwarded addresses in order (client first): from `Forwarded` (RFC 7239) when present,
/// else from `X-Forwarded-For`. `None` for an entry that is not an address (`unknown`, junk).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all(FORWARDED)
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| parse_node(value))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(parse_node)
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:80`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    s.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        h
    }

    fn trusted(nets: &[&str]) -> TrustedProxies {
        TrustedProxies(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40000))
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.9"),
            ("forwarded", "for=198.51.100.10"),
        ]);
        let t = trusted(&["10.0.0.0/8"]);
        assert_eq!(client_addr(peer("203.0.113.5"), &h, &t), ip("203.0.113.5"));
        assert_eq!(
            client_addr(peer("203.0.113.5"), &h, &TrustedProxies::default()),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let t = trusted(&["10.0.0.0/8"]);
        // The client spoofed an address; the balancer appended the real one.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.9, 10.0.0.2")]);
        assert_eq!(client_addr(peer("10.0.0.1"), &h, &t), ip("198.51.100.9"));
        // Two header lines read as one list.
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "198.51.100.9"),
        ]);
        assert_eq!(client_addr(peer("10.0.0.1"), &h, &t), ip("198.51.100.9"));
        // No header: the proxy itself.
        assert_eq!(
            client_addr(peer("10.0.0.1"), &HeaderMap::new(), &t),
            ip("10.0.0.1")
        );
        // Junk next to the proxy is not believed, nor what is left of it.
        let h = headers(&[("x-forwarded-for", "198.51.100.9, garbage")]);
        assert_eq!(client_addr(peer("10.0.0.1"), &h, &t), ip("10.0.0.1"));
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_is_parsed_with_ports_and_brackets() {
        let t = trusted(&["10.0.0.0/8", "::1/128"]);
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.77"),
            (
                "forwarded",
                r#"for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.3:80"#,
            ),
        ]);
        assert_eq!(client_addr(peer("::1"), &h, &t), ip("2001:db8:cafe::17"));
        let h = headers(&[("forwarded", "For=198.51.100.3;by=10.0.0.1")]);
        assert_eq!(client_addr(peer("10.0.0.1"), &h, &t), ip("198.51.100.3"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_addr(peer("10.0.0.1"), &h, &t), ip("10.0.0.1"));
    }
}
