//! The `policyscan` binary: parses flags into settings and hands them to the
//! library. All real work lives in the library modules; errors are turned into
//! a message that says what went wrong and what to do, at this edge only.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
