//! What `ContainerBuilder::build` refuses: missing registrations, cycles, scoped services under
//! singletons, eager non-singletons; each problem names its chain.

use std::convert::Infallible;
use std::sync::Arc;

use pulya_di::{Container, Problem, Service};

struct Config;
struct Db;
struct Repo;
struct Tx;
struct Handlerish;

fn ok<T>(value: T) -> std::future::Ready<Result<T, Infallible>> {
    std::future::ready(Ok(value))
}

#[test]
fn a_missing_dependency_is_named_with_its_dependent() {
    let err = Container::builder()
        .provide(Service::singleton(|_: Arc<Db>| ok(Repo)))
        .build()
        .unwrap_err();
    assert_eq!(
        err.problems(),
        [Problem::Missing {
            chain: vec!["Repo", "Db"]
        }]
    );
    assert_eq!(
        err.to_string(),
        "the container cannot be built\n- `Db` is not registered: Repo -> Db"
    );
}

#[test]
fn a_cycle_is_named_round_to_its_start() {
    let err = Container::builder()
        .provide(Service::singleton(|_: Arc<Db>| ok(Repo)))
        .provide(Service::singleton(|_: Arc<Config>| ok(Db)))
        .provide(Service::singleton(|_: Arc<Repo>| ok(Config)))
        .build()
        .unwrap_err();
    assert_eq!(
        err.problems(),
        [Problem::Cycle {
            chain: vec!["Repo", "Db", "Config", "Repo"]
        }]
    );
    assert!(
        err.to_string()
            .contains("a dependency cycle: Repo -> Db -> Config -> Repo"),
        "{err}"
    );
}

#[test]
fn a_service_depending_on_itself_is_a_cycle() {
    let err = Container::builder()
        .provide(Service::transient(|_: Arc<Db>| ok(Db)))
        .build()
        .unwrap_err();
    assert_eq!(
        err.problems(),
        [Problem::Cycle {
            chain: vec!["Db", "Db"]
        }]
    );
}

#[test]
fn a_singleton_cannot_hold_a_scoped_service_even_through_a_transient() {
    let err = Container::builder()
        .provide(Service::scoped(|()| ok(Tx)))
        .provide(Service::transient(|_: Arc<Tx>| ok(Repo)))
        .provide(Service::singleton(|_: Arc<Repo>| ok(Handlerish)))
        .build()
        .unwrap_err();
    assert_eq!(
        err.problems(),
        [Problem::ScopedInSingleton {
            chain: vec!["Handlerish", "Repo", "Tx"]
        }]
    );
}

#[test]
fn scoped_and_transient_services_may_depend_on_scoped_ones() {
    let container = Container::builder()
        .provide(Service::scoped(|()| ok(Tx)))
        .provide(Service::scoped(|_: Arc<Tx>| ok(Repo)))
        .provide(Service::transient(|(_, _): (Arc<Repo>, Arc<Tx>)| ok(Db)))
        .build();
    assert!(container.is_ok());
}

#[test]
fn eager_applies_to_singletons_only() {
    let err = Container::builder()
        .provide(Service::scoped(|()| ok(Tx)).eager())
        .build()
        .unwrap_err();
    assert_eq!(err.problems(), [Problem::EagerNotSingleton("Tx")]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = Container::builder()
        .provide(Service::singleton(|_: Arc<Db>| ok(Repo)))
        .provide(Service::singleton(|_: Arc<Config>| ok(Tx)))
        .build()
        .unwrap_err();
    assert_eq!(err.problems().len(), 2, "{err}");
}

#[test]
fn a_later_registration_replaces_an_earlier_one() {
    // The first `Repo` needs a missing `Db`; the second needs nothing, so the build passes.
    let container = Container::builder()
        .provide(Service::singleton(|_: Arc<Db>| ok(Repo)))
        .provide(Service::singleton(|()| ok(Repo)))
        .build();
    assert!(container.is_ok());
}
