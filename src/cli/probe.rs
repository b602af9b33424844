//! `ecs-lens probe URL`: the container health check of the published image, which has no
//! shell and no curl (deploy/ecs-lens.taskdef.json). A plain HTTP/1.1 GET on loopback: exit 0
//! for a 2xx or 3xx answer within the timeout, 1 otherwise (with the reason on stderr).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct ProbeArgs {
    /// `http://HOST:PORT/PATH` (plain HTTP; this is for the server's own port).
    #[arg(default_value = "http://127.0.0.1:3000/")]
    pub url: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 3)]
    pub timeout: u64,
}

pub fn run(args: ProbeArgs) -> Result<ExitCode, String> {
    match probe(&args.url, Duration::from_secs(args.timeout.max(1))) {
        Ok(status) if (200..400).contains(&status) => Ok(ExitCode::SUCCESS),
        Ok(status) => {
            eprintln!("ecs-lens probe: {} answered HTTP {status}", args.url);
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("ecs-lens probe: {}: {e}", args.url);
            Ok(ExitCode::from(1))
        }
    }
}

/// The status code of `GET url`.
fn probe(url: &str, timeout: Duration) -> Result<u16, String> {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs can be probed")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = host
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} resolves to no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("cannot connect: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    // One write: a request that arrives in pieces can be answered (and the connection closed)
    // after the first piece.
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ecs-lens-probe\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| format!("cannot send the request: {e}"))?;
    // The status line is all we need: "HTTP/1.1 200 OK".
    let mut head = [0u8; 64];
    let mut n = 0;
    while n < head.len() {
        match stream.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(format!("no answer: {e}")),
        }
        if head[..n].windows(2).any(|w| w == b"\r\n") {
            break;
        }
    }
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .filter(|_| line.starts_with("HTTP/"))
        .ok_or_else(|| format!("not an HTTP answer: {:?}", line.lines().next().unwrap_or("")))
}
