/// mimalloc instead of the system allocator: the import reads events on one thread and frees
/// them on another, millions of small strings each time, where glibc's allocator spent about
/// half of the import's time (perf: _int_malloc, free, unlink_chunk, malloc_consolidate).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kinmu::command_line::main()
}
