#![no_main]
//! See `rosa::fuzzing::vacancy_json`; replayed on stable by `tests/fuzz_replay.rs`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rosa::fuzzing::vacancy_json(data));
