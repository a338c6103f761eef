//! A loopback TCP proxy in front of moto that can misbehave on demand: pass traffic through,
//! stall (accept and read requests, never answer: the network black hole an on-call engineer
//! meets when a VPN drops), or refuse (close every connection at once). It forwards bytes; it
//! does not speak or imitate any AWS API — moto answers everything that gets through.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Pass = 0,
    Stall = 1,
    Refuse = 2,
}

pub struct FaultProxy {
    pub endpoint: String,
    mode: Arc<AtomicU8>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`host:port`) on a free loopback port.
    pub fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(Mode::Pass as u8));
        let (m, upstream) = (mode.clone(), upstream.to_owned());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let (m, upstream) = (m.clone(), upstream.clone());
                std::thread::spawn(move || serve(client, &upstream, &m));
            }
        });
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            mode,
        }
    }

    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }
}

fn mode(m: &AtomicU8) -> Mode {
    match m.load(Ordering::SeqCst) {
        1 => Mode::Stall,
        2 => Mode::Refuse,
        _ => Mode::Pass,
    }
}

fn serve(mut client: TcpStream, upstream: &str, m: &Arc<AtomicU8>) {
    if mode(m) == Mode::Refuse {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    let (Ok(mut up_read), Ok(mut client_write)) = (up.try_clone(), client.try_clone()) else {
        return;
    };
    // Answers flow back while the proxy passes; a stalled connection never answers again.
    let back_mode = m.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = up_read.read(&mut buf) {
            if n == 0 || mode(&back_mode) == Mode::Stall {
                break;
            }
            if client_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
    let mut buf = [0u8; 16 * 1024];
    let mut stalled = false;
    while let Ok(n) = client.read(&mut buf) {
        if n == 0 {
            break;
        }
        match mode(m) {
            Mode::Pass if !stalled => {
                if up.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Mode::Refuse => break,
            // Read and drop: the connection stays open and silent until the client gives up.
            _ => stalled = true,
        }
    }
    let _ = up.shutdown(Shutdown::Both);
    let _ = client.shutdown(Shutdown::Both);
}
