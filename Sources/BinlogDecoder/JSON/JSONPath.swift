/// A MySQL JSON path as a partial-update diff carries it (`Json_path::to_string`): `$` followed by member legs
/// `.name` or `."quoted name"` and array-cell legs `[3]`, `[last]`, `[last - 2]`.
///
/// Parsed like MySQL's `parse_path` (`sql-common/json_path.cc`): whitespace allowed between tokens, quoted names
/// unescaped as JSON strings, unquoted names ending at whitespace, `.`, `[` or `*` (escapes in them are decoded
/// too). Wildcards (`.*`, `[*]`, `**`) and ranges (`[1 to 3]`) select several values and never occur in diffs,
/// so they are rejected, as is anything else malformed. Unlike MySQL, an unquoted name is not checked to be an
/// ECMAScript identifier: MySQL quotes every other name when it writes a path.
struct JSONPath: Equatable {
    enum Leg: Equatable {
        case member(String)
        /// `index` counted from the start, or from the end when `fromEnd` (`[last]` is 0 from the end).
        case cell(index: UInt32, fromEnd: Bool)
    }

    var legs: [Leg]

    static func parse(_ text: ArraySlice<UInt8>) throws(DecodeError) -> JSONPath {
        var parser = Parser(text: text, position: text.startIndex)
        return JSONPath(legs: try parser.parsePath())
    }

    /// Where an array-cell leg points in an array of `count` elements (MySQL's `Json_array_index`): the position,
    /// clamped to 0...count, and whether it names an existing element.
    static func position(index: UInt32, fromEnd: Bool, count: Int) -> (position: Int, withinBounds: Bool) {
        let index = Int(index)
        let withinBounds = index < count
        if fromEnd {
            return (withinBounds ? count - index - 1 : 0, withinBounds)
        }
        return (min(index, count), withinBounds)
    }

    private struct Parser {
        let text: ArraySlice<UInt8>
        var position: Int

        var atEnd: Bool { position >= text.endIndex }
        var peek: UInt8? { atEnd ? nil : text[position] }

        func failure(_ reason: String) -> DecodeError {
            DecodeError(
                .malformed,
                "JSON path \"\(String(decoding: text, as: UTF8.self))\": \(reason) at byte \(position - text.startIndex)"
            )
        }

        /// MySQL's `my_isspace` for utf8mb4: space, \t, \n, \v, \f, \r.
        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
        }

        mutating func skipWhitespace() {
            while let byte = peek, Self.isWhitespace(byte) { position += 1 }
        }

        mutating func parsePath() throws(DecodeError) -> [Leg] {
            skipWhitespace()
            guard peek == 0x24 else { throw failure("does not start with $") }
            position += 1
            var legs: [Leg] = []
            skipWhitespace()
            while let byte = peek {
                if legs.count >= MySQLJSON.maximumDepth {
                    throw DecodeError(.limitExceeded, "JSON path has more than \(MySQLJSON.maximumDepth) legs")
                }
                switch byte {
                case 0x2E: legs.append(try parseMember())
                case 0x5B: legs.append(try parseCell())
                default: throw failure("unexpected character")
                }
                skipWhitespace()
            }
            return legs
        }

        mutating func parseMember() throws(DecodeError) -> Leg {
            position += 1  // .
            skipWhitespace()
            guard let first = peek else { throw failure("member name missing") }
            if first == 0x2A { throw failure("wildcard not allowed in a diff path") }
            if first == 0x22 {
                // Quoted: up to the next unescaped double quote.
                let start = position + 1
                var index = start
                while index < text.endIndex && text[index] != 0x22 {
                    index += text[index] == 0x5C ? 2 : 1
                }
                guard index < text.endIndex else { throw failure("unterminated quoted member name") }
                let name = try unescape(start..<index)
                position = index + 1
                return .member(name)
            }
            let start = position
            while let byte = peek, Self.isWhitespace(byte) == false, byte != 0x2E, byte != 0x5B, byte != 0x2A {
                position += 1
            }
            guard position > start else { throw failure("empty member name") }
            return .member(try unescape(start..<position))
        }

        mutating func parseCell() throws(DecodeError) -> Leg {
            position += 1  // [
            skipWhitespace()
            if peek == 0x2A { throw failure("wildcard not allowed in a diff path") }
            var fromEnd = false
            var index: UInt32 = 0
            if text[position...].starts(with: [0x6C, 0x61, 0x73, 0x74]) {  // last
                position += 4
                fromEnd = true
                skipWhitespace()
                if peek == 0x2D {
                    position += 1
                    skipWhitespace()
                    index = try parseIndex()
                }
            } else {
                index = try parseIndex()
            }
            skipWhitespace()
            guard peek == 0x5D else { throw failure("expected ] (ranges are not allowed in a diff path)") }
            position += 1
            return .cell(index: index, fromEnd: fromEnd)
        }

        mutating func parseIndex() throws(DecodeError) -> UInt32 {
            var value: UInt64 = 0
            var digits = 0
            while let byte = peek, byte >= 0x30, byte <= 0x39 {
                value = value * 10 + UInt64(byte - 0x30)
                if value > UInt64(UInt32.max) { throw failure("array index above 4294967295") }
                digits += 1
                position += 1
            }
            guard digits > 0 else { throw failure("array index expected") }
            return UInt32(value)
        }

        /// Decodes JSON string escapes (`\" \\ \/ \b \f \n \r \t \uXXXX`, surrogate pairs joined, a lone surrogate
        /// becoming U+FFFD) in `range`.
        func unescape(_ range: Range<Int>) throws(DecodeError) -> String {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(range.count)
            var index = range.lowerBound
            while index < range.upperBound {
                let byte = text[index]
                if byte != 0x5C {
                    bytes.append(byte)
                    index += 1
                    continue
                }
                guard index + 1 < range.upperBound else { throw failure("dangling backslash in member name") }
                let escaped = text[index + 1]
                index += 2
                switch escaped {
                case 0x22, 0x5C, 0x2F: bytes.append(escaped)
                case 0x62: bytes.append(0x08)
                case 0x66: bytes.append(0x0C)
                case 0x6E: bytes.append(0x0A)
                case 0x72: bytes.append(0x0D)
                case 0x74: bytes.append(0x09)
                case 0x75:
                    var scalar = try hex4(at: index, end: range.upperBound)
                    index += 4
                    if scalar >= 0xD800 && scalar < 0xDC00, index + 6 <= range.upperBound,
                        text[index] == 0x5C, text[index + 1] == 0x75
                    {
                        let low = try hex4(at: index + 2, end: range.upperBound)
                        if low >= 0xDC00 && low < 0xE000 {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            index += 6
                        }
                    }
                    let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    bytes.append(contentsOf: String(character).utf8)
                default:
                    throw failure("unknown escape in member name")
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        func hex4(at start: Int, end: Int) throws(DecodeError) -> UInt32 {
            guard start + 4 <= end else { throw failure("short \\u escape in member name") }
            var value: UInt32 = 0
            for index in start..<(start + 4) {
                let byte = text[index]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw failure("bad \\u escape in member name")
                }
                value = value << 4 | digit
            }
            return value
        }
    }
}
