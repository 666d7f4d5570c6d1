import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// The root command only declares the tree; each subcommand lives in its own file.
@main
struct BinlogSinkCommand: ParsableCommand {
    static func main() {
        #if canImport(Glibc)
            // glibc gives every thread its own malloc arena and keeps freed memory in each: with render workers that
            // multiplies peak memory for nothing. Two arenas are plenty for this process.
            _ = glibcMallopt(-8 /* M_ARENA_MAX, malloc.h */, 2)
        #endif
        ConfigFileLauncher.main(Array(CommandLine.arguments.dropFirst()))
    }

    static let configuration = CommandConfiguration(
        commandName: "binlog-sink",
        abstract: "Change data capture from MySQL and MariaDB row-based binlogs.",
        discussion: """
            Exit status: 0 done; 1 the input is damaged or cannot be decoded (every record before the damage \
            was written); 2 a file or the source could not be read or written; 3 the sink refused records; 4 the \
            saved state cannot be used; 5 another run holds the state directory; 6 stopped at once by a second \
            signal; 7 a graceful stop exceeded --shutdown-timeout; 64 bad command-line usage (docs/operations.md).
            """,
        version: "0.1.0",
        subcommands: [
            ParseCommand.self, RunCommand.self, CheckCommand.self, SchemaCommand.self, PositionCommand.self,
            BenchCommand.self, ValidateCommand.self, StatusCommand.self, SnapshotCommand.self,
        ]
    )
}

#if canImport(Glibc)
    /// glibc's `mallopt` (declared in malloc.h, which the Glibc module does not export).
    @_silgen_name("mallopt")
    func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
