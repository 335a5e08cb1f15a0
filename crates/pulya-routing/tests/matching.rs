//! Table tests for precedence, methods, HEAD, 405 and conflicts.

use http::Method;
use pulya_routing::{InsertError, MatchError, Router};

fn router(routes: &[(Method, &str)]) -> Router<String> {
    let mut r = Router::new();
    for (m, p) in routes {
        r.insert(m.clone(), p, format!("{m} {p}")).unwrap();
    }
    r
}

#[test]
fn static_beats_param_and_param_beats_catch_all() {
    let r = router(&[
        (Method::GET, "/users/new"),
        (Method::GET, "/users/{id}"),
        (Method::GET, "/{*rest}"),
    ]);
    assert_eq!(
        r.at(&Method::GET, "/users/new").unwrap().value,
        "GET /users/new"
    );
    let m = r.at(&Method::GET, "/users/7").unwrap();
    assert_eq!(m.value, "GET /users/{id}");
    assert_eq!(m.params.get("id"), Some("7"));
    let m = r.at(&Method::GET, "/a/b/c").unwrap();
    assert_eq!(m.params.get("rest"), Some("a/b/c"));
}

#[test]
fn prefix_and_suffix_params() {
    let r = router(&[
        (Method::GET, "/img/{name}.png"),
        (Method::GET, "/v{version}/x"),
    ]);
    assert_eq!(
        r.at(&Method::GET, "/img/cat.png")
            .unwrap()
            .params
            .get("name"),
        Some("cat")
    );
    assert_eq!(
        r.at(&Method::GET, "/v2/x").unwrap().params.get("version"),
        Some("2")
    );
    assert!(matches!(
        r.at(&Method::GET, "/img/cat.jpg"),
        Err(MatchError::NotFound)
    ));
}

#[test]
fn params_iterate_in_path_order() {
    let r = router(&[(Method::GET, "/{a}/{b}/{c}")]);
    let m = r.at(&Method::GET, "/1/2/3").unwrap();
    let got: Vec<_> = m.params.iter().collect();
    assert_eq!(got, [("a", "1"), ("b", "2"), ("c", "3")]);
}

#[test]
fn encoded_slash_stays_in_its_segment() {
    let r = router(&[(Method::GET, "/files/{name}")]);
    let m = r.at(&Method::GET, "/files/a%2Fb").unwrap();
    assert_eq!(m.params.get("name"), Some("a%2Fb"));
}

#[test]
fn wrong_method_is_405_with_exact_allow_set() {
    let r = router(&[
        (Method::GET, "/items"),
        (Method::POST, "/items"),
        (Method::DELETE, "/items/{id}"),
    ]);
    match r.at(&Method::PUT, "/items") {
        Err(MatchError::MethodNotAllowed(a)) => {
            assert_eq!(a.header_value(), "GET, HEAD, POST");
            assert_eq!(a.methods(), [Method::GET, Method::HEAD, Method::POST]);
        }
        other => panic!("{other:?}"),
    }
    match r.at(&Method::GET, "/items/1") {
        Err(MatchError::MethodNotAllowed(a)) => assert_eq!(a.header_value(), "DELETE"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        r.at(&Method::GET, "/other"),
        Err(MatchError::NotFound)
    ));
}

#[test]
fn head_falls_back_to_get_unless_registered() {
    let mut r = router(&[(Method::GET, "/a"), (Method::GET, "/b")]);
    r.insert(Method::HEAD, "/b", "HEAD /b".to_owned()).unwrap();
    assert_eq!(r.at(&Method::HEAD, "/a").unwrap().value, "GET /a");
    assert_eq!(r.at(&Method::HEAD, "/b").unwrap().value, "HEAD /b");
}

#[test]
fn duplicate_and_conflict_are_errors_naming_routes() {
    let mut r = router(&[(Method::GET, "/users/{id}")]);
    let err = r
        .insert(Method::GET, "/users/{id}", String::new())
        .unwrap_err();
    assert!(matches!(err, InsertError::Duplicate { .. }));
    assert_eq!(
        err.to_string(),
        "route `GET /users/{id}` is already registered"
    );

    let err = r
        .insert(Method::POST, "/users/{name}", String::new())
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("/users/{name}") && msg.contains("/users/{id}"),
        "{msg}"
    );

    let err = r.insert(Method::GET, "users", String::new()).unwrap_err();
    assert!(matches!(err, InsertError::InvalidPath { .. }), "{err}");
    let err = r.insert(Method::GET, "/a/{b", String::new()).unwrap_err();
    assert!(matches!(err, InsertError::InvalidPath { .. }), "{err}");
    // The failed inserts left the router as it was.
    assert_eq!(r.len(), 1);
}

#[test]
fn routes_lists_paths_with_methods() {
    let r = router(&[
        (Method::GET, "/a"),
        (Method::POST, "/a"),
        (Method::PUT, "/b/{x}"),
    ]);
    let listed: Vec<_> = r.routes().map(|x| (x.path, x.methods.to_vec())).collect();
    assert_eq!(
        listed,
        [
            ("/a", vec![Method::GET, Method::HEAD, Method::POST]),
            ("/b/{x}", vec![Method::PUT])
        ]
    );
}

#[test]
fn empty_segments_are_literal() {
    let r = router(&[(Method::GET, "/a/{b}")]);
    assert!(matches!(
        r.at(&Method::GET, "/a/"),
        Err(MatchError::NotFound)
    ));
    assert!(matches!(
        r.at(&Method::GET, "//a/x"),
        Err(MatchError::NotFound)
    ));
}

/// `/{p0}/{p1}/…` with `count` parameters, then `tail`.
fn many_params(count: usize, tail: &str) -> String {
    let mut route: String = (0..count).map(|i| format!("/{{p{i}}}")).collect();
    route.push_str(tail);
    route
}

// Found by the `router` fuzz target (2026-12-07): a route with 26 parameters made the trie
// underneath (matchit names parameters `a` to `z`) panic inside `insert`.
#[test]
fn more_than_25_parameters_is_an_error_not_a_panic() {
    let mut r = Router::new();
    let err = r.insert(Method::GET, &many_params(26, ""), 0).unwrap_err();
    assert!(matches!(err, InsertError::InvalidPath { .. }), "{err}");
    assert!(err.to_string().contains("at most 25 parameters"), "{err}");
    // Through a group, with rules, and on a path already known to the router: the same error.
    let err = r
        .group("/api")
        .insert(Method::POST, &many_params(30, "/{*rest}"), 1)
        .unwrap_err();
    assert!(err.to_string().contains("this one has 30"), "{err}");
    assert!(r.is_empty());

    // 25 and a catch-all fit, and match.
    let route = many_params(25, "/{*rest}");
    r.insert(Method::GET, &route, 2).unwrap();
    let path: String = (0..25).map(|i| format!("/{i}")).collect::<String>() + "/x/y";
    let found = r.at(&Method::GET, &path).unwrap();
    assert_eq!(*found.value, 2);
    assert_eq!(found.params.get("p24"), Some("24"));
    assert_eq!(found.params.get("rest"), Some("x/y"));
    // Escaped braces are not parameters.
    let literal = many_params(25, "/{{p25}}");
    r.insert(Method::GET, &literal, 3).unwrap();
}

// Found by the `router` fuzz target (2026-12-07): matchit's conflicts depend on what else a
// trie holds, so a method's trie refused a path that the all-methods trie had taken. The path
// stayed in the router with no method, and a lookup of it answered 405 with no allowed method.
#[test]
fn an_insert_refused_by_its_methods_trie_leaves_nothing_behind() {
    let mut r = Router::new();
    r.insert(Method::PUT, "/", 0).unwrap();
    // Refused by the all-methods trie already.
    let long = "/PP}}}}{\0$}}}}}}}}}}}}}}}{\0$}}}}}}}}}}}}}}}}}}}}}}}}}/";
    assert!(r.insert(Method::POST, long, 1).is_err());
    r.insert(Method::POST, "/SP}}}}{\0$}?", 2).unwrap();
    let before: Vec<String> = r.routes().map(|route| route.path.to_owned()).collect();

    let refused = "/PP}}}}{\0$}}}}}}}/#\u{1}\0#\u{15}\0\0\0\0\0\0\0{\0\u{11}}}}}}}}}}}}}}}}}}/";
    let err = r.insert(Method::POST, refused, 3).unwrap_err();
    assert!(err.to_string().contains("method's trie"), "{err}");
    let after: Vec<String> = r.routes().map(|route| route.path.to_owned()).collect();
    assert_eq!(before, after, "the failed insert changed the router");
    let path = "/PP}}/#\u{1}\0#\u{15}\0\0\0\0\0\0\0x/";
    match r.at(&Method::POST, path) {
        Err(MatchError::MethodNotAllowed(allowed)) => {
            assert!(!allowed.methods().is_empty(), "a 405 without methods")
        }
        Err(MatchError::NotFound) => {}
        other => panic!("{:?}", other.map(|m| *m.value)),
    }
}
