//! Requests to addresses users give us (webhook endpoints) must not reach the machine itself
//! or the private network around it. A URL's host is resolved here, every address checked,
//! and the request is then pinned to those checked addresses (so a second DNS answer cannot
//! swap in a private one). Servers configured to allow private addresses (tests, on-premise
//! receivers) skip the check.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OutboundError {
    #[error("the URL has no host")]
    NoHost,
    #[error("{0} could not be resolved")]
    Unresolvable(String),
    #[error("{host} resolves to {addr}, which is not a public address")]
    NotPublic { host: String, addr: IpAddr },
}

/// Whether `ip` is a public unicast address (not loopback, private, link-local, shared,
/// documentation, benchmarking, multicast, reserved or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // unique local fc00::/7
                || (s[0] & 0xfe00) == 0xfc00
                // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfe80
                // documentation 2001:db8::/32
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                // NAT64 64:ff96::/96 may reach IPv4 private space
                || (s[0] == 0x0064 && s[1] == 0xff9b))
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        // shared address space 100.64.0.0/10 (carrier-grade NAT)
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments 192.0.0.0/24
        || (a == 192 && b == 0 && c == 0)
        // benchmarking 198.18.0.0/15
        || (a == 198 && (b == 18 || b == 19))
        // reserved 240.0.0.0/4
        || a >= 240)
}

/// Checks resolved addresses of `host`: all must be public unless private ones are allowed.
pub fn check(host: &str, addrs: &[SocketAddr], allow_private: bool) -> Result<(), OutboundError> {
    if addrs.is_empty() {
        return Err(OutboundError::Unresolvable(host.to_string()));
    }
    if allow_private {
        return Ok(());
    }
    match addrs.iter().find(|a| !is_public(a.ip())) {
        Some(bad) => Err(OutboundError::NotPublic {
            host: host.to_string(),
            addr: bad.ip(),
        }),
        None => Ok(()),
    }
}

/// Resolves the URL's host and checks every address; returns them to pin the request to.
pub async fn resolve(url: &str, allow_private: bool) -> Result<Vec<SocketAddr>, OutboundError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| OutboundError::NoHost)?;
    let host = parsed.host_str().ok_or(OutboundError::NoHost)?.to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    // Literal addresses, bracketed IPv6 included, need no lookup.
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match literal.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| OutboundError::Unresolvable(host.clone()))?
            .collect(),
    };
    check(&host, &addrs, allow_private)?;
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "192.0.2.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(ip(s)), "{s}");
        }
        for s in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(s)), "{s}");
        }
    }

    #[test]
    fn one_private_answer_is_enough_to_refuse() {
        let addrs = [
            SocketAddr::new(ip("93.184.216.34"), 443),
            SocketAddr::new(ip("10.0.0.5"), 443),
        ];
        assert_eq!(
            check("mixed.example", &addrs, false),
            Err(OutboundError::NotPublic {
                host: "mixed.example".into(),
                addr: ip("10.0.0.5")
            })
        );
        assert_eq!(check("mixed.example", &addrs, true), Ok(()));
        assert!(matches!(
            check("none.example", &[], true),
            Err(OutboundError::Unresolvable(_))
        ));
    }

    #[tokio::test]
    async fn literal_addresses_are_checked_without_a_lookup() {
        assert!(matches!(
            resolve("http://127.0.0.1:9000/hook", false).await,
            Err(OutboundError::NotPublic { .. })
        ));
        assert!(matches!(
            resolve("https://[::1]/hook", false).await,
            Err(OutboundError::NotPublic { .. })
        ));
        assert_eq!(
            resolve("http://127.0.0.1:9000/hook", true).await.unwrap(),
            vec![SocketAddr::new(ip("127.0.0.1"), 9000)]
        );
        assert_eq!(
            resolve("https://93.184.216.34/hook", false).await.unwrap(),
            vec![SocketAddr::new(ip("93.184.216.34"), 443)]
        );
        assert_eq!(
            resolve("not a url", false).await,
            Err(OutboundError::NoHost)
        );
    }
}
