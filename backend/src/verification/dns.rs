//! A small DNS client for TXT records (RFC 1035 wire format): one question over UDP to the
//! configured resolver, retried once, and again over TCP when the answer is truncated. The
//! resolver does the recursion; this only asks and reads the answer section.
//!
//! An answer counts only if it is for the question asked: its id, and its question section
//! echoing the name (compared case-insensitively) and type; a datagram that is not is ignored
//! like a stray one. Of its records, only TXT records owned by the name asked, or by a name
//! it is an alias of through CNAME records of the same answer, are taken.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const TYPE_CNAME: u16 = 5;
const TYPE_TXT: u16 = 16;
const CLASS_IN: u16 = 1;
/// CNAME records followed from the name asked (resolvers stop well before).
const MAX_ALIASES: usize = 8;
/// Compression pointers followed in one name (a loop would never end).
const MAX_POINTERS: usize = 16;
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
    #[error("the DNS answer is not for the question asked")]
    WrongAnswer,
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
                return query_tcp(server, &query, id, name).await;
            }
            match parse_txt_answer(answer, id, name) {
                // An answer to another question (spoofed, or a confused server): not ours.
                Err(DnsError::WrongAnswer) => continue,
                result => return result,
            }
        }
    }
    Err(DnsError::Timeout)
}

/// The same question over TCP (for answers too large for a datagram).
async fn query_tcp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    name: &str,
) -> Result<Vec<String>, DnsError> {
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
    parse_txt_answer(&answer, id, name)
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

/// A domain name as its labels, lowercased (DNS compares names case-insensitively).
type Name = Vec<Vec<u8>>;

fn name_of(name: &str) -> Name {
    name.trim_end_matches('.')
        .split('.')
        .map(|label| label.as_bytes().to_ascii_lowercase())
        .collect()
}

/// The TXT records of `name` in an answer to the query with `id` for it.
pub fn parse_txt_answer(msg: &[u8], id: u16, name: &str) -> Result<Vec<String>, DnsError> {
    let u16_at = |pos: usize| -> Result<u16, DnsError> {
        msg.get(pos..pos + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or(DnsError::Malformed)
    };
    if msg.len() < 12 || msg[2] & 0x80 == 0 {
        return Err(DnsError::Malformed);
    }
    if u16_at(0)? != id {
        return Err(DnsError::WrongAnswer);
    }
    let rcode = msg[3] & 0x0f;
    let questions = u16_at(4)?;
    if questions == 0 && rcode != 0 && rcode != 3 {
        // A server failure may come without the question; it says nothing about the name.
        return Err(DnsError::Server(rcode));
    }
    let asked = name_of(name);
    if questions != 1 {
        return Err(DnsError::WrongAnswer);
    }
    let (question, end) = read_name(msg, 12)?;
    if question != asked || u16_at(end)? != TYPE_TXT || u16_at(end + 2)? != CLASS_IN {
        return Err(DnsError::WrongAnswer);
    }
    match rcode {
        0 => {}
        3 => return Err(DnsError::NxDomain),
        code => return Err(DnsError::Server(code)),
    }
    let answers = u16_at(6)?;
    let mut pos = end + 4;
    let mut aliases: Vec<(Name, Name)> = Vec::new();
    let mut texts: Vec<(Name, String)> = Vec::new();
    for _ in 0..answers {
        let (owner, end) = read_name(msg, pos)?;
        let rtype = u16_at(end)?;
        let class = u16_at(end + 2)?;
        let len = u16_at(end + 8)? as usize;
        let start = end + 10;
        let rdata = msg.get(start..start + len).ok_or(DnsError::Malformed)?;
        pos = start + len;
        if class != CLASS_IN {
            continue;
        }
        match rtype {
            TYPE_CNAME => aliases.push((owner, read_name(msg, start)?.0)),
            TYPE_TXT => {
                // One or more <length><bytes> strings, joined (long values are split at 255
                // bytes).
                let mut text = Vec::new();
                let mut i = 0;
                while i < rdata.len() {
                    let n = rdata[i] as usize;
                    text.extend_from_slice(rdata.get(i + 1..i + 1 + n).ok_or(DnsError::Malformed)?);
                    i += 1 + n;
                }
                texts.push((owner, String::from_utf8_lossy(&text).into_owned()));
            }
            _ => {}
        }
    }
    // The name asked and what it is an alias of, as far as this answer tells.
    let mut owners = vec![asked];
    while owners.len() <= MAX_ALIASES {
        let Some(last) = owners.last() else { break };
        match aliases.iter().find(|(alias, _)| alias == last) {
            Some((_, target)) if !owners.contains(target) => owners.push(target.clone()),
            _ => break,
        }
    }
    Ok(texts
        .into_iter()
        .filter(|(owner, _)| owners.contains(owner))
        .map(|(_, text)| text)
        .collect())
}

/// The (possibly compressed) name at `pos`, and the position after it.
fn read_name(msg: &[u8], mut pos: usize) -> Result<(Name, usize), DnsError> {
    let mut labels = Vec::new();
    let mut length = 0;
    let mut end = None;
    let mut pointers = 0;
    loop {
        let len = *msg.get(pos).ok_or(DnsError::Malformed)?;
        match len {
            0 => return Ok((labels, end.unwrap_or(pos + 1))),
            l if l & 0xc0 == 0xc0 => {
                let low = *msg.get(pos + 1).ok_or(DnsError::Malformed)?;
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return Err(DnsError::Malformed);
                }
                end.get_or_insert(pos + 2);
                pos = (usize::from(l & 0x3f) << 8) | usize::from(low);
            }
            l if l & 0xc0 == 0 => {
                let label = msg
                    .get(pos + 1..pos + 1 + l as usize)
                    .ok_or(DnsError::Malformed)?;
                length += 1 + label.len();
                if length > 255 {
                    return Err(DnsError::Malformed);
                }
                labels.push(label.to_ascii_lowercase());
                pos += 1 + l as usize;
            }
            _ => return Err(DnsError::Malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crafted answer: the header, one question, then the records added.
    struct Reply {
        msg: Vec<u8>,
        records: u16,
    }

    fn wire(name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for label in name.trim_end_matches('.').split('.') {
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
        out.push(0);
        out
    }

    /// An answer with `id` whose question is `asked` of type `qtype`.
    fn reply(id: u16, asked: &str, qtype: u16, rcode: u8) -> Reply {
        let mut msg = id.to_be_bytes().to_vec();
        msg.extend_from_slice(&[0x81, 0x80 | rcode, 0, 1, 0, 0, 0, 0, 0, 0]);
        msg.extend_from_slice(&wire(asked));
        msg.extend_from_slice(&qtype.to_be_bytes());
        msg.extend_from_slice(&CLASS_IN.to_be_bytes());
        Reply { msg, records: 0 }
    }

    impl Reply {
        /// A record owned by `owner` (`None`: a pointer to the question's name).
        fn record(mut self, owner: Option<&str>, rtype: u16, rdata: &[u8]) -> Reply {
            match owner {
                Some(name) => self.msg.extend_from_slice(&wire(name)),
                None => self.msg.extend_from_slice(&[0xc0, 12]),
            }
            self.msg.extend_from_slice(&rtype.to_be_bytes());
            self.msg.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
            self.msg
                .extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            self.msg.extend_from_slice(rdata);
            self.records += 1;
            self
        }

        fn txt(self, owner: Option<&str>, strings: &[&str]) -> Reply {
            let rdata: Vec<u8> = strings
                .iter()
                .flat_map(|s| std::iter::once(s.len() as u8).chain(s.bytes()))
                .collect();
            self.record(owner, TYPE_TXT, &rdata)
        }

        fn cname(self, owner: &str, target: &str) -> Reply {
            self.record(Some(owner), TYPE_CNAME, &wire(target))
        }

        fn bytes(mut self) -> Vec<u8> {
            self.msg[6..8].copy_from_slice(&self.records.to_be_bytes());
            self.msg
        }
    }

    const NAME: &str = "_x.example.com";

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
        let msg = reply(7, NAME, TYPE_TXT, 0)
            .txt(None, &["v=spf1 -all"])
            .txt(Some(NAME), &["mercato-", "abc"])
            .bytes();
        assert_eq!(
            parse_txt_answer(&msg, 7, NAME).unwrap(),
            vec!["v=spf1 -all".to_string(), "mercato-abc".to_string()]
        );
        assert_eq!(
            parse_txt_answer(&reply(7, NAME, TYPE_TXT, 3).bytes(), 7, NAME),
            Err(DnsError::NxDomain)
        );
        assert_eq!(
            parse_txt_answer(&reply(7, NAME, TYPE_TXT, 2).bytes(), 7, NAME),
            Err(DnsError::Server(2))
        );
        let mut cut = msg.clone();
        cut.truncate(msg.len() - 2);
        assert_eq!(parse_txt_answer(&cut, 7, NAME), Err(DnsError::Malformed));
    }

    #[test]
    fn an_answer_to_another_question_is_refused() {
        let for_other_name = reply(7, "_x.attacker.example", TYPE_TXT, 0)
            .txt(None, &["mercato-abc"])
            .bytes();
        assert_eq!(
            parse_txt_answer(&for_other_name, 7, NAME),
            Err(DnsError::WrongAnswer)
        );
        let other_id = reply(8, NAME, TYPE_TXT, 0)
            .txt(None, &["mercato-abc"])
            .bytes();
        assert_eq!(
            parse_txt_answer(&other_id, 7, NAME),
            Err(DnsError::WrongAnswer)
        );
        let other_type = reply(7, NAME, 1, 0).txt(None, &["mercato-abc"]).bytes();
        assert_eq!(
            parse_txt_answer(&other_type, 7, NAME),
            Err(DnsError::WrongAnswer)
        );
        let nxdomain_of_another = reply(7, "_x.example.org", TYPE_TXT, 3).bytes();
        assert_eq!(
            parse_txt_answer(&nxdomain_of_another, 7, NAME),
            Err(DnsError::WrongAnswer),
            "an NXDOMAIN for another name says nothing about ours"
        );
        let mut no_question = reply(7, NAME, TYPE_TXT, 0).bytes();
        no_question[5] = 0;
        no_question.truncate(12);
        assert_eq!(
            parse_txt_answer(&no_question, 7, NAME),
            Err(DnsError::WrongAnswer)
        );
    }

    #[test]
    fn names_are_compared_without_regard_to_case() {
        let msg = reply(7, "_X.Example.COM", TYPE_TXT, 0)
            .txt(Some("_x.EXAMPLE.com"), &["mercato-abc"])
            .bytes();
        assert_eq!(
            parse_txt_answer(&msg, 7, "_x.example.com.").unwrap(),
            vec!["mercato-abc".to_string()]
        );
    }

    #[test]
    fn only_records_of_the_name_asked_are_taken() {
        let msg = reply(7, NAME, TYPE_TXT, 0)
            .txt(Some("_x.attacker.example"), &["mercato-forged"])
            .txt(Some("example.com"), &["mercato-parent"])
            .txt(None, &["mercato-abc"])
            .bytes();
        assert_eq!(
            parse_txt_answer(&msg, 7, NAME).unwrap(),
            vec!["mercato-abc".to_string()]
        );
    }

    #[test]
    fn cname_chains_in_the_answer_are_followed() {
        let msg = reply(7, NAME, TYPE_TXT, 0)
            .cname(NAME, "proofs.example.net")
            .cname("proofs.example.net", "_x.proofs.example.net")
            .txt(Some("_x.proofs.example.net"), &["mercato-abc"])
            .txt(Some("unrelated.example.net"), &["mercato-forged"])
            .bytes();
        assert_eq!(
            parse_txt_answer(&msg, 7, NAME).unwrap(),
            vec!["mercato-abc".to_string()]
        );
        // An alias of another name does not make that name's records ours.
        let msg = reply(7, NAME, TYPE_TXT, 0)
            .cname("other.example.com", NAME)
            .txt(Some("other.example.com"), &["mercato-forged"])
            .bytes();
        assert!(parse_txt_answer(&msg, 7, NAME).unwrap().is_empty());
        // A loop ends.
        let msg = reply(7, NAME, TYPE_TXT, 0)
            .cname(NAME, "a.example.com")
            .cname("a.example.com", NAME)
            .bytes();
        assert!(parse_txt_answer(&msg, 7, NAME).unwrap().is_empty());
    }

    #[test]
    fn a_compression_loop_is_malformed() {
        let mut msg = reply(7, NAME, TYPE_TXT, 0).bytes();
        let at = msg.len();
        msg.extend_from_slice(&[0xc0, at as u8, 0, 16, 0, 1, 0, 0, 0, 60, 0, 0]);
        msg[7] = 1;
        assert_eq!(parse_txt_answer(&msg, 7, NAME), Err(DnsError::Malformed));
    }

    /// A resolver that first sends a datagram with the right id answering another name (as a
    /// spoofer racing the real answer would), then the real answer: the first is ignored.
    #[tokio::test]
    async fn a_datagram_answering_another_name_is_ignored() {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        let responder = tokio::spawn(async move {
            let mut buf = [0u8; 512];
            let (_, from) = server.recv_from(&mut buf).await.unwrap();
            let id = u16::from_be_bytes([buf[0], buf[1]]);
            let forged = reply(id, "_x.attacker.example", TYPE_TXT, 0)
                .txt(None, &["mercato-forged"])
                .bytes();
            server.send_to(&forged, from).await.unwrap();
            let real = reply(id, NAME, TYPE_TXT, 0)
                .txt(None, &["mercato-abc"])
                .bytes();
            server.send_to(&real, from).await.unwrap();
        });
        assert_eq!(
            query_txt(addr, NAME).await.unwrap(),
            vec!["mercato-abc".to_string()]
        );
        responder.await.unwrap();
    }
}
