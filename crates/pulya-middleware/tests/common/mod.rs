//! A `tracing` subscriber that records what the middleware log: every event's target and
//! fields, and every span's fields.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// One event or span: its target and its fields, as text.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub target: String,
    pub fields: BTreeMap<String, String>,
}

impl Recorded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Clone, Default)]
pub struct Recorder {
    pub events: Arc<Mutex<Vec<Recorded>>>,
    pub spans: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    /// Events of `target`.
    pub fn events_of(&self, target: &str) -> Vec<Recorded> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.target == target)
            .cloned()
            .collect()
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

fn record(target: &str, visit: impl FnOnce(&mut Fields<'_>)) -> Recorded {
    let mut fields = BTreeMap::new();
    visit(&mut Fields(&mut fields));
    Recorded {
        target: target.to_owned(),
        fields,
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let recorded = record(span.metadata().target(), |f| span.record(f));
        let mut spans = self.spans.lock().unwrap();
        spans.push(recorded);
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let recorded = record(event.metadata().target(), |f| event.record(f));
        self.events.lock().unwrap().push(recorded);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Recorder>> = const { std::cell::RefCell::new(None) };
}

/// The process-wide subscriber: hands every span and event to the recorder of the thread it
/// happens on, and is interested only where one is set. One global subscriber that answers
/// "sometimes", because `tracing` caches each callsite's interest for the whole process: with a
/// scoped subscriber per test, a test running on another thread without one can leave a
/// callsite disabled for all.
struct ToCurrent;

impl Subscriber for ToCurrent {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        CURRENT.with(|c| c.borrow().is_some())
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        CURRENT.with(|c| match &*c.borrow() {
            Some(recorder) => recorder.new_span(span),
            None => Id::from_u64(u64::MAX),
        })
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        CURRENT.with(|c| {
            if let Some(recorder) = &*c.borrow() {
                recorder.event(event);
            }
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Runs `fut` to completion on a single-threaded runtime of its own, recording into `recorder`
/// what happens on this thread.
pub fn run_recorded<F: Future>(recorder: &Recorder, fut: F) -> F::Output {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| tracing::subscriber::set_global_default(ToCurrent).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    CURRENT.with(|c| *c.borrow_mut() = Some(recorder.clone()));
    let out = rt.block_on(fut);
    CURRENT.with(|c| *c.borrow_mut() = None);
    out
}
