import BinlogDecoder

/// The one error type of the core: what failed, where (file, offset), and what to do about it.
public struct CDCError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A file could not be opened, read or written.
        case io
        /// The binlog is damaged or cannot be decoded (wraps a `DecodeError`).
        case decode
        /// A bad argument or setting.
        case usage
        /// The sink refused records permanently (authorization, a message too large, …): nothing past them is
        /// checkpointed.
        case sink
        /// The saved state cannot be used (damaged, from another server).
        case state
        /// Another live run holds the state directory's lock.
        case locked
    }

    public var code: Code
    public var message: String
    /// The file the error is about, when there is one.
    public var file: String?
    public var decodeError: DecodeError?

    public init(_ code: Code, _ message: String, file: String? = nil, decodeError: DecodeError? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.decodeError = decodeError
    }

    public static func decode(_ error: DecodeError, file: String) -> CDCError {
        CDCError(.decode, error.description, file: file, decodeError: error)
    }

    public var description: String {
        if let file { return "\(file): \(message)" }
        return message
    }
}
