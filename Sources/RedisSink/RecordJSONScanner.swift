/// A strict scanner for the native record format (`--format json`, docs/record-format.md): it checks that the record
/// is one well-formed JSON object and splits its top-level `before` and `after` objects into column names and raw
/// value texts, without building a JSON tree. Values are kept as written (the hash mode stores them as JSON text).
///
/// Strict: standard JSON only (no trailing commas, no comments, no bare words, no control characters in strings,
/// valid escapes and numbers), one value with nothing after it, nesting at most `maxDepth` deep.
struct RecordJSONScanner {
    static let maxDepth = 256

    private let bytes: ArraySlice<UInt8>
    private var cursor: Int

    private init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.cursor = bytes.startIndex
    }

    /// The record's `before` and `after` columns; ranges index `bytes` (and so the batch's `values`).
    static func images(of bytes: ArraySlice<UInt8>) throws(RecordScanError) -> RecordImages {
        var scanner = RecordJSONScanner(bytes)
        var images = RecordImages()
        scanner.skipWhitespace()
        try scanner.expect(UInt8(ascii: "{"), "a record starts with {")
        scanner.skipWhitespace()
        if scanner.peek() == UInt8(ascii: "}") {
            scanner.cursor += 1
        } else {
            while true {
                scanner.skipWhitespace()
                let (name, _) = try scanner.string()
                scanner.skipWhitespace()
                try scanner.expect(UInt8(ascii: ":"), "expected : after a member name")
                scanner.skipWhitespace()
                if name == "before" || name == "after" {
                    let image = try scanner.image()
                    if name == "before" { images.before = image } else { images.after = image }
                } else {
                    try scanner.skipValue(depth: 1)
                }
                scanner.skipWhitespace()
                if try scanner.endOfContainer(close: UInt8(ascii: "}")) { break }
            }
        }
        scanner.skipWhitespace()
        guard scanner.cursor == bytes.endIndex else { throw scanner.error("unexpected bytes after the record") }
        return images
    }

    // MARK: pieces

    /// `null` or an object of columns.
    private mutating func image() throws(RecordScanError) -> [ImageColumn]? {
        if peek() == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        try expect(UInt8(ascii: "{"), "expected an object or null for a row image")
        var columns: [ImageColumn] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            cursor += 1
            return columns
        }
        while true {
            skipWhitespace()
            let (name, quoted) = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "expected : after a column name")
            skipWhitespace()
            let start = cursor
            try skipValue(depth: 2)
            columns.append(ImageColumn(name: name, quotedName: quoted, value: start..<cursor))
            skipWhitespace()
            if try endOfContainer(close: UInt8(ascii: "}")) { return columns }
        }
    }

    /// After a member or element: `,` (more follow: false) or the closing bracket (true).
    private mutating func endOfContainer(close: UInt8) throws(RecordScanError) -> Bool {
        guard let byte = peek() else { throw error("unexpected end of the record") }
        cursor += 1
        if byte == UInt8(ascii: ",") { return false }
        if byte == close { return true }
        cursor -= 1
        throw error("expected , or \(Character(Unicode.Scalar(close)))")
    }

    private mutating func skipValue(depth: Int) throws(RecordScanError) {
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        guard let byte = peek() else { throw error("expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"):
            cursor += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                cursor += 1
                return
            }
            while true {
                skipWhitespace()
                try skipString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "expected : after a member name")
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if try endOfContainer(close: UInt8(ascii: "}")) { return }
            }
        case UInt8(ascii: "["):
            cursor += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                cursor += 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if try endOfContainer(close: UInt8(ascii: "]")) { return }
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw error("expected a value")
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func number() throws(RecordScanError) {
        if peek() == UInt8(ascii: "-") { cursor += 1 }
        guard let first = peek(), isDigit(first) else { throw error("expected a digit") }
        cursor += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            cursor += 1
            guard let digit = peek(), isDigit(digit) else { throw error("expected a digit after .") }
            skipDigits()
        }
        if let exponent = peek(), exponent == UInt8(ascii: "e") || exponent == UInt8(ascii: "E") {
            cursor += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { cursor += 1 }
            guard let digit = peek(), isDigit(digit) else { throw error("expected a digit in the exponent") }
            skipDigits()
        }
    }

    private mutating func skipString() throws(RecordScanError) {
        _ = try string(decode: false)
    }

    /// A string: its unescaped text (when `decode`) and its range, quotes included.
    private mutating func string(decode: Bool = true) throws(RecordScanError) -> (String, Range<Int>) {
        let start = cursor
        try expect(UInt8(ascii: "\""), "expected a string")
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("unterminated string") }
            cursor += 1
            switch byte {
            case UInt8(ascii: "\""):
                return (decode ? String(decoding: text, as: UTF8.self) : "", start..<cursor)
            case UInt8(ascii: "\\"):
                guard let escape = peek() else { throw error("unterminated string") }
                cursor += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                case UInt8(ascii: "b"): text.append(8)
                case UInt8(ascii: "f"): text.append(12)
                case UInt8(ascii: "n"): text.append(10)
                case UInt8(ascii: "r"): text.append(13)
                case UInt8(ascii: "t"): text.append(9)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        guard peek() == UInt8(ascii: "\\") else { throw error("lone surrogate in \\u escape") }
                        cursor += 1
                        guard peek() == UInt8(ascii: "u") else { throw error("lone surrogate in \\u escape") }
                        cursor += 1
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("lone surrogate in \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("lone surrogate in \\u escape")
                    }
                    if decode, let unicode = Unicode.Scalar(scalar) {
                        text.append(contentsOf: Array(String(unicode).utf8))
                    }
                default:
                    throw error("invalid escape \\\(Character(Unicode.Scalar(escape)))")
                }
            case 0..<0x20:
                throw error("control character in a string")
            default:
                if decode { text.append(byte) }
            }
        }
    }

    private mutating func hex4() throws(RecordScanError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw error("short \\u escape") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("bad hex digit in \\u escape")
            }
            value = value << 4 | digit
            cursor += 1
        }
        return value
    }

    private mutating func literal(_ word: StaticString) throws(RecordScanError) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.endIndex - cursor >= expected.count, bytes[cursor..<cursor + expected.count].elementsEqual(expected)
        else { throw error("expected \(word)") }
        cursor += expected.count
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(RecordScanError) {
        guard peek() == byte else { throw error(message) }
        cursor += 1
    }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { cursor += 1 }
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 32 || byte == 9 || byte == 10 || byte == 13 { cursor += 1 }
    }

    private func peek() -> UInt8? { cursor < bytes.endIndex ? bytes[cursor] : nil }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func error(_ message: String) -> RecordScanError {
        RecordScanError(message: message, offset: cursor - bytes.startIndex)
    }
}
