#![no_main]
// See fuzz/src/lib.rs (marsad_fuzz::extract) for what this target feeds and checks.
libfuzzer_sys::fuzz_target!(|data: &[u8]| marsad_fuzz::extract(data));
