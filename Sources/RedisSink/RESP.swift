/// The Redis protocol's request encoding: a command is an array of bulk strings
/// (`*2\r\n$3\r\nDEL\r\n$5\r\nmykey\r\n`). Commands are encoded straight into a block's byte buffer, so a record is
/// copied once, and appended to hiredis with `redisAppendFormattedCommand`.
enum RESP {
    static func appendArrayHeader(_ count: Int, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "*"))
        appendDecimal(count, into: &out)
        out.append(contentsOf: [13, 10])
    }

    static func appendBulk<Bytes: Collection>(_ bytes: Bytes, into out: inout [UInt8]) where Bytes.Element == UInt8 {
        out.append(UInt8(ascii: "$"))
        appendDecimal(bytes.count, into: &out)
        out.append(contentsOf: [13, 10])
        out.append(contentsOf: bytes)
        out.append(contentsOf: [13, 10])
    }

    static func appendBulk(_ text: String, into out: inout [UInt8]) {
        appendBulk(text.utf8, into: &out)
    }

    /// A bulk string that is the concatenation of several parts (a key made of prefix, names and separators).
    static func appendBulk(parts: [ArraySlice<UInt8>], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "$"))
        appendDecimal(parts.reduce(0) { $0 + $1.count }, into: &out)
        out.append(contentsOf: [13, 10])
        for part in parts { out.append(contentsOf: part) }
        out.append(contentsOf: [13, 10])
    }

    static func appendCommand(_ arguments: [[UInt8]], into out: inout [UInt8]) {
        appendArrayHeader(arguments.count, into: &out)
        for argument in arguments { appendBulk(argument, into: &out) }
    }

    static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        appendDecimal(UInt64(value.magnitude), into: &out)
    }

    /// Digits of `value`, written in place (no temporary array: this runs several times per command).
    static func appendDecimal(_ value: UInt64, into out: inout [UInt8]) {
        var divisor: UInt64 = 1
        while divisor <= value / 10 { divisor &*= 10 }
        var rest = value
        repeat {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        } while divisor > 0
    }

    /// The number of decimal digits of `value`.
    static func decimalCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// The first `limit` arguments of the command starting at `offset` in `bytes`, and where the next command
    /// starts. nil when the bytes are not a well-formed command (they always are: the sink encoded them).
    static func arguments(in bytes: [UInt8], at offset: Int, limit: Int) -> (arguments: [[UInt8]], next: Int)? {
        var cursor = offset
        func line() -> Int? {
            guard cursor < bytes.count else { return nil }
            cursor += 1  // the type byte: * or $
            var value = 0
            while cursor < bytes.count, bytes[cursor] != 13 {
                let digit = Int(bytes[cursor]) - 48
                guard (0...9).contains(digit), value < Int.max / 20 else { return nil }
                value = value * 10 + digit
                cursor += 1
            }
            cursor += 2
            return value
        }
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "*"), let count = line() else { return nil }
        var arguments: [[UInt8]] = []
        for index in 0..<count {
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "$"), let length = line(),
                length <= bytes.count - cursor
            else { return nil }
            if index < limit { arguments.append(Array(bytes[cursor..<cursor + length])) }
            cursor += length + 2
        }
        return (arguments, cursor)
    }
}
