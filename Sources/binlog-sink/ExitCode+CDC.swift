import ArgumentParser
import CDCCore

/// Maps the core's errors to the documented exit statuses (docs/operations.md) and logs them.
///
/// 0 done; 1 the input is damaged or cannot be decoded; 2 a file or the source could not be read or written (the
/// source unreachable after `--reconnect-timeout`); 3 the sink refused records permanently; 4 the saved state
/// cannot be used; 5 another run holds the state directory (cron: try again at the next tick); 6 stopped at once by
/// a second SIGTERM/SIGINT; 7 a graceful stop did not finish within `--shutdown-timeout`; 64 bad command-line usage.
enum ErrorReporter {
    static let lockedStatus: Int32 = 5
    static let secondSignalStatus: Int32 = 6
    static let shutdownTimeoutStatus: Int32 = 7

    static func exit(for error: CDCError) -> ExitCode {
        printError(error.description)
        return ExitCode(status(for: error.code))
    }

    static func status(for code: CDCError.Code) -> Int32 {
        switch code {
        case .decode: return 1
        case .io: return 2
        case .usage: return 64
        case .sink: return 3
        case .state: return 4
        case .locked: return lockedStatus
        }
    }

    static func printError(_ message: String) {
        Logger.error(message)
    }

    /// Writes `text` to stderr as it is (a summary the user asked for), whatever the log format.
    static func printStderr(_ text: String) {
        Logger.write(text)
    }
}
