//! Link-time choices that depend on the machine building opsdash.
//!
//! Relative relocations packed (DT_RELR, `-z pack-relative-relocs`): the binary is
//! position-independent, and its ~38,000 relative relocations (the SDK's vtables and
//! serialisation schemas) take about 900 KiB as RELA entries, all of which the loader reads at
//! every start and keeps resident; packed they take a few KiB. The loader must know DT_RELR
//! (glibc 2.36 and later; the binary then names `GLIBC_ABI_DT_RELR`, so an older loader refuses
//! it with a clear message), so it is used only when the C library of this machine has it, for a
//! native linux-gnu build. `OPSDASH_PACK_RELOCS=0` turns it off.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=OPSDASH_PACK_RELOCS");
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    let wanted = std::env::var("OPSDASH_PACK_RELOCS").map_or(true, |v| v != "0");
    if wanted && target == host && target.ends_with("-linux-gnu") && glibc() >= Some((2, 36)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// The C library's version, from `getconf GNU_LIBC_VERSION` ("glibc 2.36").
fn glibc() -> Option<(u32, u32)> {
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.trim().strip_prefix("glibc ")?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}
