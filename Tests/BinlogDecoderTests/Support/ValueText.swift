import BinlogDecoder
import TestSupport

/// A decoded value with its bytes resolved (ranges point into different arrays in different events), for comparing
/// rows across events and variants.
enum ValueText {
    static func describe(_ value: ColumnValue, _ bytes: [UInt8]) -> String {
        switch value {
        case .bytes(let range): return "bytes:" + Hex.string(bytes[range])
        case .json(let range): return "json:" + Hex.string(bytes[range])
        case .geometry(let range): return "geometry:" + Hex.string(bytes[range])
        case .vector(let range): return "vector:" + Hex.string(bytes[range])
        case .decimal(let range, let precision, let scale):
            return "decimal(\(precision),\(scale)):" + Hex.string(bytes[range])
        default: return "\(value)"
        }
    }

    static func describe(_ values: [ColumnValue], _ bytes: [UInt8]) -> [String] {
        values.map { describe($0, bytes) }
    }

    static func text(_ string: String) -> String { "bytes:" + Hex.string(Array(string.utf8)) }
}
