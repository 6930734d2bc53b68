//! Requests to addresses users give us (webhook endpoints) must not reach the machine itself
//! or the private network around it. The HTTP client for them resolves names itself and
//! refuses any answer with a non-public address, so the address checked is the address
//! connected to (a second DNS answer cannot swap in a private one); literal addresses are
//! checked before sending, and redirects are not followed. Servers configured to allow
//! private addresses (tests, on-premise receivers) skip the check.

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

/// A DNS resolver for the HTTP client that refuses names resolving to non-public addresses,
/// so the check and the connection use the same answer.
struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| OutboundError::Unresolvable(host.clone()))?
                .collect();
            check(&host, &addrs, false)?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The longest a request to a user-given URL may take.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The client for requests to user-given URLs: no redirects (a public URL must not bounce
/// the request inward), bounded time, and unless private addresses are allowed, names
/// resolved only to public addresses. Literal addresses skip DNS: check them with
/// [`check_literal`] first.
pub fn client(allow_private: bool, user_agent: &str) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(64)
        .user_agent(user_agent);
    if !allow_private {
        builder = builder.dns_resolver(std::sync::Arc::new(PublicOnlyResolver));
    }
    builder.build().expect("an HTTP client without custom TLS")
}

/// Refuses a URL whose host is a literal non-public address (names are checked as they
/// resolve, by [`client`]).
pub fn check_literal(url: &str, allow_private: bool) -> Result<(), OutboundError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| OutboundError::NoHost)?;
    let host = parsed.host_str().ok_or(OutboundError::NoHost)?;
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return if allow_private {
            Ok(())
        } else {
            Err(OutboundError::NotPublic {
                host: host.to_string(),
                addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
            })
        };
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<IpAddr>() {
        Ok(ip) => check(host, &[SocketAddr::new(ip, 0)], allow_private),
        Err(_) => Ok(()),
    }
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

    #[test]
    fn literal_hosts_are_checked_before_sending() {
        assert!(check_literal("http://127.0.0.1:9/x", false).is_err());
        assert!(check_literal("http://[fd00::1]/x", false).is_err());
        assert!(check_literal("http://localhost:8080/x", false).is_err());
        assert!(check_literal("http://api.localhost/x", false).is_err());
        assert!(check_literal("https://hooks.example.com/x", false).is_ok());
        assert!(check_literal("https://93.184.216.34/x", false).is_ok());
        assert!(check_literal("http://127.0.0.1:9/x", true).is_ok());
    }

    #[tokio::test]
    async fn the_guarded_client_refuses_names_of_private_addresses() {
        let client = client(false, "test");
        let err = client
            .post("http://localhost:9/hook")
            .send()
            .await
            .expect_err("localhost resolves to loopback");
        let text = format!("{err:?}");
        assert!(text.contains("NotPublic"), "{text}");
    }
}
