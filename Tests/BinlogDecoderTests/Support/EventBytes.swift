import BinlogDecoder

/// Small helpers for hand-made events.
enum EventBytes {
    /// `event` with its last 4 bytes replaced by the CRC32 of the rest (as servers with `binlog_checksum=CRC32` write).
    static func sealed(_ event: [UInt8]) -> [UInt8] {
        guard event.count >= 4 else { return event }
        let crc = CRC32.checksum(event.dropLast(4))
        var copy = event
        copy.replaceSubrange(
            (copy.count - 4)..., with: (0..<4).map { UInt8(truncatingIfNeeded: crc >> UInt32(8 * $0)) })
        return copy
    }

    /// A 19-byte header followed by `body`, event_size filled in.
    static func event(type: UInt8, body: [UInt8], serverID: UInt32 = 1, timestamp: UInt32 = 0, flags: UInt16 = 0)
        -> [UInt8]
    {
        let size = UInt32(19 + body.count)
        var out: [UInt8] = []
        out += (0..<4).map { UInt8(truncatingIfNeeded: timestamp >> UInt32(8 * $0)) }
        out.append(type)
        out += (0..<4).map { UInt8(truncatingIfNeeded: serverID >> UInt32(8 * $0)) }
        out += (0..<4).map { UInt8(truncatingIfNeeded: size >> UInt32(8 * $0)) }
        out += [0, 0, 0, 0, UInt8(flags & 0xff), UInt8(flags >> 8)]
        return out + body
    }
}
