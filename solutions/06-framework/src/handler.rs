//! Handlers, and how "return anything" becomes a [`Response`].
//!
//! A handler is a plain function or closure:
//!
//! ```text
//! fn time(request: &Request, params: &Params, state: &AppState) -> String
//! ```
//!
//! It returns whatever is natural for it: a `String`, an [`Html`] page, a
//! `(StatusCode, Html<String>)` pair, a `Result` whose error is a page too.
//! The router needs one type, [`Response`], from all of them. The
//! [`IntoResponse`] trait is that conversion: each type says once how it
//! becomes a response, and [`boxed`] wraps every handler in a closure that
//! calls it, so the router can keep handlers of different return types in
//! one list.

use chapter03::{Request, Response, StatusCode};

use crate::router::Params;

// ANCHOR: into_response
/// Something a handler may return: it knows how to become a [`Response`].
pub trait IntoResponse {
    /// The response this value stands for.
    fn into_response(self) -> Response;
}

/// A response is already one.
impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

/// Text is a 200 `text/plain` response. Rust strings are UTF-8, and the
/// charset says so: without it a browser may guess another encoding.
impl IntoResponse for String {
    fn into_response(self) -> Response {
        Response::bytes(StatusCode::Ok, "text/plain; charset=utf-8", self)
    }
}

/// A string in the program's text, such as `"pong\n"`: the same as a
/// `String`.
impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        self.to_string().into_response()
    }
}

/// An HTML page: a 200 `text/html` response.
///
/// A wrapper type because a page and plain text are both strings: the type
/// is how the handler says which it means, and the Content-Type follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Html<T>(pub T);

impl<T: Into<String>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        Response::html(StatusCode::Ok, self.0)
    }
}

/// Anything, with another status: `(StatusCode::NotFound, Html(page))`.
impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let (status, inner) = self;
        let mut response = inner.into_response();
        response.status = status;
        response
    }
}

/// Success or failure, each a response of its own. This is what lets a
/// handler use `?`: the error type decides its status code in one place
/// (its own `IntoResponse`), instead of every handler choosing again.
impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => error.into_response(),
        }
    }
}

/// "Now go and GET this other address": `303 See Other` with `Location`.
///
/// The answer to a form POST that worked: the browser follows it with a
/// GET, so reloading the page it lands on does not post the form again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    location: String,
}

impl Redirect {
    /// A 303 to `location` (a path on this site, such as `/guestbook`).
    pub fn see_other(location: impl Into<String>) -> Redirect {
        Redirect {
            location: location.into(),
        }
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        // The short page is for clients that do not follow redirects.
        Response::error_page(
            StatusCode::SeeOther,
            &format!(
                "See <a href=\"{0}\">{0}</a>.",
                chapter02::form::escape_html(&self.location)
            ),
        )
        .with_header("Location", self.location)
    }
}
// ANCHOR_END: into_response

// ANCHOR: boxed
/// A handler as the router stores it: one type for every handler, whatever
/// it returns. `Send + Sync` because worker threads call it at the same
/// time (chapter 5); `Box<dyn ...>` because each closure has its own type.
pub type BoxedHandler<S> = Box<dyn Fn(&Request, &Params, &S) -> Response + Send + Sync>;

/// Wraps `handler` so that it returns a [`Response`]: the one place where
/// a handler's return value is converted.
pub fn boxed<S, H, R>(handler: H) -> BoxedHandler<S>
where
    H: Fn(&Request, &Params, &S) -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    Box::new(move |request, params, state| handler(request, params, state).into_response())
}
// ANCHOR_END: boxed
