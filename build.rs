//! Compiles `proto/rosa.proto` for the `grpc` feature with protox (pure Rust, no
//! system `protoc`) and tonic-prost-build. The generated messages also derive
//! serde so that the adapter maps them to and from the JSON records of the core.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/rosa.proto");
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_GRPC").is_none() {
        return Ok(());
    }
    let fds = protox::compile(["proto/rosa.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .btree_map(".")
        .type_attribute(".", "#[derive(serde::Serialize, serde::Deserialize)]")
        .type_attribute(".", "#[serde(default)]")
        .compile_fds(fds)?;
    Ok(())
}
