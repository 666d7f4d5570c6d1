/// The 19-byte header of every binlog v4 event.
///
/// `timestamp` u32 · `type` u8 · `server_id` u32 · `event_size` u32 (header + body + checksum) ·
/// `log_pos` u32 (position of the next event; 0 inside compressed transactions and for some artificial events) ·
/// `flags` u16. All little-endian.
public struct EventHeader: Sendable, Equatable {
    public static let size = 19

    public var timestamp: UInt32
    public var type: EventType
    public var serverID: UInt32
    public var eventSize: UInt32
    public var logPosition: UInt32
    public var flags: UInt16

    /// `LOG_EVENT_BINLOG_IN_USE_F`: set in the format description of a file the server still has open.
    public static let binlogInUseFlag: UInt16 = 0x0001
    /// `LOG_EVENT_ARTIFICIAL_F`: an event made up by the server (e.g. the fake rotate at the start of a stream).
    public static let artificialFlag: UInt16 = 0x0020

    public init(
        timestamp: UInt32, type: EventType, serverID: UInt32, eventSize: UInt32, logPosition: UInt32, flags: UInt16
    ) {
        self.timestamp = timestamp
        self.type = type
        self.serverID = serverID
        self.eventSize = eventSize
        self.logPosition = logPosition
        self.flags = flags
    }

    /// Reads a header from `bytes` at `offset`; nil when fewer than 19 bytes are there.
    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> EventHeader? {
        guard offset >= 0, bytes.count - offset >= size, let base = bytes.baseAddress else { return nil }
        let p = base + offset
        return EventHeader(
            timestamp: p.loadUnaligned(as: UInt32.self).littleEndian,
            type: EventType(rawValue: p.load(fromByteOffset: 4, as: UInt8.self)),
            serverID: p.loadUnaligned(fromByteOffset: 5, as: UInt32.self).littleEndian,
            eventSize: p.loadUnaligned(fromByteOffset: 9, as: UInt32.self).littleEndian,
            logPosition: p.loadUnaligned(fromByteOffset: 13, as: UInt32.self).littleEndian,
            flags: p.loadUnaligned(fromByteOffset: 17, as: UInt16.self).littleEndian
        )
    }

    public static func parse(_ bytes: [UInt8], at offset: Int = 0) -> EventHeader? {
        bytes.withUnsafeBytes { parse($0, at: offset) }
    }
}
