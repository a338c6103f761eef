//! Test support for `tests/e2e.rs`: takes the terminal over exactly as the console does (raw mode,
//! alternate screen, hidden cursor, the real panic hook), then panics, so the test can check that
//! the hook restores the terminal before the report is printed.
use ratatui::crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use ratatui::crossterm::{cursor, execute};

fn main() {
    opsdash::runtime::install_panic_hook();
    enable_raw_mode().expect("raw mode");
    execute!(std::io::stdout(), EnterAlternateScreen, cursor::Hide).expect("alternate screen");
    println!("probe: terminal taken over");
    std::thread::sleep(std::time::Duration::from_millis(300));
    panic!("probe panic: something went wrong");
}
