//! Static files: served with their type, date and tag, in chunks; ranges, conditional
//! requests, precompressed siblings, the mount point's index; every way out of the root
//! refused.

use std::path::PathBuf;

use http::StatusCode;
use pulya_app::App;
use pulya_middleware::serve_dir::ServeDir;

/// A fresh directory tree: `root/` with files and symlinks, and `outside/` next to it.
fn tree(name: &str) -> PathBuf {
    let base = std::env::temp_dir().join(format!("pulya-serve-dir-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let root = base.join("root");
    std::fs::create_dir_all(root.join("css")).unwrap();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::create_dir_all(base.join("outside")).unwrap();
    std::fs::write(root.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(root.join("css/site main.css"), "body{}").unwrap();
    std::fs::write(root.join("docs/index.html"), "<h1>docs</h1>").unwrap();
    std::fs::write(root.join("data.bin"), [0u8, 1, 2]).unwrap();
    std::fs::write(root.join("big.txt"), "x".repeat(100)).unwrap();
    std::fs::write(base.join("outside/secret.txt"), "secret").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(base.join("outside/secret.txt"), root.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(base.join("outside"), root.join("dirlink")).unwrap();
        std::os::unix::fs::symlink(root.join("index.html"), root.join("inside-link.html")).unwrap();
    }
    root
}

fn app(root: &PathBuf) -> pulya_app::TestClient {
    let files = ServeDir::new(root).strip_prefix("/static").chunk_size(16);
    App::new()
        .route_endpoint(http::Method::GET, "/static", files.clone())
        .route_endpoint(http::Method::GET, "/static/{*path}", files)
        .test_client()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_served_with_type_and_date() {
    let root = tree("serve");
    let client = app(&root);

    let res = client.get("/static/css/site%20main.css").send().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text(), "body{}");
    assert_eq!(res.header("content-type"), Some("text/css; charset=utf-8"));
    let last_modified = res.header("last-modified").expect("a date").to_owned();
    assert!(httpdate::parse_http_date(&last_modified).is_ok());

    // Unchanged since the client's copy: 304 without a body.
    let res = client
        .get("/static/css/site%20main.css")
        .header("if-modified-since", &last_modified)
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.text(), "");

    // A directory serves its index, the mount point too; unknown types are octet streams; a
    // file larger than a chunk arrives whole; a missing one is 404 in Pulya's error shape.
    assert_eq!(
        client.get("/static/docs/").send().await.text(),
        "<h1>docs</h1>"
    );
    assert_eq!(client.get("/static").send().await.text(), "<h1>home</h1>");
    let res = client.get("/static/data.bin").send().await;
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    assert_eq!(
        client.get("/static/big.txt").send().await.text(),
        "x".repeat(100)
    );
    let res = client.get("/static/missing.css").send().await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<serde_json::Value>()["status"], 404);
    #[cfg(unix)]
    assert_eq!(
        client.get("/static/inside-link.html").send().await.text(),
        "<h1>home</h1>",
        "a symlink that stays inside the root is followed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_way_out_of_the_root_is_refused() {
    let root = tree("escape");
    let client = app(&root);
    let mut attempts = vec![
        "/static/../outside/secret.txt",
        "/static/css/../../outside/secret.txt",
        "/static/%2e%2e/outside/secret.txt",
        "/static/%2E%2E/outside/secret.txt",
        "/static/.%2e/outside/secret.txt",
        "/static/css%2f..%2f..%2foutside%2fsecret.txt",
        "/static/..%2foutside%2fsecret.txt",
        "/static/..%5coutside%5csecret.txt",
        "/static/css%5c..%5c..%5coutside%5csecret.txt",
        "/static/index.html%00.css",
        "/static/%ff%fe",
    ];
    #[cfg(unix)]
    attempts.extend(["/static/link.txt", "/static/dirlink/secret.txt"]);
    for path in attempts {
        let res = client.get(path).send().await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(!res.text().contains("secret"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_ranges_and_unsatisfiable_ones() {
    let root = tree("range");
    std::fs::write(root.join("digits.txt"), "0123456789").unwrap();
    let client = app(&root);
    let range = |spec: &'static str| client.get("/static/digits.txt").header("range", spec);

    let res = client.get("/static/digits.txt").send().await;
    assert_eq!(res.header("accept-ranges"), Some("bytes"));
    for (spec, body, content_range) in [
        ("bytes=0-3", "0123", "bytes 0-3/10"),
        ("bytes=7-", "789", "bytes 7-9/10"),
        ("bytes=-2", "89", "bytes 8-9/10"),
        ("bytes=5-100", "56789", "bytes 5-9/10"),
        ("bytes=-50", "0123456789", "bytes 0-9/10"),
    ] {
        let res = range(spec).send().await;
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT, "{spec}");
        assert_eq!(res.text(), body, "{spec}");
        assert_eq!(res.header("content-range"), Some(content_range), "{spec}");
    }
    for spec in ["bytes=10-", "bytes=20-30", "bytes=-0"] {
        let res = range(spec).send().await;
        assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{spec}");
        assert_eq!(res.header("content-range"), Some("bytes */10"), "{spec}");
        assert_eq!(res.json::<serde_json::Value>()["status"], 416);
    }
    // Several ranges, another unit or a malformed value: the whole file, as RFC 9110 allows.
    for spec in [
        "bytes=0-1,4-5",
        "items=0-1",
        "bytes=a-b",
        "bytes=5-2",
        "bytes",
    ] {
        let res = range(spec).send().await;
        assert_eq!(res.status(), StatusCode::OK, "{spec}");
        assert_eq!(res.text(), "0123456789", "{spec}");
    }
    // HEAD of a range: the headers and the length, no body.
    let res = client
        .head("/static/digits.txt")
        .header("range", "bytes=2-4")
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.header("content-length"), Some("3"));
    assert!(res.bytes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etags_and_if_none_match() {
    let root = tree("etag");
    let client = app(&root);
    let res = client.get("/static/index.html").send().await;
    let etag = res.header("etag").expect("an etag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    for tags in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_owned(),
    ] {
        let res = client
            .get("/static/index.html")
            .header("if-none-match", tags.as_str())
            .send()
            .await;
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{tags}");
        assert_eq!(res.header("etag"), Some(etag.as_str()));
    }
    // A stale tag wins over a matching date: If-None-Match is asked first.
    let last_modified = res.header("last-modified").unwrap().to_owned();
    let res = client
        .get("/static/index.html")
        .header("if-none-match", "\"stale\"")
        .header("if-modified-since", last_modified.as_str())
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text(), "<h1>home</h1>");
    // A changed file has another tag.
    std::fs::write(root.join("index.html"), "<h1>new home</h1>").unwrap();
    let res = client.get("/static/index.html").send().await;
    assert_ne!(res.header("etag"), Some(etag.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precompressed_siblings_by_accept_encoding() {
    let root = tree("precompressed");
    std::fs::write(root.join("app.js"), "plain").unwrap();
    std::fs::write(root.join("app.js.br"), "brotli bytes").unwrap();
    std::fs::write(root.join("app.js.gz"), "gzip bytes").unwrap();
    let client = app(&root);
    let with = |accept: &'static str| {
        client
            .get("/static/app.js")
            .header("accept-encoding", accept)
    };
    for (accept, body, encoding) in [
        ("gzip, deflate, br", "brotli bytes", Some("br")),
        ("gzip", "gzip bytes", Some("gzip")),
        ("br;q=0, gzip", "gzip bytes", Some("gzip")),
        ("*", "brotli bytes", Some("br")),
        ("*;q=0", "plain", None),
        ("identity", "plain", None),
        ("gzip;q=foo", "plain", None),
    ] {
        let res = with(accept).send().await;
        assert_eq!(res.status(), StatusCode::OK, "{accept}");
        assert_eq!(res.text(), body, "{accept}");
        assert_eq!(res.header("content-encoding"), encoding, "{accept}");
        assert_eq!(res.header("vary"), Some("accept-encoding"), "{accept}");
        let content_type = res.header("content-type").unwrap();
        assert!(
            content_type.contains("javascript"),
            "{accept}: {content_type}"
        );
    }
    let plain = client.get("/static/app.js").send().await;
    assert_eq!(plain.text(), "plain");
    assert_ne!(
        plain.header("etag"),
        with("br").send().await.header("etag"),
        "each representation has its own tag"
    );
    // The sibling itself is also a file of the tree.
    let res = client.get("/static/app.js.gz").send().await;
    assert_eq!(res.text(), "gzip bytes");
}
