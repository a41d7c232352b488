#![no_main]
//! See `rosa::fuzzing::candidate_jsonl`; replayed on stable by `tests/fuzz_replay.rs`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rosa::fuzzing::candidate_jsonl(data));
