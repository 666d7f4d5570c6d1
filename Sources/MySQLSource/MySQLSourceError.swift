/// The one error type of the live source: what failed, against which server, and what to do.
///
/// Never carries a password: messages are built from the user, host and port only.
public struct MySQLSourceError: Error, Sendable, CustomStringConvertible {
    /// The server's or the client library's error number (0 when the error is the tool's own).
    public var errno: UInt32
    /// The SQLSTATE the server reported ("" when none).
    public var sqlState: String
    public var message: String
    /// What to do about it ("" when nothing useful can be said).
    public var hint: String
    /// A TLS refusal (untrusted certificate, wrong host, no TLS on the server, unusable TLS files): final, never
    /// retried (`TLSRefusal`).
    public var isTLSRefusal = false

    public init(_ message: String, errno: UInt32 = 0, sqlState: String = "", hint: String = "") {
        self.message = message
        self.errno = errno
        self.sqlState = sqlState
        self.hint = hint
    }

    public var description: String {
        var text = message
        if errno != 0 { text += " (error \(errno)\(sqlState.isEmpty ? "" : ", SQLSTATE \(sqlState)"))" }
        if !hint.isEmpty { text += ": \(hint)" }
        return text
    }

    /// Error numbers after which reconnecting may help: the connection was lost, killed, timed out or the server
    /// is shutting down or restarting.
    public var isConnectionLoss: Bool {
        if isTLSRefusal { return false }
        switch errno {
        case 2002, 2003, 2006, 2013, 2026, 2055: return true  // CR_*: cannot connect, gone, lost
        // Server shutdown, aborted connection, network read/write errors and timeouts.
        case 1053, 1077, 1152, 1153, 1154, 1155, 1156, 1157, 1158, 1159, 1160, 1161: return true
        case 1927: return true  // ER_CONNECTION_KILLED
        case 1040, 1203: return true  // too many connections
        default: return false
        }
    }
}
