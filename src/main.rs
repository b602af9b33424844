//! `ecs-lens`: the dashboard server and the command line, in one binary. Only wiring here.

/// mimalloc: linting and serving allocate many small strings and maps (see Cargo.toml).
#[cfg(feature = "ssr")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    ecs_lens::cli::main()
}

#[cfg(not(feature = "ssr"))]
fn main() {
    eprintln!("ecs-lens was built without the `ssr` feature; build with `--features ssr`.");
    std::process::exit(2);
}
