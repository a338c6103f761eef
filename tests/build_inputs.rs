//! A build that cannot silently rot. `link/hot-functions.txt` names the release binary's
//! functions by their symbols, whose hashes change with the compiler, the dependency set and the
//! release profile: the list records what it was written for (`link/hot-functions.inputs`, by
//! `scripts/order-functions.sh`), and this test fails when that is not this checkout's. And the
//! binary must start on the bastions people use: no `GLIBC_ABI_DT_RELR` requirement (glibc 2.36
//! only), which Amazon Linux 2023 and Ubuntu 22.04 refuse.

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
    // The binary cargo built for these tests (linked against glibc, as a default build is), and
    // the one the end-to-end tests drive (in CI the portable build, linked against glibc 2.17).
    let built = std::path::PathBuf::from(env!("CARGO_BIN_EXE_opsdash"));
    let driven = std::env::var_os("OPSDASH_E2E_BIN").map(std::path::PathBuf::from);
    for bin in std::iter::once(built).chain(driven) {
        let bytes = std::fs::read(&bin).unwrap();
        let needle = b"GLIBC_ABI_DT_RELR";
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{} requires GLIBC_ABI_DT_RELR: it would not start on Amazon Linux 2023 or Ubuntu 22.04",
            bin.display()
        );
    }
}
