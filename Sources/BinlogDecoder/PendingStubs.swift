// TEMPORARY: placeholders until the GTID and JSON parsers land. Deleted when they do.
public struct MySQLGTID: Sendable, Hashable, CustomStringConvertible { public var uuid: [UInt8]; public var tag: String?; public var gno: Int64; public var description: String { "" } }
public struct MySQLGTIDEvent: Sendable, Equatable {
    public var gtid: MySQLGTID?
    public static func parse(_ bytes: [UInt8], body: Range<Int>, type: EventType) throws(DecodeError) -> MySQLGTIDEvent { MySQLGTIDEvent(gtid: nil) }
}
public struct GTIDSet: Sendable, Equatable, CustomStringConvertible {
    public var description: String { "" }
    public static func parsePreviousGTIDs(_ bytes: [UInt8], body: Range<Int>) throws(DecodeError) -> GTIDSet { GTIDSet() }
}
public struct MariaGTID: Sendable, Hashable, CustomStringConvertible { public var domain: UInt32; public var server: UInt32; public var sequence: UInt64; public var description: String { "\(domain)-\(server)-\(sequence)" } }
public struct MariaGTIDEvent: Sendable, Equatable {
    public var gtid: MariaGTID
    public static func parse(_ bytes: [UInt8], body: Range<Int>, serverID: UInt32) throws(DecodeError) -> MariaGTIDEvent {
        var r = ByteReader(bytes, range: body)
        let seq = try r.readUInt64LE(); let dom = try r.readUInt32LE()
        return MariaGTIDEvent(gtid: MariaGTID(domain: dom, server: serverID, sequence: seq))
    }
}
public struct MariaGTIDList: Sendable, Equatable {
    public var gtids: [MariaGTID]
    public static func parse(_ bytes: [UInt8], body: Range<Int>) throws(DecodeError) -> MariaGTIDList { MariaGTIDList(gtids: []) }
}
public struct TransactionPayloadHeader: Sendable, Equatable {
    public enum Compression: Sendable, Equatable { case zstd, none, other(UInt64) }
    public var compression: Compression; public var payloadSize: UInt64; public var uncompressedSize: UInt64; public var payload: Range<Int>
    public static func parse(_ bytes: [UInt8], body: Range<Int>) throws(DecodeError) -> TransactionPayloadHeader {
        var r = ByteReader(bytes, range: body)
        var comp = Compression.none; var ps: UInt64 = 0; var us: UInt64 = 0
        while !r.isAtEnd {
            let t = try r.readPackedInt()
            if t == 0 { break }
            let len = try r.readPackedLength()
            var f = ByteReader(bytes, range: try r.readRange(len))
            let v = try f.readPackedInt()
            switch t { case 1: ps = v; case 2: comp = v == 0 ? .zstd : (v == 255 ? .none : .other(v)); case 3: us = v; default: break }
        }
        return TransactionPayloadHeader(compression: comp, payloadSize: ps, uncompressedSize: us, payload: r.position..<r.end)
    }
}
public indirect enum JSONValue: Sendable, Equatable { case null
    public func render(into out: inout [UInt8]) { out.append(contentsOf: Array("null".utf8)) } }
public enum MySQLJSON {
    public static func render(_ bytes: ArraySlice<UInt8>, into out: inout [UInt8]) throws(DecodeError) { out.append(contentsOf: Array("null".utf8)) }
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> JSONValue { .null }
}
public enum JSONDiff {
    public static func apply(_ diff: ArraySlice<UInt8>, to before: JSONValue) throws(DecodeError) -> JSONValue { before }
}
