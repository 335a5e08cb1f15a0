//! Server-sent events: the encoding of every field, keep-alive comments, and the bounded
//! channel.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use pulya_responses::sse::{self, EndOnShutdown, Event, KeepAlive, Sse};
use pulya_responses::{IntoResponse, Response};

fn wire(event: Event) -> String {
    String::from_utf8(event.to_bytes().to_vec()).unwrap()
}

#[test]
fn every_field_is_encoded_in_call_order() {
    let event = Event::new()
        .comment("hi")
        .event("update")
        .unwrap()
        .id("42")
        .unwrap()
        .retry(Duration::from_millis(1500))
        .data("payload");
    assert_eq!(
        wire(event),
        ": hi\nevent: update\nid: 42\nretry: 1500\ndata: payload\n\n"
    );
}

#[test]
fn data_lines_split_at_every_line_ending() {
    assert_eq!(
        wire(Event::new().data("a\nb\r\nc\rd")),
        "data: a\ndata: b\ndata: c\ndata: d\n\n"
    );
    // An empty line stays an (empty) data field, so the client sees the same text.
    assert_eq!(
        wire(Event::new().data("a\n\nb")),
        "data: a\ndata\ndata: b\n\n"
    );
    assert_eq!(wire(Event::new().data("")), "data\n\n");
    assert_eq!(wire(Event::new().comment("x\ny")), ": x\n: y\n\n");
}

#[test]
fn names_and_ids_that_break_framing_are_refused() {
    for bad in ["a\nb", "a\rb", "\n"] {
        let err = Event::new().event(bad).unwrap_err();
        assert!(err.to_string().contains("`event`"), "{err}");
        assert!(Event::new().id(bad).is_err());
    }
    assert!(Event::new().id("a\0b").is_err());
    assert!(Event::new().event("a\0b").is_ok());
}

#[test]
fn json_data_is_one_line() {
    let event = Event::new()
        .json_data(&serde_json::json!({"text": "two\nlines", "n": 1}))
        .unwrap();
    assert_eq!(wire(event), "data: {\"n\":1,\"text\":\"two\\nlines\"}\n\n");
}

async fn next_chunk(res: &mut Response) -> Option<Bytes> {
    let frame = res.body_mut().frame().await?.ok()?;
    frame.into_data().ok()
}

#[tokio::test(start_paused = true)]
async fn keep_alive_comments_fill_the_silences() {
    let (tx, sse) = sse::channel(4);
    let mut res = sse
        .keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(10))
                .text("ping"),
        )
        .into_response();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert!(res.extensions().get::<EndOnShutdown>().is_some());

    // Silence: a comment after the interval (time is paused and advances by itself).
    let start = tokio::time::Instant::now();
    assert_eq!(next_chunk(&mut res).await.unwrap(), ": ping\n\n");
    assert_eq!(start.elapsed(), Duration::from_secs(10));

    // An event resets the interval.
    tokio::time::sleep(Duration::from_secs(5)).await;
    tx.send(Event::new().data("x")).await.unwrap();
    assert_eq!(next_chunk(&mut res).await.unwrap(), "data: x\n\n");
    let after_event = tokio::time::Instant::now();
    assert_eq!(next_chunk(&mut res).await.unwrap(), ": ping\n\n");
    assert_eq!(after_event.elapsed(), Duration::from_secs(10));

    // Every sender gone: the stream ends.
    drop(tx);
    assert!(next_chunk(&mut res).await.is_none());
}

#[tokio::test]
async fn the_channel_is_bounded_and_reports_a_gone_client() {
    let (tx, sse) = sse::channel(2);
    assert_eq!(tx.try_send(Event::new().data("1")), Ok(true));
    assert_eq!(tx.try_send(Event::new().data("2")), Ok(true));
    assert_eq!(tx.try_send(Event::new().data("3")), Ok(false), "full");

    let mut res = sse.into_response();
    assert_eq!(next_chunk(&mut res).await.unwrap(), "data: 1\n\n");
    assert_eq!(tx.try_send(Event::new().data("3")), Ok(true), "room again");

    drop(res);
    assert!(tx.is_closed());
    assert_eq!(tx.send(Event::new().data("4")).await, Err(sse::Closed));
}

#[tokio::test]
async fn any_stream_of_events_is_a_response() {
    let events = (0..3).map(|i| Ok::<_, Infallible>(Event::new().id(&i.to_string()).unwrap()));
    let stream = futures_stream(events.collect());
    let body = Sse::new(stream).into_response().into_body();
    let bytes = body.collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..], b"id: 0\n\nid: 1\n\nid: 2\n\n");
}

/// A ready stream of `items` (what `futures::stream::iter` does, without the dependency).
fn futures_stream<T: Unpin + Send + 'static>(
    items: Vec<T>,
) -> impl futures_core::Stream<Item = T> + Send + 'static {
    struct Iter<T>(std::vec::IntoIter<T>);
    impl<T: Unpin> futures_core::Stream for Iter<T> {
        type Item = T;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<T>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Iter(items.into_iter())
}
