//! Static files: served with their type and date, and every way out of the root refused.

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
    App::new()
        .route_endpoint(
            http::Method::GET,
            "/static/{*path}",
            ServeDir::new(root)
                .strip_prefix("/static")
                .max_file_bytes(50),
        )
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

    // A directory serves its index; unknown types are octet streams; too big is 404.
    assert_eq!(
        client.get("/static/docs/").send().await.text(),
        "<h1>docs</h1>"
    );
    let res = client.get("/static/data.bin").send().await;
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    assert_eq!(
        client.get("/static/big.txt").send().await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get("/static/missing.css").send().await.status(),
        StatusCode::NOT_FOUND
    );
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
