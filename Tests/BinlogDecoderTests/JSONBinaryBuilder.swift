/// Builds MySQL binary JSON documents for tests, laid out as MySQL's serializer does (`json_binary::serialize`):
/// header (count, size, key entries, value entries), then all keys, then the non-inlined values in order.
/// A test checks its output against a document MySQL wrote (json.binlog.000001), so generated documents are
/// trustworthy inputs for the large, deep and hostile cases that are impractical to write out byte by byte.
enum JSONBinaryBuilder {
    indirect enum Node {
        case null, `true`, `false`
        case int16(Int16), uint16(UInt16), int32(Int32), uint32(UInt32), int64(Int64), uint64(UInt64)
        case double(Double)
        case string([UInt8])
        case opaque(type: UInt8, data: [UInt8])
        case array([Node], large: Bool = false)
        case object([(String, Node)], large: Bool = false)

        static func text(_ value: String) -> Node { .string(Array(value.utf8)) }
    }

    /// A whole document: type byte then value.
    static func document(_ node: Node) -> [UInt8] {
        [type(node)] + value(node)
    }

    static func type(_ node: Node) -> UInt8 {
        switch node {
        case .null, .true, .false: return 0x04
        case .int16: return 0x05
        case .uint16: return 0x06
        case .int32: return 0x07
        case .uint32: return 0x08
        case .int64: return 0x09
        case .uint64: return 0x0A
        case .double: return 0x0B
        case .string: return 0x0C
        case .opaque: return 0x0F
        case .array(_, let large): return large ? 0x03 : 0x02
        case .object(_, let large): return large ? 0x01 : 0x00
        }
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    static func variableLength(_ length: Int) -> [UInt8] {
        var rest = length
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(rest & 0x7F)
            rest >>= 7
            if rest != 0 { byte |= 0x80 }
            out.append(byte)
        } while rest != 0
        return out
    }

    /// The value bytes without the type byte.
    static func value(_ node: Node) -> [UInt8] {
        switch node {
        case .null: return [0x00]
        case .true: return [0x01]
        case .false: return [0x02]
        case .int16(let v): return littleEndian(v)
        case .uint16(let v): return littleEndian(v)
        case .int32(let v): return littleEndian(v)
        case .uint32(let v): return littleEndian(v)
        case .int64(let v): return littleEndian(v)
        case .uint64(let v): return littleEndian(v)
        case .double(let v): return littleEndian(v.bitPattern)
        case .string(let bytes): return variableLength(bytes.count) + bytes
        case .opaque(let type, let data): return [type] + variableLength(data.count) + data
        case .array(let items, let large): return container(keys: nil, values: items, large: large)
        case .object(let members, let large):
            return container(keys: members.map { Array($0.0.utf8) }, values: members.map(\.1), large: large)
        }
    }

    static func inlined(_ node: Node, large: Bool) -> Bool {
        switch node {
        case .null, .true, .false, .int16, .uint16: return true
        case .int32, .uint32: return large
        default: return false
        }
    }

    static func container(keys: [[UInt8]]?, values: [Node], large: Bool) -> [UInt8] {
        let offsetSize = large ? 4 : 2
        func offset(_ value: Int) -> [UInt8] {
            large ? littleEndian(UInt32(value)) : littleEndian(UInt16(value))
        }
        var header = 2 * offsetSize + values.count * (offsetSize + 1)
        if let keys { header += keys.count * (offsetSize + 2) }
        var keyEntries: [UInt8] = []
        var valueEntries: [UInt8] = []
        var tail: [UInt8] = []
        if let keys {
            for key in keys {
                keyEntries += offset(header + tail.count) + littleEndian(UInt16(key.count))
                tail += key
            }
        }
        for node in values {
            if inlined(node, large: large) {
                var field = value(node)
                field += [UInt8](repeating: 0, count: offsetSize - field.count)
                valueEntries += [type(node)] + field
            } else {
                valueEntries += [type(node)] + offset(header + tail.count)
                tail += value(node)
            }
        }
        let size = header + tail.count
        return offset(values.count) + offset(size) + keyEntries + valueEntries + tail
    }
}
