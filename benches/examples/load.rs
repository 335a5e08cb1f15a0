//! A deterministic load client for the end-to-end measurement: `n` requests, one after the
//! other, on `connections` keep-alive HTTP/1.1 connections (round robin), each response read
//! whole (by its `Content-Length`) before the next request is sent.
//!
//! `load <addr> <path> <n> [connections]`; every answer must have the status in `LOAD_STATUS`
//! (default 200), so that a 404 path can be measured too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, path, n, rest @ ..] = &args[..] else {
        eprintln!("usage: load <addr> <path> <n> [connections]");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("n is a number");
    let connections: usize = rest.first().map_or(1, |c| c.parse().expect("a number"));
    let expected = format!(
        "HTTP/1.1 {}",
        std::env::var("LOAD_STATUS").unwrap_or_else(|_| "200".to_owned())
    );
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: pulya-load\r\nAccept: */*\r\n\r\n"
    );
    let mut conns: Vec<BufReader<TcpStream>> = (0..connections)
        .map(|_| {
            let stream = TcpStream::connect(addr).expect("the server listens");
            stream.set_nodelay(true).expect("nodelay");
            BufReader::new(stream)
        })
        .collect();
    let mut line = String::new();
    for i in 0..n {
        let conn = &mut conns[i % connections];
        conn.get_mut().write_all(request.as_bytes()).expect("write");
        let mut length = 0usize;
        let mut status = String::new();
        loop {
            line.clear();
            conn.read_line(&mut line).expect("read");
            if status.is_empty() {
                status = line.clone();
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().expect("a length");
            }
        }
        assert!(status.starts_with(&expected), "request {i}: {status}");
        let mut body = vec![0; length];
        conn.read_exact(&mut body).expect("body");
    }
}
