/// Every character set MariaDB 10.11 or MySQL 8.0/8.4/9.x knows, with what the converter needs about each.
///
/// Internal so the public `Charset` can stay a plain name plus this tag; the generated `CollationTable` maps
/// collation ids onto these cases.
enum CharsetID: UInt8, CaseIterable, Sendable {
    case armscii8, ascii, big5, binary, cp1250, cp1251, cp1256, cp1257, cp850, cp852, cp866, cp932, dec8, eucjpms
    case euckr, gb18030, gb2312, gbk, geostd8, greek, hebrew, hp8, keybcs2, koi8r, koi8u, latin1, latin2, latin5
    case latin7, macce, macroman, sjis, swe7, tis620, ucs2, ujis, utf16, utf16le, utf32, utf8mb3, utf8mb4

    /// How bytes in this character set become Unicode.
    enum Decoding: Sendable {
        /// UTF-8 (utf8mb3, utf8mb4): validated and copied.
        case utf8
        /// 7-bit ASCII: bytes 0x80 and up have no character and become U+FFFD.
        case ascii
        /// A one-byte character set: `SingleByteTables` maps each byte.
        case singleByte([UInt16])
        /// UCS-2, big-endian, the Basic Multilingual Plane only.
        case ucs2
        /// UTF-16, big-endian (`utf16`) or little-endian (`utf16le`).
        case utf16(bigEndian: Bool)
        /// UTF-32, big-endian.
        case utf32
        /// A multi-byte East Asian character set, converted by glibc's iconv from the named encoding.
        case iconv(IconvConverter)
    }

    /// MySQL's name; MySQL 5.x and MariaDB before 10.6 call utf8mb3 "utf8".
    var name: String {
        switch self {
        case .armscii8: "armscii8"
        case .ascii: "ascii"
        case .big5: "big5"
        case .binary: "binary"
        case .cp1250: "cp1250"
        case .cp1251: "cp1251"
        case .cp1256: "cp1256"
        case .cp1257: "cp1257"
        case .cp850: "cp850"
        case .cp852: "cp852"
        case .cp866: "cp866"
        case .cp932: "cp932"
        case .dec8: "dec8"
        case .eucjpms: "eucjpms"
        case .euckr: "euckr"
        case .gb18030: "gb18030"
        case .gb2312: "gb2312"
        case .gbk: "gbk"
        case .geostd8: "geostd8"
        case .greek: "greek"
        case .hebrew: "hebrew"
        case .hp8: "hp8"
        case .keybcs2: "keybcs2"
        case .koi8r: "koi8r"
        case .koi8u: "koi8u"
        case .latin1: "latin1"
        case .latin2: "latin2"
        case .latin5: "latin5"
        case .latin7: "latin7"
        case .macce: "macce"
        case .macroman: "macroman"
        case .sjis: "sjis"
        case .swe7: "swe7"
        case .tis620: "tis620"
        case .ucs2: "ucs2"
        case .ujis: "ujis"
        case .utf16: "utf16"
        case .utf16le: "utf16le"
        case .utf32: "utf32"
        case .utf8mb3: "utf8mb3"
        case .utf8mb4: "utf8mb4"
        }
    }

    /// The longest character in bytes: information_schema.CHARACTER_SETS.MAXLEN (the tests compare with the server's).
    var maxBytesPerChar: Int {
        switch self {
        case .big5, .cp932, .gbk, .gb2312, .sjis, .euckr, .ucs2: 2
        case .eucjpms, .ujis, .utf8mb3: 3
        case .gb18030, .utf16, .utf16le, .utf32, .utf8mb4: 4
        default: 1
        }
    }

    /// How to convert this character set's bytes. `binary` has no characters; the converter reads it as latin1 so a
    /// caller that sends binary bytes through anyway still gets valid JSON (callers are meant to base64 it).
    var decoding: Decoding {
        switch self {
        case .utf8mb3, .utf8mb4: .utf8
        case .ascii: .ascii
        case .binary: .singleByte(SingleByteTables.latin1)
        case .ucs2: .ucs2
        case .utf16: .utf16(bigEndian: true)
        case .utf16le: .utf16(bigEndian: false)
        case .utf32: .utf32
        default:
            if let table = SingleByteTables.table(for: self) {
                .singleByte(table)
            } else if let converter = IconvConverter.converter(for: self) {
                .iconv(converter)
            } else {
                // Unreachable: every remaining case has a table or a converter. ASCII keeps the output valid.
                .ascii
            }
        }
    }
}
