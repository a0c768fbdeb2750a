fn main() -> std::process::ExitCode {
    kinmu::command_line::main()
}
