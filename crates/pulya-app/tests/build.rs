//! `App::build`: every problem found at once, each named, and nothing left for request time.

use pulya_app::extract::{Path, State};
use pulya_app::middleware::from_fn;
use pulya_app::{App, BuildProblem, Next, ParamRule, Request};

#[test]
fn every_problem_is_reported_at_once_in_order() {
    let err = App::new()
        .constrain("id", ParamRule::u64())
        .get("/a/{id}", |State(_): State<u8>| async { "" })
        .get("/a/{name}", || async { "" })
        .get("/b/{id}", || async { "" })
        .constrain("nope", ParamRule::u64())
        .get("relative", || async { "" })
        .build()
        .unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 5, "{err}");
    assert_eq!(problems[0], BuildProblem::NoRouteYet("constrain"));
    assert!(matches!(&problems[1], BuildProblem::Unmet { route, .. } if route == "GET /a/{id}"));
    assert!(
        problems[2..]
            .iter()
            .all(|p| matches!(p, BuildProblem::Route(_))),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.starts_with("the app is misconfigured:"), "{text}");
    assert_eq!(text.lines().count(), 6, "one line per problem: {text}");
    assert!(text.contains("`nope`"), "{text}");
    assert!(text.contains("`relative`"), "{text}");
}

#[test]
fn a_registered_state_of_another_type_does_not_count() {
    let err = App::new()
        .state(1u32)
        .get("/", |State(_): State<u64>| async { "" })
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("`u64`"), "{err}");
    // The same handler with the right type builds.
    assert!(
        App::new()
            .state(1u64)
            .get("/", |State(_): State<u64>| async { "" })
            .build()
            .is_ok()
    );
}

#[test]
fn state_registered_after_the_route_counts() {
    let app = App::new()
        .get("/", |State(n): State<u8>| async move { n.to_string() })
        .state(3u8);
    assert!(app.build().is_ok());
}

#[test]
fn needs_in_groups_and_middleware_routes_are_checked_too() {
    let err = App::new()
        .group("/g", |g| {
            g.middleware(from_fn(|req: Request, next: Next| next.run(req)))
                .group("/h", |h| {
                    h.get(
                        "/{id}",
                        |Path(_): Path<u8>, State(_): State<String>| async { "" },
                    )
                })
        })
        .build()
        .unwrap_err();
    assert_eq!(err.problems().len(), 1);
    assert!(
        err.to_string().contains("`GET /g/h/{id}` needs app state"),
        "{err}"
    );
}

#[test]
fn a_second_fallback_replaces_the_first_and_its_needs() {
    let app = App::new()
        .fallback(|State(_): State<u8>| async { "" })
        .fallback(|| async { "plain" });
    assert!(
        app.build().is_ok(),
        "the first fallback's need went with it"
    );
}

#[test]
#[should_panic(expected = "the app is misconfigured")]
fn a_test_client_of_a_misconfigured_app_panics_with_the_problems() {
    let _ = App::new()
        .get("/", |State(_): State<u8>| async { "" })
        .test_client();
}

#[tokio::test]
async fn a_built_app_is_shared_by_clones() {
    let app = App::new().get("/", || async { "one" }).build().unwrap();
    let clone = app.clone();
    assert_eq!(app.test_client().get("/").send().await.text(), "one");
    assert_eq!(clone.test_client().get("/").send().await.text(), "one");
    assert!(format!("{app:?}").starts_with("AppService"));
}
