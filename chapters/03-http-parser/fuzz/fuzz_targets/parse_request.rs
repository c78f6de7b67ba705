//! Feeds arbitrary bytes to the parser. libFuzzer reports any panic, and
//! the assertion below, as a crash with the input that caused it.
#![no_main]

use chapter03::parse::{Limits, Parsed, parse_request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(Parsed::Complete { consumed, .. }) = parse_request(bytes, &Limits::DEFAULT) {
        // A request can only be made of bytes we were given.
        assert!(consumed > 0 && consumed <= bytes.len());
    }
});
