//! Singleton, transient and scoped lifetimes, and the errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pulya_di::{Container, ResolveError, Resolver};

#[derive(Debug)]
struct Counter(AtomicUsize);
#[derive(Debug)]
struct Transient(usize);
#[derive(Debug)]
struct Scoped(usize);

fn container() -> Arc<Container> {
    Container::builder()
        .singleton(Counter(AtomicUsize::new(0)))
        .transient(|r: &dyn Resolver| {
            Ok(Transient(
                r.resolve::<Counter>()?.0.fetch_add(1, Ordering::SeqCst),
            ))
        })
        .scoped(|r: &dyn Resolver| Ok(Scoped(r.resolve::<Transient>()?.0)))
        .lazy_singleton(|_: &dyn Resolver| Ok(String::from("lazy")))
        .build()
        .unwrap()
}

#[test]
fn singleton_is_shared_and_transient_is_new_each_time() {
    let c = container();
    assert!(Arc::ptr_eq(
        &c.resolve::<Counter>().unwrap(),
        &c.resolve::<Counter>().unwrap()
    ));
    assert_eq!(c.resolve::<Transient>().unwrap().0, 0);
    assert_eq!(c.resolve::<Transient>().unwrap().0, 1);
    assert_eq!(*c.resolve::<String>().unwrap(), "lazy");
    assert!(Arc::ptr_eq(
        &c.resolve::<String>().unwrap(),
        &c.resolve::<String>().unwrap()
    ));
}

#[test]
fn scoped_is_once_per_scope_and_dropped_with_it() {
    let c = container();
    let s1 = c.scope();
    let a = s1.resolve::<Scoped>().unwrap();
    let b = s1.resolve::<Scoped>().unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    let s2 = c.scope();
    assert_ne!(s2.resolve::<Scoped>().unwrap().0, a.0);
    let weak = Arc::downgrade(&a);
    drop((a, b, s1));
    assert!(weak.upgrade().is_none());
}

#[test]
fn errors_name_the_type() {
    let c = container();
    let err = c.resolve::<Scoped>().unwrap_err();
    assert!(matches!(err, ResolveError::NoScope(_)));
    assert!(err.to_string().contains("Scoped"), "{err}");
    let err = c.scope().resolve::<u8>().unwrap_err();
    assert_eq!(err.to_string(), "no service of type `u8` is registered");
}
