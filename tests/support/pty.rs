//! A real pseudo-terminal for end-to-end tests: the binary (release when `OPSDASH_E2E_BIN` points
//! at it, as the test script does) runs in it; keys go in, the screen comes out through a
//! terminal-emulator parser.
#![allow(dead_code)]

use portable_pty::{CommandBuilder, NativePtySystem, PtyPair, PtySize, PtySystem};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn binary() -> PathBuf {
    std::env::var_os("OPSDASH_E2E_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_opsdash")),
        PathBuf::from,
    )
}

pub struct Pty {
    pub pair: PtyPair,
    pub parser: Arc<Mutex<vt100::Parser>>,
    pub raw: Arc<Mutex<Vec<u8>>>,
    pub writer: Box<dyn Write + Send>,
    pub home: PathBuf,
}

/// Homes handed out so far in this test binary.
static HOMES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

impl Pty {
    pub fn open(cols: u16, rows: u16) -> Pty {
        let pair = NativePtySystem::default()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        // A home of its own (tests run in parallel), removed when the terminal is dropped.
        let home = std::env::temp_dir().join(format!(
            "opsdash-e2e-{}-{}",
            std::process::id(),
            HOMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        Pty {
            pair,
            parser,
            raw,
            writer,
            home,
        }
    }

    pub fn spawn(
        &self,
        program: &std::path::Path,
        args: &[&str],
    ) -> Box<dyn portable_pty::Child + Send + Sync> {
        self.spawn_env(program, args, &[])
    }

    /// Spawns with extra environment; AWS settings of the test's own environment never leak in.
    pub fn spawn_env(
        &self,
        program: &std::path::Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Box<dyn portable_pty::Child + Send + Sync> {
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") {
                cmd.env_remove(&k);
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", &self.home);
        cmd.env("XDG_CONFIG_HOME", self.home.join("config"));
        cmd.env("XDG_STATE_HOME", self.home.join("state"));
        cmd.env_remove("NO_COLOR");
        self.pair
            .slave
            .spawn_command(cmd)
            .expect("spawn in the pty")
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn wait_for(&self, what: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {what:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let a lone Esc be read as Esc, not as the start of an escape sequence.
        std::thread::sleep(Duration::from_millis(120));
    }
}

pub fn wait_exit(
    child: &mut Box<dyn portable_pty::Child + Send + Sync>,
    timeout: Duration,
) -> portable_pty::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("opsdash did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `stty -a` in the same pseudo-terminal: the terminal must be back in cooked mode.
pub fn assert_cooked_mode(pty: &mut Pty) {
    let before = pty.raw.lock().unwrap().len();
    let mut stty = pty.spawn(std::path::Path::new("stty"), &["-a"]);
    wait_exit(&mut stty, Duration::from_secs(5));
    let start = Instant::now();
    loop {
        let out = String::from_utf8_lossy(&pty.raw.lock().unwrap()[before..]).to_string();
        if out.contains("icanon") {
            let words: Vec<&str> = out.split_whitespace().collect();
            assert!(words.contains(&"icanon"), "canonical mode restored: {out}");
            assert!(words.contains(&"echo"), "echo restored: {out}");
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no stty output: {out:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
