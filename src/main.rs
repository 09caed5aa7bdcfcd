//! The `dard` command-line tool: parses flags and calls into the library crates.

fn main() {
    println!("dard");
}
