// TEMPORARY until the charset module lands.
public struct Charset: Sendable, Hashable {
    public let name: String
    public static func forCollation(_ id: UInt16) -> Charset? { id == 63 ? Charset(name: "binary") : (id == 8 || id == 47 || id == 48 ? Charset(name: "latin1") : Charset(name: "utf8mb4")) }
    public static func named(_ name: String) -> Charset? { Charset(name: name) }
    public var isBinary: Bool { name == "binary" }
    public var maxBytesPerChar: Int { 4 }
}
public enum JSONString {
    public static func append(_ bytes: UnsafeRawBufferPointer, charset: Charset, into out: inout [UInt8]) {
        if charset.name == "latin1" {
            out.append(34)
            for b in bytes { if b < 0x80 { out.append(b) } else { out.append(0xc0 | (b >> 6)); out.append(0x80 | (b & 0x3f)) } }
            out.append(34); return
        }
        appendUTF8(bytes, into: &out)
    }
    public static func appendUTF8(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.append(34)
        for b in bytes {
            switch b {
            case 34: out.append(92); out.append(34)
            case 92: out.append(92); out.append(92)
            case 10: out.append(92); out.append(110)
            case 0..<32: out.append(contentsOf: Array("\\u00".utf8)); let h = Array("0123456789abcdef".utf8); out.append(h[Int(b >> 4)]); out.append(h[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(34)
    }
    public static func append(_ string: String, into out: inout [UInt8]) {
        var s = string
        s.withUTF8 { appendUTF8(UnsafeRawBufferPointer($0), into: &out) }
    }
}
