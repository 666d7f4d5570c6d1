/// Collation and character set names → collation ids, for schemas read from DDL or information_schema (the
/// table map carries ids). Covers each character set's default collation on MariaDB and the named collations
/// DDL commonly uses; an unknown collation name falls back to its character set's default, which renders the
/// same bytes (a collation decides ordering, not encoding).
public enum CollationNames {
    /// The default collation id of each character set (MariaDB's defaults; MySQL 8's utf8mb4 default, 255,
    /// has the same character set).
    static let defaultCollation: [String: UInt16] = [
        "big5": 1, "dec8": 3, "cp850": 4, "hp8": 6, "koi8r": 7, "latin1": 8, "latin2": 9, "swe7": 10, "ascii": 11,
        "ujis": 12, "sjis": 13, "hebrew": 16, "tis620": 18, "euckr": 19, "koi8u": 22, "gb2312": 24, "greek": 25,
        "cp1250": 26, "gbk": 28, "latin5": 30, "armscii8": 32, "utf8mb3": 33, "utf8": 33, "ucs2": 35, "cp866": 36,
        "keybcs2": 37, "macce": 38, "macroman": 39, "cp852": 40, "latin7": 41, "utf8mb4": 45, "cp1251": 51,
        "utf16": 54, "utf16le": 56, "cp1256": 57, "cp1257": 59, "utf32": 60, "binary": 63, "geostd8": 92,
        "cp932": 95, "eucjpms": 97, "gb18030": 248,
    ]

    static let named: [String: UInt16] = [
        "latin1_german1_ci": 5, "latin1_danish_ci": 15, "latin1_german2_ci": 31, "latin1_bin": 47,
        "latin1_general_ci": 48, "latin1_general_cs": 49, "latin1_spanish_ci": 94, "latin2_bin": 77,
        "ascii_bin": 65, "utf8mb3_general_ci": 33, "utf8mb3_bin": 83, "utf8mb3_unicode_ci": 192,
        "utf8mb3_general_mysql500_ci": 223, "utf8mb4_general_ci": 45, "utf8mb4_bin": 46,
        "utf8mb4_unicode_ci": 224, "utf8mb4_unicode_520_ci": 246, "utf8mb4_0900_ai_ci": 255,
        "utf8mb4_0900_as_cs": 278, "utf8mb4_0900_bin": 309, "utf8mb4_uca1400_ai_ci": 2304,
        "utf8mb3_uca1400_ai_ci": 2048, "ucs2_bin": 90, "ucs2_unicode_ci": 128, "utf16_bin": 55,
        "utf16_unicode_ci": 101, "utf32_bin": 61, "utf32_unicode_ci": 160, "cp1251_bin": 50, "cp1250_bin": 66,
        "binary": 63,
    ]

    /// The id of `collation` if given and known, else the default collation of `charset`, else nil.
    public static func collationID(charset: String?, collation: String?) -> UInt16? {
        if let collation {
            let lowered = DDLParser.normalizeCollation(collation)
            if let id = named[lowered] { return id }
            // <charset>_<rest>: the character set is the prefix up to the first underscore.
            if let underscore = lowered.firstIndex(of: "_"), let id = defaultCollation[String(lowered[..<underscore])] {
                return id
            }
        }
        if let charset { return defaultCollation[DDLParser.normalizeCharset(charset)] }
        return nil
    }
}
