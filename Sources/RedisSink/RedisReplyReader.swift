/// Parses RESP2 replies out of the bytes read from the server, for the sink's pipelined replies (QUEUED, EXEC's
/// results): without hiredis's object per reply and string copy. Bulk strings' contents are skipped (`.string([])`:
/// the sink only looks for errors); status texts are kept only when short (OK, QUEUED: stored in the String itself).
struct RedisReplyReader {
    /// Bytes received and not parsed yet start at `start`.
    private(set) var buffer: [UInt8] = []
    private var start = 0

    /// Nesting the sink's replies never exceed (EXEC's results are one level deep).
    static let maxDepth = 8

    enum Failure: Error {
        case malformed(String)
    }

    var isEmpty: Bool { start == buffer.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= 1 << 16, start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, nil when more bytes are needed.
    mutating func next() throws(Failure) -> RedisReply? {
        var cursor = start
        guard let reply = try parse(&cursor, depth: 0) else { return nil }
        start = cursor
        return reply
    }

    private func parse(_ cursor: inout Int, depth: Int) throws(Failure) -> RedisReply? {
        guard cursor < buffer.count else { return nil }
        let type = buffer[cursor]
        guard let lineEnd = lineEnd(from: cursor + 1) else { return nil }
        let line = cursor + 1..<lineEnd
        cursor = lineEnd + 2
        switch type {
        case UInt8(ascii: "+"):
            return .status(String(decoding: buffer[line], as: UTF8.self))
        case UInt8(ascii: "-"):
            return .error(String(decoding: buffer[line], as: UTF8.self))
        case UInt8(ascii: ":"):
            return .integer(try number(line))
        case UInt8(ascii: "$"):
            let length = try number(line)
            if length < 0 { return .null }
            guard length <= buffer.count - cursor - 2 else { return nil }
            guard buffer[cursor + Int(length)] == 13, buffer[cursor + Int(length) + 1] == 10 else {
                throw .malformed("a bulk string not ended by CRLF")
            }
            cursor += Int(length) + 2
            return .string([])
        case UInt8(ascii: "*"):
            let count = try number(line)
            if count < 0 { return .null }
            guard depth < Self.maxDepth else { throw .malformed("replies nested more than \(Self.maxDepth) deep") }
            var elements: [RedisReply] = []
            // Each element takes at least 3 bytes: never reserve more than what can have arrived.
            elements.reserveCapacity(Int(min(count, Int64(buffer.count - cursor) / 3 + 1)))
            for _ in 0..<count {
                guard let element = try parse(&cursor, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw .malformed("unknown reply type byte \(type)")
        }
    }

    /// The index of the CR of the CRLF that ends the line starting at `from`, nil when it has not arrived.
    private func lineEnd(from: Int) -> Int? {
        var index = from
        while index + 1 < buffer.count {
            if buffer[index] == 13 {
                guard buffer[index + 1] == 10 else { return nil }
                return index
            }
            index += 1
        }
        return nil
    }

    private func number(_ range: Range<Int>) throws(Failure) -> Int64 {
        var value: Int64 = 0
        var negative = false
        var digits = 0
        for index in range {
            let byte = buffer[index]
            if index == range.lowerBound, byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard byte >= 48, byte <= 57, digits < 18 else { throw .malformed("not a RESP length or integer") }
            value = value * 10 + Int64(byte - 48)
            digits += 1
        }
        guard digits > 0 else { throw .malformed("an empty RESP length or integer") }
        return negative ? -value : value
    }
}
