//! Chapter 2, HTTP by hand: the first web server.
//!
//! A web server written straight on `TcpStream`, with nothing but the
//! standard library: it reads the bytes a browser sends, looks at the first
//! line, and writes back an HTML page, a JPEG picture, the result of a form,
//! or the right error. One client at a time, one request per connection.
//! The map of the crate, in the order a request travels through it:
//!
//! - [`server`]: [`server::serve`] accepts clients one after another until
//!   its [`Shutdown`] is triggered; [`server::handle_connection`] gives each
//!   client a read timeout, reads one request, answers it and closes.
//! - [`request`]: bytes to a [`request::Request`]. [`request::read_head`]
//!   reads up to the blank line, [`request::split_request_line`] splits the
//!   first line, and [`request::read_request`] adds the headers and the body.
//! - [`site`]: [`site::route`] picks the answer from the method and the path:
//!   the home page, the picture, the form's result, 404 or 405; it also turns
//!   a bad request into its error page.
//! - [`form`]: [`form::parse_form`] decodes what a form sends
//!   (`message=Hello+world`), and [`form::escape_html`] makes any text safe
//!   to put in a page.
//! - [`response`]: a [`response::Response`] with a [`response::Status`], and
//!   [`response::Response::write_to`], which puts it on the wire.
//!
//! `main.rs` only reads `--addr`, binds and calls [`server::serve`]. Every
//! module is public so the stage tests in `tests/chapter02.rs` can call the
//! parts directly, the way a teaching crate should let you poke at them.
//!
//! Run with `cargo run -p chapter02`, then open
//! <http://127.0.0.1:7878> in a browser.

pub mod form;
pub mod request;
pub mod response;
pub mod server;
pub mod site;

/// Chapter 1's stop signal, reused as it is: a flag plus a wake-up
/// connection for the blocking accept loop.
pub use chapter01::shutdown::Shutdown;
