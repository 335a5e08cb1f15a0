//! Builds a request's headers, reads a few, and hands them to `http::HeaderMap`.
//!
//! Run with `cargo run -p pulya-headers --example convert`.

use http::header::{ACCEPT, HOST, USER_AGENT};
use pulya_headers::HeaderMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut headers = HeaderMap::with_capacity(8);
    headers.append(HOST, "localhost:3000".parse()?);
    headers.append(USER_AGENT, "curl/8".parse()?);
    headers.append(ACCEPT, "*/*".parse()?);
    println!("host = {:?}", headers.get(HOST));
    let standard: http::HeaderMap = headers.into();
    println!("as http::HeaderMap: {standard:?}");
    Ok(())
}
