/// One reply from the server, copied out of hiredis's reply object (which is freed at once).
enum RedisReply: Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    case string([UInt8])
    case array([RedisReply])
    case null

    /// Error replies that mean "not now" rather than "never": the server is loading its data set, busy with a
    /// script, or a replica that lost its primary. The sink treats them like a lost connection and retries.
    var isTransientError: Bool {
        guard case .error(let message) = self else { return false }
        for code in ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN"]
        where message.hasPrefix(code + " ") || message == code {
            return true
        }
        return false
    }

    var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    /// A short human-readable form for error messages.
    var summary: String {
        switch self {
        case .status(let text): return "+\(text)"
        case .error(let text): return "-\(text)"
        case .integer(let value): return ":\(value)"
        case .string(let bytes): return "$\(bytes.count) bytes"
        case .array(let elements): return "*\(elements.count) elements"
        case .null: return "nil"
        }
    }
}
