import ArgumentParser

/// The root command only declares the tree; each subcommand lives in its own file.
@main
struct BinlogSinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "binlog-sink",
        abstract: "Change data capture from MySQL and MariaDB row-based binlogs.",
        discussion: """
            Exit status: 0 done; 1 the input is damaged or cannot be decoded (every record before the damage \
            was written); 2 a file could not be read or written; 64 bad command-line usage.
            """,
        version: "0.1.0",
        subcommands: [ParseCommand.self, BenchCommand.self]
    )
}
