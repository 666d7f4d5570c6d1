/// Builds TABLE_MAP_EVENT bodies by the documented layout (MySQL's `Table_map_log_event`): table_id u48 · flags u16 ·
/// db_len u8 · db · NUL · table_len u8 · table · NUL · column_count (packed) · column_types · metadata_len (packed) ·
/// metadata · null_bitmap · optional metadata TLVs (type u8 · length (packed) · value).
struct TableMapBuilder {
    var tableID: UInt64 = 42
    var database = "db"
    var table = "t"
    var types: [UInt8] = []
    var metadata: [UInt8] = []
    /// nil: every column nullable.
    var nullBitmap: [UInt8]?
    var optional: [(UInt8, [UInt8])] = []
    /// Overrides the column count written (for hostile tables).
    var declaredCount: UInt64?

    static func packed(_ value: UInt64) -> [UInt8] {
        switch value {
        case 0..<251: return [UInt8(value)]
        case 251..<(1 << 16): return [0xfc, UInt8(value & 0xff), UInt8(value >> 8)]
        case (1 << 16)..<(1 << 24): return [0xfd, UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16)]
        default: return [0xfe] + (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
        }
    }

    static func lengthPrefixed(_ text: String) -> [UInt8] {
        packed(UInt64(text.utf8.count)) + Array(text.utf8)
    }

    var body: [UInt8] {
        var out: [UInt8] = (0..<6).map { UInt8(truncatingIfNeeded: tableID >> UInt64(8 * $0)) }
        out += [1, 0]
        out += [UInt8(database.utf8.count)] + Array(database.utf8) + [0]
        out += [UInt8(table.utf8.count)] + Array(table.utf8) + [0]
        out += Self.packed(declaredCount ?? UInt64(types.count))
        out += types
        out += Self.packed(UInt64(metadata.count)) + metadata
        out += nullBitmap ?? [UInt8](repeating: 0xff, count: (types.count + 7) / 8)
        for (kind, value) in optional {
            out += [kind] + Self.packed(UInt64(value.count)) + value
        }
        return out
    }
}
