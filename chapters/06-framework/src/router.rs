//! The router: which handler answers a request.
//!
//! A route is a method and a path pattern. Patterns are paths whose
//! segments are either literal text or a parameter in braces:
//!
//! ```text
//! pattern              path                  result
//! /                    /                     match
//! /hello/{name}        /hello/Ada            match, name = "Ada"
//! /hello/{name}        /hello/               no match: a parameter is never empty
//! /hello/{name}        /hello/a/b            no match: one parameter is one segment
//! /guestbook           /guestbook/           no match: the trailing slash is a segment
//! /static/{*path}      /static/css/site.css  match, path = "css/site.css"
//! ```
//!
//! [`Router::handle`] then decides the answer, and only the router can,
//! because only it knows every route: a handler when a route has the path
//! and the method, `405 Method Not Allowed` with an `Allow` header when some
//! route has the path but none has the method, and `404 Not Found` when no
//! route has the path.

use std::fmt;
use std::sync::Arc;

use chapter03::{Handler, Method, Request, Response, StatusCode};

use crate::handler::{BoxedHandler, IntoResponse, boxed};

// ANCHOR: params
/// The values a path gave to the parameters of its pattern:
/// `/hello/{name}` and `/hello/Ada` give `name = "Ada"`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// `(name, value)` in the order of the pattern. A handful at most, so a
    /// list is faster and simpler than a map.
    pairs: Vec<(String, String)>,
}

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params::default()
    }

    /// Records that the parameter `name` got `value`.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((name.into(), value.into()));
    }

    /// The value of the parameter `name`, if the pattern has one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every `(name, value)`, in the order of the pattern.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// True when the pattern had no parameters.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}
// ANCHOR_END: params

// ANCHOR: pattern
/// One segment of a pattern (the text between two `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Text the path must have here, exactly: `hello` in `/hello/{name}`.
    Literal(String),
    /// `{name}`: any one non-empty segment, remembered as `name`.
    Param(String),
    /// `{*name}`, last only: everything left of the path (one or more
    /// segments, slashes included), remembered as `name`.
    Rest(String),
}

/// A path pattern such as `/hello/{name}`, split into segments once, when
/// the route is added, rather than on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The pattern as written, for messages.
    source: String,
    /// The segments after the leading `/`: `/` alone is one empty literal.
    segments: Vec<Segment>,
}

impl Pattern {
    /// Reads a pattern.
    ///
    /// # Panics
    ///
    /// When the pattern does not start with `/`, has an empty `{}`, or has
    /// `{*name}` anywhere but at the end. Patterns are written by the
    /// programmer, not sent by clients, so a bad one is a bug to fix before
    /// the server starts, not an error to answer.
    pub fn parse(pattern: &str) -> Pattern {
        let Some(after_slash) = pattern.strip_prefix('/') else {
            panic!("the route pattern {pattern:?} must start with /");
        };
        let parts: Vec<&str> = after_slash.split('/').collect();
        let last = parts.len() - 1;
        let segments = parts
            .iter()
            .enumerate()
            .map(|(index, part)| {
                let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else {
                    return Segment::Literal(part.to_string());
                };
                match name.strip_prefix('*') {
                    Some(rest) if !rest.is_empty() && index == last => {
                        Segment::Rest(rest.to_string())
                    }
                    Some(_) => panic!(
                        "in the route pattern {pattern:?}, {{*name}} must be the last segment and have a name"
                    ),
                    None if name.is_empty() => {
                        panic!("the route pattern {pattern:?} has a parameter without a name")
                    }
                    None => Segment::Param(name.to_string()),
                }
            })
            .collect();
        Pattern {
            source: pattern.to_string(),
            segments,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}
// ANCHOR_END: pattern

// ANCHOR: matches
impl Pattern {
    // ANCHOR: matches_signature
    /// The parameters, if `path` (decoded, starting with `/`) fits this
    /// pattern; `None` if it does not.
    #[expect(unused_variables, reason = "until you write exercise 6.1")]
    pub fn matches(&self, path: &str) -> Option<Params> {
        // ANCHOR_END: matches_signature
        todo!(
            "exercise 6.1: Match a path pattern (read book/src/ch06-framework.md#exercise-61-match-a-path-pattern)"
        )
    }
}
// ANCHOR_END: matches

// ANCHOR: router
/// One route: a method, a pattern, and the handler for them.
struct Route<S> {
    method: Method,
    pattern: Pattern,
    #[expect(dead_code, reason = "until you write exercise 6.2")]
    handler: BoxedHandler<S>,
}

impl<S> Route<S> {
    /// True when this route answers `method`. A GET route answers HEAD as
    /// well: HEAD is GET without the body (RFC 9110 section 9.3.2), and the
    /// connection already leaves the body out.
    fn answers(&self, method: Method) -> bool {
        self.method == method || (method == Method::Head && self.method == Method::Get)
    }
}

/// A list of routes, and the state every handler shares.
///
/// `S` is the application's state: whatever the handlers need besides the
/// request (the guestbook, the static files). It is behind an [`Arc`]
/// because many worker threads run handlers at once and all of them use
/// the same state; the router holds one handle and the program that built
/// the state may keep another.
pub struct Router<S> {
    routes: Vec<Route<S>>,
    state: Arc<S>,
}

impl Router<()> {
    /// A router whose handlers need no state.
    pub fn new() -> Router<()> {
        Router::with_state(Arc::new(()))
    }
}

impl Default for Router<()> {
    fn default() -> Router<()> {
        Router::new()
    }
}

impl<S> Router<S> {
    /// A router whose handlers all get `state`.
    pub fn with_state(state: Arc<S>) -> Router<S> {
        Router {
            routes: Vec::new(),
            state,
        }
    }

    /// The state the handlers get.
    pub fn state(&self) -> &Arc<S> {
        &self.state
    }

    /// Adds a route: `handler` answers `method` on paths that match
    /// `pattern`. The first route added wins when two match.
    ///
    /// The handler is any function or closure that takes the request, the
    /// path's parameters and the state, and returns anything that can
    /// become a response (see [`IntoResponse`]).
    ///
    /// # Panics
    ///
    /// When the pattern is malformed (see [`Pattern::parse`]).
    pub fn route<H, R>(mut self, method: Method, pattern: &str, handler: H) -> Router<S>
    where
        H: Fn(&Request, &Params, &S) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.routes.push(Route {
            method,
            pattern: Pattern::parse(pattern),
            handler: boxed(handler),
        });
        self
    }

    /// Adds a GET route (which answers HEAD too).
    pub fn get<H, R>(self, pattern: &str, handler: H) -> Router<S>
    where
        H: Fn(&Request, &Params, &S) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.route(Method::Get, pattern, handler)
    }

    /// Adds a POST route.
    pub fn post<H, R>(self, pattern: &str, handler: H) -> Router<S>
    where
        H: Fn(&Request, &Params, &S) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.route(Method::Post, pattern, handler)
    }

    /// Adds a PUT route.
    pub fn put<H, R>(self, pattern: &str, handler: H) -> Router<S>
    where
        H: Fn(&Request, &Params, &S) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.route(Method::Put, pattern, handler)
    }

    /// Adds a DELETE route.
    pub fn delete<H, R>(self, pattern: &str, handler: H) -> Router<S>
    where
        H: Fn(&Request, &Params, &S) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.route(Method::Delete, pattern, handler)
    }
}
// ANCHOR_END: router

// ANCHOR: handle
impl<S> Router<S> {
    // ANCHOR: handle_signature
    /// The response to `request`: the first route that matches its path
    /// and answers its method, or 405, or 404.
    #[expect(unused_variables, reason = "until you write exercise 6.2")]
    pub fn handle(&self, request: &Request) -> Response {
        // ANCHOR_END: handle_signature
        todo!(
            "exercise 6.2: Dispatch, 404 and 405 (read book/src/ch06-framework.md#exercise-62-dispatch-404-and-405)"
        )
    }
}

/// The router is what chapter 5's server calls. Only the router knows which
/// requests reach a handler, so only it can say, from the head alone, that
/// a request will be a 404 or a 405 whatever its body: then a client that
/// waits with `Expect: 100-continue` gets that answer at once.
impl<S> Handler for Router<S> {
    fn respond(&self, request: &Request) -> Response {
        self.handle(request)
    }

    fn reads_body(&self, head: &Request) -> bool {
        self.routes
            .iter()
            .any(|route| route.answers(head.method) && route.pattern.matches(&head.path).is_some())
    }
}
// ANCHOR_END: handle

// ANCHOR: answers
/// The answer when no route has the path.
pub fn not_found() -> Response {
    Response::error_page(StatusCode::NotFound, "There is no page at this address.")
}

/// The answer when routes have the path but none has the method: 405, and
/// an `Allow` header listing what would work (RFC 9110 section 15.5.6 says
/// a 405 MUST have one).
pub fn method_not_allowed(allowed: &[Method]) -> Response {
    let allow = allow_header(allowed);
    Response::error_page(
        StatusCode::MethodNotAllowed,
        &format!("This address answers {allow}."),
    )
    .with_header("Allow", allow)
}

/// The value of `Allow` for routes with these methods: each once, in a
/// fixed order (`Method::ALL`'s, so the header does not depend on the order
/// routes were added), with HEAD wherever GET is, because GET routes answer
/// HEAD.
pub fn allow_header(allowed: &[Method]) -> String {
    let listed = |method: &Method| {
        allowed.contains(method) || (*method == Method::Head && allowed.contains(&Method::Get))
    };
    Method::ALL
        .iter()
        .filter(|method| listed(method))
        .map(|method| method.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
// ANCHOR_END: answers

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_header_lists_each_method_once_in_a_fixed_order() {
        assert_eq!(allow_header(&[Method::Get]), "GET, HEAD");
        assert_eq!(
            allow_header(&[Method::Post, Method::Get, Method::Get]),
            "GET, HEAD, POST"
        );
        assert_eq!(allow_header(&[Method::Post]), "POST");
        assert_eq!(allow_header(&[Method::Head]), "HEAD");
        assert_eq!(
            allow_header(&[Method::Delete, Method::Get, Method::Put]),
            "GET, HEAD, PUT, DELETE"
        );
    }

    #[test]
    #[should_panic(expected = "must start with /")]
    fn a_pattern_without_a_leading_slash_is_a_bug() {
        Pattern::parse("hello");
    }

    #[test]
    #[should_panic(expected = "must be the last segment")]
    fn a_rest_parameter_must_come_last() {
        Pattern::parse("/{*path}/more");
    }

    #[test]
    #[should_panic(expected = "without a name")]
    fn a_parameter_needs_a_name() {
        Pattern::parse("/hello/{}");
    }
}
