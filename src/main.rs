//! The `rosa` command line: a thin adapter over the library. It parses flags,
//! reads files, calls the engine and prints JSON or tables; it decides nothing.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = cli::exit_code(&err);
            eprintln!("rosa: {}", cli::render_error(&err));
            ExitCode::from(code)
        }
    }
}
