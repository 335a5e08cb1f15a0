//! Parses a raw header block, reads a few headers, and hands them to `http::HeaderMap`.
//!
//! Run with `cargo run -p pulya-headers --example convert`.

use bytes::Bytes;
use pulya_headers::HeaderMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let raw =
        Bytes::from_static(b"Host: localhost:3000\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n");
    let headers = HeaderMap::parse(raw)?;
    println!(
        "host = {:?}, user-agent = {:?}",
        headers.host(),
        headers.user_agent()
    );
    let standard: http::HeaderMap = headers.into();
    println!("as http::HeaderMap: {standard:?}");
    match HeaderMap::parse(Bytes::from_static(b"Bad Name: x\r\n")) {
        Ok(_) => println!("unexpected"),
        Err(err) => println!("refused: {err}"),
    }
    Ok(())
}
