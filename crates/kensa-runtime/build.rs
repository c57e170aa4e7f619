//! Compiles `bpf/runtime.bpf.c` with clang (CO-RE, `-target bpf`) and
//! generates its libbpf-rs skeleton into OUT_DIR. Needs `clang` on PATH (or
//! `$CLANG`); kernel types come from the hand-written `bpf/runtime.h`, so
//! no bpftool or kernel BTF is needed at build time.

use std::env;
use std::path::PathBuf;

use libbpf_cargo::SkeletonBuilder;

const SOURCE: &str = "bpf/runtime.bpf.c";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut builder = SkeletonBuilder::new();
    builder
        .source(SOURCE)
        .clang_args(["-Wall", "-Wno-unused-function", "-Ibpf"]);
    if let Some(clang) = env::var_os("CLANG") {
        builder.clang(clang);
    }
    if let Err(error) = builder.build_and_generate(out.join("runtime.skel.rs")) {
        panic!("building {SOURCE} (clang with the BPF target is required): {error:#}");
    }
    println!("cargo:rerun-if-changed={SOURCE}");
    println!("cargo:rerun-if-changed=bpf/runtime.h");
    println!("cargo:rerun-if-env-changed=CLANG");
}
