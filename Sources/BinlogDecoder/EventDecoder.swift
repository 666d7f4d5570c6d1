/// The decoder's state machine: the format description in force (checksum algorithm, post-header lengths) and
/// the table maps of the current transaction. Serves binlog files and live streams alike: feed it whole events
/// (header + body + checksum) in order.
public struct EventDecoder: Sendable {
    /// MySQL and MariaDB cap an event at `max_allowed_packet`, at most 1 GiB.
    public static let defaultMaxEventSize = 1 << 30
    /// Table maps kept at most; older transactions' maps are dropped beyond this (they are re-sent per transaction).
    static let maxTableMaps = 100_000

    public private(set) var format: FormatDescription
    public private(set) var tableMaps: [UInt64: TableMap] = [:]
    /// The body each cached table map was parsed from: a repeated, identical table map is not parsed again.
    private var tableMapBodies: [UInt64: [UInt8]] = [:]
    public var verifyChecksums: Bool
    /// Leave the CRC32 of (uncompressed) rows events to whoever decodes their rows — on another thread — which
    /// must call `RowsEvent.verifyChecksum` first. The event is still framed and its header read here.
    public var deferRowsChecksum = false
    public var maxEventSize: Int
    public let decompressor: (any Decompressor)?
    /// CRC-32 over a buffer: the pure-Swift one unless an adapter offers a faster implementation (zlib's).
    let crc32: @Sendable (UnsafeRawBufferPointer) -> UInt32

    public init(
        decompressor: (any Decompressor)?, verifyChecksums: Bool = true,
        maxEventSize: Int = EventDecoder.defaultMaxEventSize,
        crc32: (@Sendable (UnsafeRawBufferPointer) -> UInt32)? = nil
    ) {
        self.format = .defaultV4
        self.decompressor = decompressor
        self.crc32 = crc32 ?? { CRC32.update(0, $0) }
        self.verifyChecksums = verifyChecksums
        self.maxEventSize = maxEventSize
    }

    public func tableMap(for tableID: UInt64) -> TableMap? { tableMaps[tableID] }

    /// Replaces the columns of a known table map (the schema registry refines what the binlog does not carry).
    public mutating func updateTableMap(_ map: TableMap) {
        tableMaps[map.tableID] = map
        tableMapBodies[map.tableID] = nil
    }

    /// True when events (outside compressed transactions) end with a CRC32.
    public var eventsHaveChecksum: Bool { format.checksum == .crc32 }

    /// Decodes one complete event. `offset` is where it starts in its file; events taken out of a
    /// TRANSACTION_PAYLOAD are passed with `inPayload` (they carry no checksum).
    public mutating func decode(_ bytes: [UInt8], offset: UInt64, inPayload: Bool = false) throws(DecodeError)
        -> BinlogEvent
    {
        guard var header = EventHeader.parse(bytes) else {
            throw DecodeError(.truncated, "event shorter than its 19-byte header", offset: offset)
        }
        if let permutation = format.eventTypePermutation, Int(header.type.rawValue) < permutation.count {
            header.type = EventType(rawValue: permutation[Int(header.type.rawValue)])
        }
        do {
            return try decodeBody(bytes, header: header, offset: offset, inPayload: inPayload)
        } catch {
            throw error.at(offset: offset, eventType: header.type.rawValue)
        }
    }

    private mutating func decodeBody(
        _ bytes: [UInt8], header: EventHeader, offset: UInt64,
        inPayload: Bool
    ) throws(DecodeError) -> BinlogEvent {
        guard Int(header.eventSize) == bytes.count else {
            throw DecodeError(.badEventSize, "event_size \(header.eventSize) but \(bytes.count) bytes given")
        }
        var event = BinlogEvent(header: header, offset: offset, inPayload: inPayload, body: .other)
        if header.type == .formatDescription {
            let description = try FormatDescription.parse(event: bytes)
            if description.checksum == .crc32 && verifyChecksums {
                try verifyChecksum(bytes, maskInUseFlag: true)
            }
            format = description
            tableMaps.removeAll(keepingCapacity: true)
            tableMapBodies.removeAll(keepingCapacity: true)
            event.body = .formatDescription(description)
            return event
        }
        let hasChecksum = !inPayload && format.checksum == .crc32
        if hasChecksum {
            guard bytes.count >= EventHeader.size + 4 else {
                throw DecodeError(.badEventSize, "event of \(bytes.count) bytes cannot hold a checksum")
            }
            if verifyChecksums && !(deferRowsChecksum && header.type.rowsKind != nil && !header.type.isCompressedRows) {
                try verifyChecksum(bytes, maskInUseFlag: false)
            }
        }
        let body = EventHeader.size..<(bytes.count - (hasChecksum ? 4 : 0))
        let type = header.type
        switch type.rawValue {
        case EventType.query.rawValue, EventType.mariaQueryCompressed.rawValue:
            event.body = .query(
                try QueryEvent.parse(
                    bytes, body: body, postHeaderLength: format.postHeaderLength(of: type, fallback: 13),
                    compressed: type == .mariaQueryCompressed, decompressor: decompressor))
        case EventType.tableMap.rawValue:
            let postHeader = format.postHeaderLength(of: type, fallback: 8)
            var idReader = ByteReader(bytes, range: body)
            let tableID = try idReader.readLE(postHeader >= 8 ? 6 : 4, "table_id")
            if let cached = tableMaps[tableID], let cachedBody = tableMapBodies[tableID],
                cachedBody.elementsEqual(bytes[body])
            {
                event.body = .tableMap(cached)
            } else {
                let map = try TableMap.parse(bytes, body: body, postHeaderLength: postHeader)
                if tableMaps.count >= Self.maxTableMaps {
                    tableMaps.removeAll(keepingCapacity: true)
                    tableMapBodies.removeAll(keepingCapacity: true)
                }
                tableMaps[map.tableID] = map
                tableMapBodies[map.tableID] = Array(bytes[body])
                event.body = .tableMap(map)
            }
        case _ where type.rowsKind != nil:
            var rows = try RowsEvent.parse(
                bytes, body: body, type: type, postHeaderLength: format.postHeaderLength(of: type, fallback: 8),
                decompressor: decompressor)
            rows.checksumPending = hasChecksum && verifyChecksums && deferRowsChecksum && !type.isCompressedRows
            event.body = .rows(rows)
        case EventType.xid.rawValue:
            var reader = ByteReader(bytes, range: body)
            event.body = .xid(try reader.readUInt64LE("xid"))
        case EventType.rotate.rawValue:
            var reader = ByteReader(bytes, range: body)
            let position = try reader.readUInt64LE("position")
            let name = reader.readRest()
            event.body = .rotate(nextFile: String(decoding: bytes[name], as: UTF8.self), position: position)
            if header.flags & EventHeader.artificialFlag == 0 {
                tableMaps.removeAll(keepingCapacity: true)
                tableMapBodies.removeAll(keepingCapacity: true)
            }
        case EventType.stop.rawValue:
            event.body = .stop
        case EventType.gtid.rawValue, EventType.anonymousGTID.rawValue, EventType.gtidTagged.rawValue:
            event.body = .mysqlGTID(try MySQLGTIDEvent.parse(bytes, body: body, type: type))
        case EventType.previousGTIDs.rawValue:
            event.body = .previousGTIDs(try GTIDSet.parsePreviousGTIDs(bytes, body: body))
        case EventType.mariaGTID.rawValue:
            event.body = .mariaGTID(try MariaGTIDEvent.parse(bytes, body: body, serverID: header.serverID))
        case EventType.mariaGTIDList.rawValue:
            event.body = .mariaGTIDList(try MariaGTIDList.parse(bytes, body: body))
        case EventType.mariaBinlogCheckpoint.rawValue:
            var reader = ByteReader(bytes, range: body)
            let length = Int(try reader.readUInt32LE("binlog file length"))
            event.body = .mariaBinlogCheckpoint(file: try reader.readString(length, "binlog file name"))
        case EventType.mariaAnnotateRows.rawValue:
            event.body = .rowsQuery(body)
        case EventType.rowsQuery.rawValue:
            var reader = ByteReader(bytes, range: body)
            try reader.skip(1, "length byte")
            event.body = .rowsQuery(reader.readRest())
        case EventType.transactionPayload.rawValue:
            event.body = .transactionPayload(try TransactionPayloadHeader.parse(bytes, body: body))
        case EventType.heartbeat.rawValue, EventType.heartbeatV2.rawValue:
            event.body = .heartbeat
        case EventType.incident.rawValue:
            var reader = ByteReader(bytes, range: body)
            let code = try reader.readUInt16LE("incident code")
            let length = Int(try reader.readUInt8("message length"))
            event.body = .incident(code: code, message: try reader.readString(length, "message"))
        case EventType.intvar.rawValue:
            var reader = ByteReader(bytes, range: body)
            let kind = try reader.readUInt8("intvar type")
            event.body = .intvar(kind: kind, value: try reader.readUInt64LE("intvar value"))
        case EventType.rand.rawValue:
            var reader = ByteReader(bytes, range: body)
            let seed1 = try reader.readUInt64LE("seed1")
            event.body = .rand(seed1: seed1, seed2: try reader.readUInt64LE("seed2"))
        case EventType.userVar.rawValue:
            var reader = ByteReader(bytes, range: body)
            let length = Int(try reader.readUInt32LE("name length"))
            event.body = .userVar(name: try reader.readString(length, "name"))
        default:
            event.body = .other
        }
        return event
    }

    private func verifyChecksum(_ bytes: [UInt8], maskInUseFlag: Bool) throws(DecodeError) {
        try Self.verifyChecksum(bytes, crc32: crc32, maskInUseFlag: maskInUseFlag)
    }

    /// Checks an event's trailing CRC32 (its last 4 bytes, little-endian) over everything before it.
    static func verifyChecksum(
        _ bytes: [UInt8], crc32: (UnsafeRawBufferPointer) -> UInt32,
        maskInUseFlag: Bool
    ) throws(DecodeError) {
        let count = bytes.count
        guard count >= EventHeader.size + 4 else {
            throw DecodeError(.badEventSize, "event of \(count) bytes cannot hold a checksum")
        }
        let stored =
            UInt32(bytes[count - 4]) | UInt32(bytes[count - 3]) << 8
            | UInt32(bytes[count - 2]) << 16 | UInt32(bytes[count - 1]) << 24
        var computed = bytes.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[0..<(count - 4)])) }
        if computed != stored && maskInUseFlag && bytes[17] & 0x01 != 0 {
            // A file the server still had open: its format description is checksummed without the in-use flag.
            var copy = Array(bytes[0..<(count - 4)])
            copy[17] &= 0xfe
            computed = copy.withUnsafeBytes { crc32($0) }
        }
        guard computed == stored else {
            throw DecodeError(.checksumMismatch, "CRC32 mismatch: stored 0x\(hex(stored)), computed 0x\(hex(computed))")
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - text.count)) + text
    }

    /// The events inside a TRANSACTION_PAYLOAD_EVENT, decompressed piece by piece.
    public func payloadEvents(_ payload: TransactionPayloadHeader, in bytes: [UInt8]) throws(DecodeError)
        -> PayloadEventReader
    {
        let input = bytes[payload.payload]
        switch payload.compression {
        case .zstd:
            guard let decompressor else {
                throw DecodeError(.decompression, "compressed transaction but no zstd decompressor is configured")
            }
            return PayloadEventReader(stream: try decompressor.zstdStream(input), maxEventSize: maxEventSize)
        case .none:
            return PayloadEventReader(stream: PlainStream(data: input), maxEventSize: maxEventSize)
        case .other(let code):
            throw DecodeError(.decompression, "transaction payload compressed with unknown algorithm \(code)")
        }
    }
}

/// Reads the events of a transaction payload one at a time from a decompression stream.
public struct PayloadEventReader {
    var stream: any DecompressionStream
    var buffer: [UInt8] = []
    var start = 0
    let maxEventSize: Int
    /// Decompressed bytes consumed so far (events returned).
    public private(set) var consumed: Int = 0

    init(stream: any DecompressionStream, maxEventSize: Int) {
        self.stream = stream
        self.maxEventSize = maxEventSize
    }

    /// The next inner event's bytes, or nil at the end of the payload.
    public mutating func next() throws(DecodeError) -> [UInt8]? {
        try fill(upTo: EventHeader.size)
        let available = buffer.count - start
        if available == 0 { return nil }
        guard available >= EventHeader.size,
            let header = buffer.withUnsafeBytes({ EventHeader.parse($0, at: start) })
        else {
            throw DecodeError(
                .truncated, "compressed transaction ends inside an event header (\(available) bytes left)")
        }
        let size = Int(header.eventSize)
        guard size >= EventHeader.size, size <= maxEventSize else {
            throw DecodeError(.badEventSize, "event inside compressed transaction has impossible size \(size)")
        }
        // Grows only as real decompressed data arrives, never to a size taken on trust.
        try fill(upTo: size)
        guard buffer.count - start >= size else {
            throw DecodeError(
                .truncated,
                "compressed transaction ends inside a \(header.type.name) event (\(buffer.count - start) of \(size) bytes)"
            )
        }
        let event = Array(buffer[start..<(start + size)])
        start += size
        consumed += size
        return event
    }

    private mutating func fill(upTo count: Int) throws(DecodeError) {
        while buffer.count - start < count {
            if start > 0 && start >= buffer.count / 2 {
                buffer.removeFirst(start)
                start = 0
            }
            let read = try stream.read(into: &buffer, maxCount: min(count - (buffer.count - start) + 65536, 1 << 20))
            if read == 0 { return }
        }
    }
}

/// An uncompressed payload (compression type NONE) read through the same interface.
struct PlainStream: DecompressionStream {
    var data: ArraySlice<UInt8>

    mutating func read(into buffer: inout [UInt8], maxCount: Int) throws(DecodeError) -> Int {
        let count = min(maxCount, data.count)
        buffer.append(contentsOf: data.prefix(count))
        data = data.dropFirst(count)
        return count
    }
}
