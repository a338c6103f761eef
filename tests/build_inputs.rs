//! A build that cannot silently rot. `link/hot-functions.txt` names the release binary's
//! functions by their symbols, whose hashes change with the compiler, the dependency set and the
//! release profile: the list records what it was written for (`link/hot-functions.inputs`, by
//! `scripts/order-functions.sh`), and this test fails when that is not this checkout's. And the
//! binary must start on the bastions people use: no `GLIBC_ABI_DT_RELR` requirement (glibc 2.36
//! only), which Amazon Linux 2023 and Ubuntu 22.04 refuse, and no glibc version newer than 2.17
//! (`link/glibc-2.17.c`), though a newer glibc built it.

use sha2::{Digest, Sha256};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sha256(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The `[profile.release]` section of Cargo.toml, header included, as the script's awk prints it.
fn release_profile(toml: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in toml.lines() {
        if line.starts_with('[') {
            inside = line == "[profile.release]";
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_function_order_list_was_written_for_this_compiler_lock_file_and_profile() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .expect("rustc runs");
    let lock = std::fs::read(root().join("Cargo.lock")).unwrap();
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let now = format!(
        "{}\nCargo.lock sha256:{}\nprofile.release sha256:{}\n",
        String::from_utf8_lossy(&version.stdout).trim(),
        sha256(&lock),
        sha256(release_profile(&toml).as_bytes())
    );
    let recorded =
        std::fs::read_to_string(root().join("link/hot-functions.inputs")).unwrap_or_default();
    assert_eq!(
        recorded, now,
        "link/hot-functions.txt was written for other inputs, so the release binary's functions \
         are no longer placed together (RSS grows): run scripts/order-functions.sh and commit \
         link/hot-functions.txt and link/hot-functions.inputs"
    );
}

#[test]
fn the_binary_does_not_require_the_dt_relr_loader() {
    for bin in binaries() {
        let bytes = std::fs::read(&bin).unwrap();
        let needle = b"GLIBC_ABI_DT_RELR";
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{} requires GLIBC_ABI_DT_RELR: it would not start on Amazon Linux 2023 or Ubuntu 22.04",
            bin.display()
        );
    }
}

/// The binary cargo built for these tests (a default build), and the one the end-to-end tests
/// drive (the test script's optimised build).
fn binaries() -> Vec<std::path::PathBuf> {
    let built = std::path::PathBuf::from(env!("CARGO_BIN_EXE_opsdash"));
    let driven = std::env::var_os("OPSDASH_E2E_BIN").map(std::path::PathBuf::from);
    std::iter::once(built).chain(driven).collect()
}

fn objdump(flag: &str, bin: &Path) -> String {
    let out = std::process::Command::new("objdump")
        .arg(flag)
        .arg(bin)
        .output()
        .expect("objdump (GNU binutils, beside the C compiler cargo links with)");
    assert!(out.status.success(), "objdump {flag} {}", bin.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// "GLIBC_2.17" -> (2, 17)
fn glibc_version(name: &str) -> Option<(u32, u32)> {
    let mut parts = name.strip_prefix("GLIBC_")?.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[test]
#[cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]
fn the_binary_needs_no_glibc_newer_than_2_17() {
    for bin in binaries() {
        let headers = objdump("-p", &bin);
        let references = headers
            .split("Version References:")
            .nth(1)
            .unwrap_or_default();
        let newer: Vec<&str> = references
            .split_whitespace()
            .filter(|w| glibc_version(w).is_some_and(|v| v > (2, 17)))
            .collect();
        let symbols: Vec<String> = objdump("-T", &bin)
            .lines()
            .filter(|l| newer.iter().any(|v| l.contains(&format!("({v})"))))
            .map(|l| {
                l.split_whitespace()
                    .rev()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert!(
            newer.is_empty(),
            "{} requires {newer:?}, so it would not start on an older bastion; these functions \
             need a wrapper in link/glibc-2.17.c: {symbols:?}",
            bin.display()
        );
        // Before 2.34, glibc keeps the pthread and dl functions in these two libraries.
        for lib in ["libpthread.so.0", "libdl.so.2"] {
            assert!(
                headers
                    .lines()
                    .any(|l| l.contains("NEEDED") && l.ends_with(lib)),
                "{} does not load {lib}",
                bin.display()
            );
        }
    }
}

/// glibc 2.17 has no `__cxa_thread_atexit_impl`: link/glibc-2.17.c then runs thread-local
/// destructors itself. The glibc of the machines the tests run on has the real one, so that path
/// is compiled here into a small program of its own and run: each thread's destructors run when
/// it ends, the last registered first, including one a destructor registers, and not another
/// thread's.
#[test]
#[cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]
fn without_glibc_thread_exit_hooks_each_threads_destructors_run_when_it_ends() {
    let dir = std::env::temp_dir().join(format!("opsdash-floor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let program = dir.join("fallback.c");
    std::fs::write(
        &program,
        r#"
#include <pthread.h>
#include <stdio.h>
int opsdash_thread_atexit_fallback(void (*)(void *), void *);
static char order[16];
static int n;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void note(void *v) {
    pthread_mutex_lock(&lock);
    order[n++] = *(const char *)v;
    pthread_mutex_unlock(&lock);
    if (*(const char *)v == 'b') opsdash_thread_atexit_fallback(note, "c");
}
static void *first(void *x) {
    (void)x;
    opsdash_thread_atexit_fallback(note, "a");
    opsdash_thread_atexit_fallback(note, "b");
    return 0;
}
static void *second(void *x) {
    (void)x;
    opsdash_thread_atexit_fallback(note, "z");
    return 0;
}
int main(void) {
    pthread_t t;
    pthread_create(&t, 0, first, 0);
    pthread_join(t, 0);
    pthread_create(&t, 0, second, 0);
    pthread_join(t, 0);
    puts(order);
    return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.join("fallback");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let built = std::process::Command::new(&cc)
        .args(["-O2", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&program)
        .arg(root().join("link/glibc-2.17.c"))
        .args(["-lpthread", "-ldl", "-lm"])
        .status()
        .expect("the C compiler cargo links with");
    assert!(
        built.success(),
        "{cc} could not build the fallback's test program"
    );
    let out = std::process::Command::new(&exe).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "bcaz");
}
