/// The one error type of the decoder.
///
/// Inner decoders throw it with a `code` and a `message`; the event framer adds where it happened
/// (`offset` of the event in its file or stream, and the event's type code), so a user can find the event with
/// `mariadb-binlog --start-position=<offset>`.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The input ended inside a header or an event body.
        case truncated
        /// The file does not start with the binlog magic `\xfebin`.
        case badMagic
        /// An event-size field that cannot be right (smaller than a header, larger than the limit).
        case badEventSize
        /// The CRC32 stored in the event does not match its bytes.
        case checksumMismatch
        /// A field inside an event body is inconsistent (a length past the end, an impossible value).
        case malformed
        /// A value needs something this decoder does not have (e.g. no table map for a rows event).
        case missingContext
        /// A configured safety limit was exceeded (nesting depth, column count, event size).
        case limitExceeded
        /// zstd/zlib reported an error, or is not available.
        case decompression
    }

    public var code: Code
    public var message: String
    /// Byte offset of the event that failed, in its file (or stream), when known.
    public var offset: UInt64?
    /// The binlog event type code of the event that failed, when known.
    public var eventType: UInt8?

    public init(_ code: Code, _ message: String, offset: UInt64? = nil, eventType: UInt8? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.eventType = eventType
    }

    /// The same error with the event's position attached, unless an inner layer already set one.
    public func at(offset: UInt64, eventType: UInt8?) -> DecodeError {
        var copy = self
        if copy.offset == nil { copy.offset = offset }
        if copy.eventType == nil { copy.eventType = eventType }
        return copy
    }

    public var description: String {
        var text = ""
        if let offset { text += "at offset \(offset): " }
        if let eventType { text += "\(EventType(rawValue: eventType).name) event: " }
        text += message
        return text
    }
}
