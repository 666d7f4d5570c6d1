/// Hex text to bytes for test vectors (whitespace and newlines between digits are ignored).
public enum Hex {
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    public static func bytes(_ text: String) throws -> [UInt8] {
        var result: [UInt8] = []
        var high: UInt8?
        for character in text.utf8 {
            let nibble: UInt8
            switch character {
            case 48...57: nibble = character - 48
            case 97...102: nibble = character - 87
            case 65...70: nibble = character - 55
            case 32, 10, 13, 9: continue
            default: throw Invalid(description: "not a hex digit: \(character)")
            }
            if let pending = high {
                result.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { throw Invalid(description: "odd number of hex digits") }
        return result
    }

    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
