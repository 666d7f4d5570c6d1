import ArgumentParser
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Every message a command prints on stderr goes through here: text (`binlog-sink: warning: …`, as before) or JSON
/// lines (`{"ts":"2026-11-22T04:20:20.123Z","level":"warn","msg":"…",…fields}`), filtered by level
/// (`--log-format`, `--log-level`). Messages never hold a password: callers pass what they would have printed.
enum Logger {
    enum Level: String, CaseIterable, ExpressibleByArgument, Comparable, Sendable {
        case error, warn, info, debug

        var rank: Int {
            switch self {
            case .error: return 0
            case .warn: return 1
            case .info: return 2
            case .debug: return 3
            }
        }

        static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    enum Format: String, CaseIterable, ExpressibleByArgument, Sendable {
        case text, json
    }

    private static let settings = Mutex<(format: Format, level: Level)>((.text, .info))

    static func configure(format: Format, level: Level) {
        settings.withLock { $0 = (format, level) }
    }

    static var format: Format { settings.withLock { $0.format } }

    static func enabled(_ level: Level) -> Bool { settings.withLock { level <= $0.level } }

    static func error(_ message: String, _ fields: [(String, String)] = []) { log(.error, message, fields) }
    static func warn(_ message: String, _ fields: [(String, String)] = []) { log(.warn, message, fields) }
    static func info(_ message: String, _ fields: [(String, String)] = []) { log(.info, message, fields) }
    static func debug(_ message: String, _ fields: [(String, String)] = []) { log(.debug, message, fields) }

    static func log(_ level: Level, _ message: String, _ fields: [(String, String)] = []) {
        let (format, threshold) = settings.withLock { ($0.format, $0.level) }
        guard level <= threshold else { return }
        write(line(level, message, fields, format: format, now: timespecNow()))
    }

    /// One formatted line (without the newline).
    static func line(
        _ level: Level, _ message: String, _ fields: [(String, String)], format: Format, now: timespec
    ) -> String {
        switch format {
        case .text:
            let prefix: String
            switch level {
            case .error: prefix = "binlog-sink: error: "
            case .warn: prefix = "binlog-sink: warning: "
            case .info: prefix = "binlog-sink: "
            case .debug: prefix = "binlog-sink: debug: "
            }
            let extra = fields.map { " \($0.0)=\($0.1)" }.joined()
            return prefix + message + extra
        case .json:
            var text = "{\"ts\":" + quoted(timestamp(now)) + ",\"level\":" + quoted(level.rawValue)
            text += ",\"msg\":" + quoted(message)
            for (key, value) in fields where !["ts", "level", "msg"].contains(key) {
                text += "," + quoted(key) + ":" + quoted(value)
            }
            return text + "}"
        }
    }

    static func timespecNow() -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now
    }

    /// RFC 3339 in UTC with milliseconds.
    static func timestamp(_ now: timespec) -> String {
        var seconds = time_t(now.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let milliText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(milliText)Z"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Writes the line and a newline to stderr in one go (lines of several threads never interleave).
    static func write(_ text: String) {
        var line = Array(text.utf8)
        line.append(10)
        line.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count, let base = raw.baseAddress {
                let wrote = Glibc.write(2, base + done, raw.count - done)
                if wrote <= 0 { return }
                done += wrote
            }
        }
    }
}

/// `--log-format` and `--log-level`, for the commands that log while they run.
struct LogOptions: ParsableArguments {
    @Option(help: "Log lines on stderr: text, or json (one object per line: ts, level, msg and fields).")
    var logFormat: Logger.Format = .text

    @Option(help: "The least important messages shown: error, warn, info or debug.")
    var logLevel: Logger.Level = .info

    func apply() { Logger.configure(format: logFormat, level: logLevel) }
}

extension Logger {
    /// A summary the user asked for (`--stats`): as it is in text format, one `info` line in JSON.
    static func summary(_ text: String) {
        if format == .json { info(text) } else { write(text) }
    }
}
