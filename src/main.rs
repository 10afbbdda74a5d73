#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    govscan::alloc::configure();
    std::process::exit(govscan::cli::main());
}
