#![no_main]
//! See `rosa::fuzzing::index_reopen`; replayed on stable by `tests/fuzz_replay.rs`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rosa::fuzzing::index_reopen(data));
