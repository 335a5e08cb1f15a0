//! Per-method matching, typed parameters, groups, merge, remove, trailing slashes, the cache.

use http::Method;
use pulya_routing::{
    Constraints, InsertError, MatchError, OnInvalid, ParamRule, Router, TrailingSlash,
};

fn value(r: &Router<&'static str>, method: Method, path: &str) -> Result<&'static str, MatchError> {
    r.at(&method, path).map(|m| *m.value)
}

#[test]
fn a_static_route_of_one_method_does_not_shadow_another_methods_param_route() {
    let mut r = Router::new();
    r.insert(Method::POST, "/users/new", "create form").unwrap();
    r.insert(Method::GET, "/users/{id}", "show").unwrap();
    assert_eq!(value(&r, Method::GET, "/users/new"), Ok("show"));
    assert_eq!(value(&r, Method::POST, "/users/new"), Ok("create form"));
    // Both routes serve `/users/new`: the 405 lists the methods of both.
    match r.at(&Method::PUT, "/users/new") {
        Err(MatchError::MethodNotAllowed(a)) => assert_eq!(a.header_value(), "POST, GET, HEAD"),
        other => panic!("{other:?}"),
    }
    match r.at(&Method::PUT, "/users/7") {
        Err(MatchError::MethodNotAllowed(a)) => assert_eq!(a.header_value(), "GET, HEAD"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rules_give_404_or_422_as_the_route_asks() {
    let mut r = Router::new();
    r.insert_with(
        Method::GET,
        "/users/{id}",
        "user",
        Constraints::new().param("id", ParamRule::u64().range(1..=1000)),
    )
    .unwrap();
    r.insert_with(
        Method::GET,
        "/orders/{id}",
        "order",
        Constraints::new()
            .param("id", ParamRule::uuid())
            .on_invalid(OnInvalid::Reject),
    )
    .unwrap();
    assert_eq!(value(&r, Method::GET, "/users/7"), Ok("user"));
    assert_eq!(
        value(&r, Method::GET, "/users/0"),
        Err(MatchError::NotFound)
    );
    assert_eq!(
        value(&r, Method::GET, "/users/abc"),
        Err(MatchError::NotFound)
    );
    assert_eq!(
        value(
            &r,
            Method::GET,
            "/orders/67e55044-10b1-426f-9247-bb680e5fe0c8"
        ),
        Ok("order")
    );
    assert_eq!(
        value(&r, Method::GET, "/orders/42"),
        Err(MatchError::InvalidParam {
            name: "id".into(),
            reason: "is not a UUID".into()
        })
    );
    let err = r
        .insert_with(
            Method::GET,
            "/x/{a}",
            "x",
            Constraints::new().param("b", ParamRule::u64()),
        )
        .unwrap_err();
    assert!(err.to_string().contains("`b`"), "{err}");
}

#[cfg(feature = "regex")]
#[test]
fn regex_rules_check_the_decoded_value() {
    let mut r = Router::new();
    let rule = ParamRule::string().regex("[a-z ]+").unwrap();
    r.insert_with(
        Method::GET,
        "/tags/{tag}",
        "tag",
        Constraints::new().param("tag", rule),
    )
    .unwrap();
    assert_eq!(value(&r, Method::GET, "/tags/rust%20lang"), Ok("tag"));
    assert_eq!(
        value(&r, Method::GET, "/tags/Rust"),
        Err(MatchError::NotFound)
    );
}

#[test]
fn groups_nest_and_share_rules() {
    let mut r = Router::new();
    {
        let mut api = r.group("/api/");
        api.insert(Method::GET, "/", "api root").unwrap();
        let mut users = api
            .group("/users/{id}")
            .rule("id", ParamRule::u64())
            .on_invalid(OnInvalid::Reject);
        users.insert(Method::GET, "/", "user").unwrap();
        users.insert(Method::GET, "/posts/{post}", "posts").unwrap();
        // The route's own rule wins for its parameter.
        users
            .insert_with(
                Method::GET,
                "/friends/{id2}",
                "friend",
                Constraints::new().param("id2", ParamRule::i64()),
            )
            .unwrap();
    }
    assert_eq!(value(&r, Method::GET, "/api"), Ok("api root"));
    assert_eq!(value(&r, Method::GET, "/api/users/1"), Ok("user"));
    assert_eq!(value(&r, Method::GET, "/api/users/1/posts/x"), Ok("posts"));
    assert!(matches!(
        value(&r, Method::GET, "/api/users/x/posts/y"),
        Err(MatchError::InvalidParam { .. })
    ));
    // The route's own constraints (on_invalid NotFound by default) apply where it has rules.
    assert_eq!(
        value(&r, Method::GET, "/api/users/1/friends/z"),
        Err(MatchError::NotFound)
    );
    let paths: Vec<&str> = r.routes().map(|route| route.path).collect();
    assert_eq!(
        paths,
        [
            "/api",
            "/api/users/{id}",
            "/api/users/{id}/posts/{post}",
            "/api/users/{id}/friends/{id2}"
        ]
    );
}

#[test]
fn merge_moves_routes_and_reports_conflicts() {
    let mut a = Router::new();
    a.insert(Method::GET, "/a", "a").unwrap();
    a.insert(Method::GET, "/x/{id}", "x").unwrap();
    let mut b = Router::new();
    b.insert(Method::GET, "/b/{n}", "b").unwrap();
    b.insert(Method::GET, "/a", "dup").unwrap();
    b.insert(Method::GET, "/x/{name}", "conflict").unwrap();
    let errors = a.merge(b).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert!(matches!(errors[0], InsertError::Duplicate { .. }));
    assert!(matches!(errors[1], InsertError::Conflict { .. }));
    assert_eq!(value(&a, Method::GET, "/b/1"), Ok("b"));
    assert_eq!(value(&a, Method::GET, "/a"), Ok("a"));
}

#[test]
fn remove_updates_methods_and_frees_the_path() {
    let mut r = Router::new();
    r.insert(Method::GET, "/items/{id}", "get").unwrap();
    r.insert(Method::DELETE, "/items/{id}", "delete").unwrap();
    assert_eq!(r.remove(&Method::GET, "/items/{id}"), Some("get"));
    assert_eq!(r.remove(&Method::GET, "/items/{id}"), None);
    match r.at(&Method::GET, "/items/1") {
        Err(MatchError::MethodNotAllowed(a)) => assert_eq!(a.header_value(), "DELETE"),
        other => panic!("{other:?}"),
    }
    assert_eq!(r.remove(&Method::DELETE, "/items/{id}"), Some("delete"));
    assert_eq!(
        value(&r, Method::DELETE, "/items/1"),
        Err(MatchError::NotFound)
    );
    assert!(r.is_empty());
    // The path is free again, even with another parameter name.
    r.insert(Method::GET, "/items/{name}", "again").unwrap();
    assert_eq!(value(&r, Method::GET, "/items/1"), Ok("again"));
}

#[test]
fn trailing_slash_policies() {
    let routes = |policy| {
        let mut r = Router::new();
        r.set_trailing_slash(policy);
        r.insert(Method::GET, "/users", "users").unwrap();
        r.insert(Method::GET, "/users/{id}/", "user").unwrap();
        r.insert(Method::GET, "/files/{*path}", "files").unwrap();
        r
    };
    let strict = routes(TrailingSlash::Strict);
    assert_eq!(
        value(&strict, Method::GET, "/users/"),
        Err(MatchError::NotFound)
    );
    assert_eq!(
        value(&strict, Method::GET, "/users/1"),
        Err(MatchError::NotFound)
    );

    let redirect = routes(TrailingSlash::Redirect);
    assert_eq!(value(&redirect, Method::GET, "/users"), Ok("users"));
    assert_eq!(
        value(&redirect, Method::GET, "/users/"),
        Err(MatchError::Redirect {
            location: "/users".into()
        })
    );
    assert_eq!(
        value(&redirect, Method::GET, "/users/1"),
        Err(MatchError::Redirect {
            location: "/users/1/".into()
        })
    );
    assert_eq!(value(&redirect, Method::GET, "/files/a/b/"), Ok("files"));

    let ignore = routes(TrailingSlash::Ignore);
    assert_eq!(value(&ignore, Method::GET, "/users/"), Ok("users"));
    let m = ignore.at(&Method::GET, "/users/9").unwrap();
    assert_eq!((*m.value, m.params.get("id")), ("user", Some("9")));

    // Set after the routes exist, and an explicit route replaces an alias.
    let mut late = routes(TrailingSlash::Strict);
    late.set_trailing_slash(TrailingSlash::Ignore);
    assert_eq!(value(&late, Method::GET, "/users/"), Ok("users"));
    late.insert(Method::GET, "/users/", "explicit").unwrap();
    assert_eq!(value(&late, Method::GET, "/users/"), Ok("explicit"));
    assert_eq!(late.routes().count(), 4);
}

#[test]
fn the_cache_is_invalidated_by_changes() {
    let mut r = Router::new();
    r.set_cache_capacity(16);
    assert_eq!(r.cache_capacity(), 16);
    r.insert(Method::GET, "/a/{x}", "first").unwrap();
    for _ in 0..3 {
        let m = r.at(&Method::GET, "/a/1").unwrap();
        assert_eq!((*m.value, m.params.get("x")), ("first", Some("1")));
    }
    r.remove(&Method::GET, "/a/{x}");
    assert_eq!(value(&r, Method::GET, "/a/1"), Err(MatchError::NotFound));
    r.insert(Method::GET, "/a/{y}", "second").unwrap();
    let m = r.at(&Method::GET, "/a/1").unwrap();
    assert_eq!((*m.value, m.params.get("y")), ("second", Some("1")));
    r.insert(Method::GET, "/a/1", "static").unwrap();
    assert_eq!(value(&r, Method::GET, "/a/1"), Ok("static"));
    r.set_cache_capacity(0);
    assert_eq!(r.cache_capacity(), 0);
    assert_eq!(value(&r, Method::GET, "/a/2"), Ok("second"));
}

#[test]
fn the_cache_keeps_methods_apart_and_serves_several_threads() {
    let mut r = Router::new();
    r.set_cache_capacity(64);
    r.insert(Method::GET, "/users/{id}", "show").unwrap();
    r.insert(Method::POST, "/users/new", "create").unwrap();
    for _ in 0..2 {
        assert_eq!(value(&r, Method::GET, "/users/new"), Ok("show"));
        assert_eq!(value(&r, Method::POST, "/users/new"), Ok("create"));
    }
    let r = std::sync::Arc::new(r);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let r = r.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    let path = format!("/users/{}", (i * 7 + t) % 50);
                    let m = r.at(&Method::GET, &path).unwrap();
                    assert_eq!(m.params.get("id"), Some(&path[7..]));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn decoded_params_and_routes_of_many_params() {
    let mut r = Router::new();
    r.insert(Method::GET, "/files/{name}", "file").unwrap();
    r.insert(Method::GET, "/{a}/{b}/{c}/{d}/{e}/{f}", "six")
        .unwrap();
    let m = r.at(&Method::GET, "/files/a%2Fb%20c").unwrap();
    assert_eq!(m.params.get("name"), Some("a%2Fb%20c"));
    assert_eq!(m.params.decoded("name").as_deref(), Some("a/b c"));
    let m = r.at(&Method::GET, "/1/2/3/4/5/6").unwrap();
    let got: Vec<_> = m.params.iter().collect();
    assert_eq!(
        got,
        [
            ("a", "1"),
            ("b", "2"),
            ("c", "3"),
            ("d", "4"),
            ("e", "5"),
            ("f", "6")
        ]
    );
}

#[test]
fn literal_braces_and_suffix_params() {
    let mut r = Router::new();
    r.insert(Method::GET, "/{{raw}}/{id}.json", "json").unwrap();
    let m = r.at(&Method::GET, "/{raw}/12.json").unwrap();
    assert_eq!((*m.value, m.params.get("id")), ("json", Some("12")));
}
