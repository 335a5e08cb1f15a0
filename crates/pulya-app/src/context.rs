//! What the app knows about a request beyond the request itself: its route's parameters and
//! the app's shared settings.

use std::any::{Any, TypeId};
use std::sync::Arc;

use pulya_routing::Params;

/// The app-wide, immutable settings that extractors read.
pub(crate) struct Shared {
    pub(crate) body_limit: usize,
    pub(crate) json_decode: pulya_responses::JsonCodec,
    pub(crate) states: Vec<(TypeId, Box<dyn Any + Send + Sync>)>,
}

impl Shared {
    pub(crate) fn state<T: 'static>(&self) -> Option<&T> {
        let id = TypeId::of::<T>();
        self.states
            .iter()
            .find(|(t, _)| *t == id)
            .and_then(|(_, v)| v.downcast_ref())
    }
}

/// Parameters kept inline before spilling to the heap; routes rarely have more.
const INLINE_PARAMS: usize = 4;

/// The matched route's parameters as byte ranges of the request path, with their names.
///
/// Recording ranges instead of copying values keeps routing free of allocations for routes of up
/// to four parameters.
#[derive(Clone, Default)]
pub(crate) struct PathParams {
    names: Option<Arc<[Box<str>]>>,
    inline: [(u32, u32); INLINE_PARAMS],
    len: usize,
    spill: Vec<(u32, u32)>,
}

impl PathParams {
    pub(crate) fn from_match(names: &Arc<[Box<str>]>, path: &str, params: &Params<'_, '_>) -> Self {
        let mut out = PathParams {
            names: (!params.is_empty()).then(|| Arc::clone(names)),
            ..PathParams::default()
        };
        let base = path.as_ptr() as usize;
        for (_, value) in params.iter() {
            // Every value is a slice of `path`, so its offset is the difference of the addresses.
            let start = value.as_ptr() as usize - base;
            let span = (start as u32, (start + value.len()) as u32);
            if out.len < INLINE_PARAMS {
                out.inline[out.len] = span;
            } else {
                out.spill.push(span);
            }
            out.len += 1;
        }
        out
    }

    /// `(name, raw value)` pairs in path order; an item is `None` when `path` is not the path
    /// the params were matched against (a middleware rewrote the URI).
    pub(crate) fn iter<'a, 'p>(
        &'a self,
        path: &'p str,
    ) -> impl Iterator<Item = Option<(&'a str, &'p str)>> {
        let names: &'a [Box<str>] = self.names.as_deref().unwrap_or_default();
        let spans = self.inline[..self.len.min(INLINE_PARAMS)]
            .iter()
            .chain(&self.spill);
        names.iter().zip(spans).map(move |(name, &(start, end))| {
            Some((&**name, path.get(start as usize..end as usize)?))
        })
    }
}

/// The per-request context handed to extractors next to the request.
pub struct RequestContext {
    pub(crate) params: PathParams,
    pub(crate) shared: Arc<Shared>,
}

impl RequestContext {
    /// The app's body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.shared.body_limit
    }

    /// The app state of type `T`, if one was registered with [`App::state`](crate::App::state).
    pub fn state<T: 'static>(&self) -> Option<&T> {
        self.shared.state()
    }
}
