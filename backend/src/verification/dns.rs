//! A small DNS client for TXT records (RFC 1035 wire format): one question over UDP to the
//! configured resolver, retried once, and again over TCP when the answer is truncated. The
//! resolver does the recursion; this only asks and reads the answer section.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const TYPE_TXT: u16 = 16;
const CLASS_IN: u16 = 1;
const TRY_TIMEOUT: Duration = Duration::from_secs(2);
const TRIES: usize = 2;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DnsError {
    #[error("{0} is not a valid domain name")]
    BadName(String),
    #[error("the name does not exist (NXDOMAIN)")]
    NxDomain,
    #[error("the DNS server answered with error code {0}")]
    Server(u8),
    #[error("the DNS server did not answer in time")]
    Timeout,
    #[error("the DNS answer is malformed")]
    Malformed,
    #[error("talking to the DNS server failed: {0}")]
    Io(String),
}

impl From<std::io::Error> for DnsError {
    fn from(e: std::io::Error) -> Self {
        DnsError::Io(e.to_string())
    }
}

/// The first `nameserver` of `/etc/resolv.conf`, on port 53.
pub fn system_resolver() -> Option<SocketAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    text.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        if words.next()? != "nameserver" {
            return None;
        }
        // An IPv6 address may carry a zone (`fe80::1%eth0`), which SocketAddr cannot hold.
        let addr = words.next()?.split('%').next()?;
        Some(SocketAddr::new(addr.parse().ok()?, 53))
    })
}

/// The TXT records of `name` (each record's strings joined), as `server` answers.
pub async fn query_txt(server: SocketAddr, name: &str) -> Result<Vec<String>, DnsError> {
    let id: u16 = rand::random();
    let query = encode_query(id, name, TYPE_TXT)?;
    let bind: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(bind).await?;
    socket.connect(server).await?;
    let mut buf = vec![0u8; 4096];
    for _ in 0..TRIES {
        socket.send(&query).await?;
        let deadline = tokio::time::Instant::now() + TRY_TIMEOUT;
        loop {
            let n = match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Err(_) => break,
                Ok(received) => received?,
            };
            let answer = &buf[..n];
            // Stray or spoofed datagrams (another id, not a response) are ignored.
            if n < 12 || u16::from_be_bytes([answer[0], answer[1]]) != id || answer[2] & 0x80 == 0 {
                continue;
            }
            if answer[2] & 0x02 != 0 {
                return query_tcp(server, &query, id).await;
            }
            return parse_txt_answer(answer, id);
        }
    }
    Err(DnsError::Timeout)
}

/// The same question over TCP (for answers too large for a datagram).
async fn query_tcp(server: SocketAddr, query: &[u8], id: u16) -> Result<Vec<String>, DnsError> {
    let exchange = async {
        let mut stream = TcpStream::connect(server).await?;
        let mut framed = Vec::with_capacity(query.len() + 2);
        framed.extend_from_slice(&(query.len() as u16).to_be_bytes());
        framed.extend_from_slice(query);
        stream.write_all(&framed).await?;
        let len = stream.read_u16().await? as usize;
        let mut answer = vec![0u8; len];
        stream.read_exact(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = tokio::time::timeout(TRY_TIMEOUT * 2, exchange)
        .await
        .map_err(|_| DnsError::Timeout)??;
    parse_txt_answer(&answer, id)
}

/// A query message: header (recursion desired), one question.
pub fn encode_query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, DnsError> {
    let bad = || DnsError::BadName(name.to_string());
    let name = name.trim_end_matches('.');
    if name.is_empty() || name.len() > 253 {
        return Err(bad());
    }
    let mut msg = Vec::with_capacity(18 + name.len());
    msg.extend_from_slice(&id.to_be_bytes());
    msg.extend_from_slice(&[0x01, 0x00]); // RD
    msg.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QD=1, AN=NS=AR=0
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(bad());
        }
        msg.push(label.len() as u8);
        msg.extend_from_slice(label.as_bytes());
    }
    msg.push(0);
    msg.extend_from_slice(&qtype.to_be_bytes());
    msg.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(msg)
}

/// The TXT records of an answer to the query with `id`.
pub fn parse_txt_answer(msg: &[u8], id: u16) -> Result<Vec<String>, DnsError> {
    let u16_at = |pos: usize| -> Result<u16, DnsError> {
        msg.get(pos..pos + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or(DnsError::Malformed)
    };
    if msg.len() < 12 || u16_at(0)? != id || msg[2] & 0x80 == 0 {
        return Err(DnsError::Malformed);
    }
    match msg[3] & 0x0f {
        0 => {}
        3 => return Err(DnsError::NxDomain),
        code => return Err(DnsError::Server(code)),
    }
    let questions = u16_at(4)?;
    let answers = u16_at(6)?;
    let mut pos = 12;
    for _ in 0..questions {
        pos = skip_name(msg, pos)? + 4;
    }
    let mut records = Vec::new();
    for _ in 0..answers {
        pos = skip_name(msg, pos)?;
        let rtype = u16_at(pos)?;
        let class = u16_at(pos + 2)?;
        let len = u16_at(pos + 8)? as usize;
        let start = pos + 10;
        let rdata = msg.get(start..start + len).ok_or(DnsError::Malformed)?;
        pos = start + len;
        if rtype != TYPE_TXT || class != CLASS_IN {
            continue;
        }
        // One or more <length><bytes> strings, joined (long values are split at 255 bytes).
        let mut text = Vec::new();
        let mut i = 0;
        while i < rdata.len() {
            let n = rdata[i] as usize;
            text.extend_from_slice(rdata.get(i + 1..i + 1 + n).ok_or(DnsError::Malformed)?);
            i += 1 + n;
        }
        records.push(String::from_utf8_lossy(&text).into_owned());
    }
    Ok(records)
}

/// The position after the (possibly compressed) name at `pos`.
fn skip_name(msg: &[u8], mut pos: usize) -> Result<usize, DnsError> {
    loop {
        let len = *msg.get(pos).ok_or(DnsError::Malformed)?;
        match len {
            0 => return Ok(pos + 1),
            l if l & 0xc0 == 0xc0 => return Ok(pos + 2),
            l if l & 0xc0 == 0 => pos += 1 + l as usize,
            _ => return Err(DnsError::Malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer to `query` with `records` as TXT answers (the name compressed to the question).
    fn answer(query: &[u8], rcode: u8, records: &[&[&str]]) -> Vec<u8> {
        let mut msg = query.to_vec();
        msg[2] = 0x81;
        msg[3] = 0x80 | rcode;
        msg[6..8].copy_from_slice(&(records.len() as u16).to_be_bytes());
        for strings in records {
            let rdata: Vec<u8> = strings
                .iter()
                .flat_map(|s| std::iter::once(s.len() as u8).chain(s.bytes()))
                .collect();
            msg.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60]);
            msg.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            msg.extend_from_slice(&rdata);
        }
        msg
    }

    #[test]
    fn a_query_is_one_question_in_wire_format() {
        let q = encode_query(0x1234, "_x.example.com.", TYPE_TXT).unwrap();
        assert_eq!(&q[..4], &[0x12, 0x34, 0x01, 0x00]);
        assert_eq!(&q[12..], b"\x02_x\x07example\x03com\x00\x00\x10\x00\x01");
        assert!(encode_query(1, "a..b", TYPE_TXT).is_err());
        assert!(encode_query(1, &"a".repeat(64), TYPE_TXT).is_err());
    }

    #[test]
    fn txt_answers_are_read_and_split_strings_joined() {
        let q = encode_query(7, "_x.example.com", TYPE_TXT).unwrap();
        let msg = answer(&q, 0, &[&["v=spf1 -all"], &["mercato-", "abc"]]);
        assert_eq!(
            parse_txt_answer(&msg, 7).unwrap(),
            vec!["v=spf1 -all".to_string(), "mercato-abc".to_string()]
        );
        assert_eq!(
            parse_txt_answer(&answer(&q, 3, &[]), 7),
            Err(DnsError::NxDomain)
        );
        assert_eq!(
            parse_txt_answer(&answer(&q, 2, &[]), 7),
            Err(DnsError::Server(2))
        );
        assert_eq!(parse_txt_answer(&msg, 8), Err(DnsError::Malformed));
        let mut cut = msg.clone();
        cut.truncate(msg.len() - 2);
        assert_eq!(parse_txt_answer(&cut, 7), Err(DnsError::Malformed));
    }
}
