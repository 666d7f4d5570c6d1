import ArgumentParser
import StateStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `binlog-sink position show|set`: look at or (with care) change the saved position of a state directory.
struct PositionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "position",
        abstract: "Show or set the saved source position of a state directory.",
        subcommands: [Show.self, Set.self]
    )

    struct StateOptions: ParsableArguments {
        @Option(help: "The state directory (holds state.sqlite).")
        var state: String = StateStore.defaultDirectory
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the saved position: file:offset, GTID set, in-transaction checkpoint, time saved.",
            discussion: """
                Reads without taking the state's lock, so it works while a run is going. Exit status 2 when the \
                directory holds no state or no saved position.
                """
        )

        @OptionGroup var options: StateOptions

        func run() throws {
            let store: StateStore
            let saved: SavedPosition?
            do {
                store = try StateStore.open(directory: options.state, mode: .readOnly)
                saved = try store.loadPosition()
            } catch {
                throw PositionCommand.exit(for: error)
            }
            guard let saved else {
                ErrorReporter.printError("\(store.databasePath): no position has been saved yet")
                throw ExitCode(2)
            }
            print(PositionCommand.render(saved, path: store.databasePath))
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the saved position (the next run resumes there).",
            discussion: """
                Give either --file and --pos, or --gtid. Any in-transaction checkpoint is dropped. Refused while \
                a run holds the state. Moving the position backwards re-delivers records; moving it forwards \
                skips them. Without --yes nothing is changed.
                """
        )

        @OptionGroup var options: StateOptions

        @Option(help: "Binlog file name to resume from (with --pos).")
        var file: String?

        @Option(help: "Byte offset in --file of the event to resume from (4 = the first event).")
        var pos: UInt64?

        @Option(help: "GTID set to resume after (MySQL uuid:1-5,… or MariaDB domain-server-sequence,…).")
        var gtid: String?

        @Flag(help: "Really change the saved position.")
        var yes = false

        func validate() throws {
            if gtid != nil && (file != nil || pos != nil) {
                throw ValidationError("give either --file and --pos, or --gtid, not both")
            }
            if gtid == nil && (file == nil || pos == nil) {
                throw ValidationError(
                    file == nil && pos == nil ? "give --file and --pos, or --gtid" : "--file and --pos go together")
            }
            if let pos, pos < 4 { throw ValidationError("--pos must be 4 or more (the first event starts at 4)") }
            if let file, file.isEmpty || file.contains("/") {
                throw ValidationError("--file is a binlog file name as the server reports it, without a directory")
            }
            if let gtid, gtid.allSatisfy({ $0 == " " }) { throw ValidationError("--gtid must not be empty") }
        }

        func run() throws {
            let binlog = file.flatMap { name in pos.map { BinlogFilePosition(file: name, offset: $0) } }
            let wanted = binlog.map { "\($0)" } ?? "GTID \(gtid ?? "")"
            do {
                guard yes else {
                    // Only look (no lock, nothing created) to say what would change.
                    let current = try? StateStore.open(directory: options.state, mode: .readOnly).loadPosition()
                    let before = current.map { PositionCommand.summary($0) } ?? "no saved position"
                    ErrorReporter.printError(
                        "refusing to change the saved position in \(options.state) without --yes "
                            + "(now: \(before); wanted: \(wanted))")
                    throw ExitCode(64)
                }
                // Opening read-write takes the lock: refused while a run (or another `position set`) holds it.
                let store = try StateStore.open(directory: options.state)
                let before = try store.loadPosition().map { PositionCommand.summary($0) } ?? "no saved position"
                try store.setPosition(binlog: binlog, gtidSet: binlog == nil ? gtid : nil)
                print("position of \(store.databasePath) set to \(wanted) (was: \(before))")
            } catch let error as StateStoreError {
                throw PositionCommand.exit(for: error)
            }
        }
    }

    static func exit(for error: StateStoreError) -> ExitCode {
        ErrorReporter.printError(error.description)
        switch error.kind {
        case .invalidValue: return ExitCode(64)
        case .corrupt, .incompatible: return ExitCode(1)
        case .sqlite, .locked, .noState, .io: return ExitCode(2)
        }
    }

    static func summary(_ position: SavedPosition) -> String {
        var parts: [String] = []
        if let binlog = position.binlog { parts.append("\(binlog)") }
        if let gtid = position.gtidSet { parts.append("GTID \(gtid)") }
        if let transaction = position.transaction {
            parts.append("inside the transaction at \(transaction.start) after \(transaction.recordsDelivered) records")
        }
        return parts.joined(separator: ", ")
    }

    static func render(_ position: SavedPosition, path: String) -> String {
        var lines = ["state:       \(path)"]
        lines.append("position:    \(position.binlog.map { "\($0)" } ?? "(none: resume by GTID)")")
        lines.append("gtid:        \(position.gtidSet ?? "(none)")")
        if position.serverID != nil || position.serverUUID != nil {
            let id = position.serverID.map { "id \($0)" }
            let uuid = position.serverUUID.map { "uuid \($0)" }
            lines.append("server:      \([id, uuid].compactMap { $0 }.joined(separator: ", "))")
        }
        if let transaction = position.transaction {
            lines.append(
                "transaction: started at \(transaction.start), \(transaction.recordsDelivered) records delivered "
                    + "(a restart reads from the start and skips them)")
        } else {
            lines.append("transaction: (none: the position is at a transaction boundary)")
        }
        lines.append("updated:     \(iso8601(milliseconds: position.updatedAtMilliseconds))")
        return lines.joined(separator: "\n")
    }

    /// UTC, millisecond precision: 2026-11-21T23:52:02.123Z.
    static func iso8601(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "\(milliseconds) ms since the epoch" }
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + "\(pad(Int32(milliseconds % 1000), 3))Z"
    }
}
