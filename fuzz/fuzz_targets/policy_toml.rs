#![no_main]
//! See `rosa::fuzzing::policy_toml`; replayed on stable by `tests/fuzz_replay.rs`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rosa::fuzzing::policy_toml(data));
