//! Link-time choices that depend on the machine building opsdash.
//!
//! Relative relocations packed (DT_RELR, `-z pack-relative-relocs`), only when asked for with
//! `OPSDASH_PACK_RELOCS=1`: the binary's ~38,000 relative relocations take about 900 KiB as RELA
//! entries, read and kept resident at every start, and a few KiB packed; but the loader must know
//! DT_RELR (glibc 2.36 and later: the binary then requires `GLIBC_ABI_DT_RELR` and refuses to
//! start on Amazon Linux 2023 or Ubuntu 22.04, typical bastions). Off by default, so the default
//! build runs wherever the build machine's glibc symbol versions do; a test checks the binary does
//! not require it. Even when asked for, only for a native linux-gnu build on a glibc that has it.
//!
//! The functions a session runs placed together (`link/hot-functions.txt`, lld's
//! `--symbol-ordering-file`): a live refresh runs about 2.9 MB of the binary's 7.9 MB of code,
//! spread over all of it, and the kernel maps a file's pages around each one touched, so nearly
//! the whole text ended up resident. Ordered, the code a session runs sits in one run of pages.
//! The list is written by `scripts/order-functions.sh` (the release build run under callgrind on
//! the demo and on moto); a function not in it (renamed, new) is simply placed after the others.
//! Symbol names change with the compiler and the dependency set, so the list records what it was
//! written for (`link/hot-functions.inputs`) and `tests/build_inputs.rs` fails when that is not
//! this checkout's: a stale list cannot go unnoticed.
//! Only where the linker is lld: rustc 1.90 and later link x86_64-unknown-linux-gnu with its own
//! lld unless a linker or linker flags are configured. `OPSDASH_ORDER_FUNCTIONS=0` turns it off.
//!
//! glibc 2.17 at most (`link/glibc-2.17.c`, for a native x86_64 linux-gnu build): the functions
//! the build machine's glibc has at a newer version are wrapped and called at the version 2.17
//! has, so the binary starts on any bastion with glibc 2.17 or later (Amazon Linux 2, RHEL 7,
//! Ubuntu 18.04), though a newer glibc built it. `OPSDASH_GLIBC_FLOOR=0` turns it off.
//!
//! Symbols stripped at link (`--strip-all`, Linux) rather than by the profile's `strip`: cargo
//! hashes the profile into every crate's symbol names, so that would change the names the list
//! holds; `OPSDASH_KEEP_SYMBOLS=1` keeps them (the script needs them).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={ORDER}");
    let target = std::env::var("TARGET").unwrap_or_default();
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    // GNU ld, gold and lld all know --strip-all; elsewhere the symbols simply stay.
    if release && !switch("OPSDASH_KEEP_SYMBOLS", false) && target.contains("-linux-") {
        println!("cargo:rustc-link-arg-bins=-Wl,--strip-all");
    }
    let host = std::env::var("HOST").unwrap_or_default();
    if switch("OPSDASH_PACK_RELOCS", false)
        && target == host
        && target.ends_with("-linux-gnu")
        && glibc() >= Some((2, 36))
    {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    if switch("OPSDASH_GLIBC_FLOOR", true) && target == host && target == "x86_64-unknown-linux-gnu"
    {
        glibc_floor();
    }
    if switch("OPSDASH_ORDER_FUNCTIONS", true)
        && target == "x86_64-unknown-linux-gnu"
        && linked_by_rust_lld()
    {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        // Names the list has and this build has not (another profile's hashes) are no error.
        println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={dir}/{ORDER}");
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// An on/off environment switch (`1` on, `0` off, else `default`); the script reruns when it changes.
fn switch(var: &str, default: bool) -> bool {
    println!("cargo:rerun-if-env-changed={var}");
    match std::env::var(var).as_deref() {
        Ok("0") => false,
        Ok("1") => true,
        _ => default,
    }
}

const ORDER: &str = "link/hot-functions.txt";

const FLOOR: &str = "link/glibc-2.17.c";

/// Links the binaries against glibc 2.17's versions of the C library's functions (the reasons and
/// the means are in link/glibc-2.17.c): compiles it with the C compiler cargo links with, adds the
/// object, wraps every function it defines a `__wrap_` for, and makes the binary need the two
/// libraries where glibc before 2.34 keeps the pthread and dl functions.
fn glibc_floor() {
    println!("cargo:rerun-if-changed={FLOOR}");
    println!("cargo:rerun-if-env-changed=CC");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let out = std::env::var("OUT_DIR").unwrap_or_default();
    let source = format!("{dir}/{FLOOR}");
    let object = format!("{out}/glibc-2.17.o");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args([
            "-c", "-O2", "-fPIC", "-Wall", "-Werror", "-o", &object, &source,
        ])
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "{cc} could not compile {FLOOR} (OPSDASH_GLIBC_FLOOR=0 builds without it, for this \
         machine's glibc only)"
    );
    let text = std::fs::read_to_string(&source).unwrap_or_default();
    println!("cargo:rustc-link-arg-bins={object}");
    for name in wrapped(&text) {
        println!("cargo:rustc-link-arg-bins=-Wl,--wrap={name}");
    }
    println!(
        "cargo:rustc-link-arg-bins=-Wl,--no-as-needed,-l:libpthread.so.0,-l:libdl.so.2,--as-needed"
    );
}

/// The functions the file wraps: each `FORWARD(name, ...)` and each `__wrap_name(` defined.
fn wrapped(text: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("FORWARD("))
        .map(ident)
        .chain(
            text.split("__wrap_")
                .skip(1)
                .map(|s| (ident(s), s))
                .filter(|(name, s)| s[name.len()..].starts_with('('))
                .map(|(name, _)| name),
        )
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether rustc links with its own lld: its default for x86_64-unknown-linux-gnu since 1.90,
/// unless a linker (`RUSTC_LINKER`, from cargo's configuration) or linker flags are set.
fn linked_by_rust_lld() -> bool {
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if std::env::var_os("RUSTC_LINKER").is_some()
        || ["linker", "link-self-contained", "link-arg", "link-args"]
            .iter()
            .any(|f| flags.contains(f))
    {
        return false;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("--version").output() else {
        return false;
    };
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(1)
        .and_then(major_minor)
        .is_some_and(|v| v >= (1, 90))
}

/// The C library's version, from `getconf GNU_LIBC_VERSION` ("glibc 2.36").
fn glibc() -> Option<(u32, u32)> {
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    major_minor(text.trim().strip_prefix("glibc ")?)
}

/// The first two numbers of a version ("2.36", "1.95.0").
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}
