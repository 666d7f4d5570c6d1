/// A MySQL/MariaDB character set, e.g. utf8mb4, latin1 or binary: what a string column's bytes are encoded in.
///
/// Comes from a column's collation id (table map metadata, query event status variables) via `forCollation`, or
/// from a name via `named`. Equality and hashing use the character set alone, not the collation it came from.
public struct Charset: Sendable, Hashable, CustomStringConvertible {
    /// MySQL's name: "utf8mb4", "utf8mb3" (which MySQL 5.x and older MariaDB call "utf8"), "latin1", "binary", ...
    public let name: String
    let id: CharsetID

    init(_ id: CharsetID) {
        self.id = id
        self.name = id.name
    }

    public static let utf8mb4 = Charset(.utf8mb4)
    public static let utf8mb3 = Charset(.utf8mb3)
    public static let latin1 = Charset(.latin1)
    public static let binary = Charset(.binary)

    /// The character set of collation `id`, nil when the id is unknown.
    ///
    /// Covers every collation of MariaDB 10.11+ and MySQL 5.7/8.0/8.4/9.x. Ids 2048...4095 are MariaDB's
    /// UCA-14.0.0 collations (utf8mb4_uca1400_ai_ci = 2304, ...), whose id encodes the character set in bits 8...10
    /// (0 utf8mb3, 1 utf8mb4, 2 ucs2, 3 utf16, 4 utf32; MariaDB's strings/ctype-uca1400.h) — computed rather than
    /// listed so collations that newer MariaDB releases add in that range are known too.
    public static func forCollation(_ id: UInt16) -> Charset? {
        if id >= 2048 && id <= 4095 {
            switch (id >> 8) & 7 {
            case 0: return Charset(.utf8mb3)
            case 1: return Charset(.utf8mb4)
            case 2: return Charset(.ucs2)
            case 3: return Charset(.utf16)
            case 4: return Charset(.utf32)
            default: return nil
            }
        }
        guard let charset = CollationTable.charset(forCollation: id) else { return nil }
        return Charset(charset)
    }

    /// The character set called `name`, case-insensitively; "utf8" means utf8mb3, as in MySQL 8 and MariaDB's
    /// default old_mode. Nil when the name is unknown.
    public static func named(_ name: String) -> Charset? {
        let lowered = name.lowercased()
        if lowered == "utf8" {
            return Charset(.utf8mb3)
        }
        for id in CharsetID.allCases where id.name == lowered {
            return Charset(id)
        }
        return nil
    }

    /// True for the binary pseudo character set (collation 63): bytes, not text; callers render them as base64.
    public var isBinary: Bool { id == .binary }

    /// The most bytes one character takes: 1 for latin1, 3 for utf8mb3, 4 for utf8mb4, 2 for ucs2, 4 for utf16/utf32.
    public var maxBytesPerChar: Int { id.maxBytesPerChar }

    public var description: String { name }

    public static func == (lhs: Charset, rhs: Charset) -> Bool {
        lhs.id == rhs.id
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
    }
}
