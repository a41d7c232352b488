#![no_main]
//! See `rosa::fuzzing::cliclavoro_candidatura`; replayed on stable by `tests/fuzz_replay.rs`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rosa::fuzzing::cliclavoro_candidatura(data));
