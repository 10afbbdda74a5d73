fn main() {
    std::process::exit(govscan::cli::main());
}
