/// One MySQL global transaction identifier: `source_id:transaction_id`, or `source_id:tag:transaction_id` for the
/// tagged GTIDs of MySQL 8.4+.
///
/// `uuid` is the server UUID of the source (`server_uuid`, 16 bytes as on the wire), `tag` the optional GTID tag
/// (lower case, 1...32 characters of `[a-z0-9_]`, not starting with a digit) and `gno` the transaction number
/// (MySQL's `rpl_gno`, a signed 64-bit integer, 1 or more).
public struct MySQLGTID: Sendable, Hashable, CustomStringConvertible {
    /// `sid` / `server_uuid`: 16 bytes.
    public var uuid: [UInt8]
    /// The GTID tag (MySQL 8.4+), nil for an untagged GTID.
    public var tag: String?
    /// `gno`: the transaction's sequence number for this uuid (and tag).
    public var gno: Int64

    /// The longest tag MySQL accepts (`mysql::gtid::tag_max_length`).
    public static let maxTagLength = 32

    public init(uuid: [UInt8], tag: String? = nil, gno: Int64) {
        self.uuid = uuid
        self.tag = tag
        self.gno = gno
    }

    /// MySQL's text form: `3e11fa47-71ca-11e1-9e33-c80aa9429562:23`, or `uuid:tag:23` when tagged.
    public var description: String {
        var text = Self.uuidString(uuid)
        if let tag { text += ":" + tag }
        text += ":" + String(gno)
        return text
    }

    /// The canonical lower-case text of a UUID, `8-4-4-4-12` hex digits (as `SELECT @@server_uuid` prints it).
    public static func uuidString(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses a server uuid in its text form (`3e11fa47-71ca-11e1-9e33-c80aa9429562`, hyphens optional, either case).
    public static func parseUUID<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var high: UInt8?
        for character in text.utf8 where character != UInt8(ascii: "-") {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let value = high {
                guard bytes.count < 16 else { return nil }
                bytes.append(value << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes.count == 16 && high == nil ? bytes : nil
    }

    /// Checks a tag read from the wire the way MySQL's `Tag::from_cstring` does (ASCII letters, digits and `_`, not
    /// starting with a digit, at most 32 characters) and returns it in lower case as MySQL stores it.
    /// An empty tag means "untagged" and gives nil.
    static func validatedTag(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> String? {
        if bytes.isEmpty { return nil }
        if bytes.count > maxTagLength {
            throw DecodeError(.malformed, "GTID tag of \(bytes.count) bytes is longer than \(maxTagLength)")
        }
        var lowered: [UInt8] = []
        lowered.reserveCapacity(bytes.count)
        for (offset, byte) in bytes.enumerated() {
            let isLetter =
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            let isUnderscore = byte == UInt8(ascii: "_")
            guard isLetter || isUnderscore || (isDigit && offset > 0) else {
                throw DecodeError(
                    .malformed, "GTID tag has an invalid character 0x\(String(byte, radix: 16)) at \(offset)")
            }
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                lowered.append(byte + 32)
            } else {
                lowered.append(byte)
            }
        }
        return String(decoding: lowered, as: UTF8.self)
    }
}
