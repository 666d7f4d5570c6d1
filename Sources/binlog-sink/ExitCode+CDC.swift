import ArgumentParser
import CDCCore

#if canImport(Glibc)
    import Glibc
#endif

/// Maps the core's errors to the documented exit statuses and prints them as one line on stderr.
enum ErrorReporter {
    static func exit(for error: CDCError) -> ExitCode {
        printError(error.description)
        switch error.code {
        case .decode: return ExitCode(1)
        case .io: return ExitCode(2)
        case .usage: return ExitCode(64)
        case .sink: return ExitCode(3)
        case .state: return ExitCode(4)
        }
    }

    static func printError(_ message: String) {
        printStderr("binlog-sink: error: \(message)")
    }

    static func printStderr(_ text: String) {
        var line = Array(text.utf8)
        line.append(10)
        line.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count, let base = raw.baseAddress {
                let wrote = write(2, base + done, raw.count - done)
                if wrote <= 0 { return }
                done += wrote
            }
        }
    }
}
