import Testing

@testable import RedisSink

@Suite("Redis reply reader (pipelined replies)")
struct RedisReplyReaderTests {
    func feed(_ reader: inout RedisReplyReader, _ text: String) {
        Array(text.utf8).withUnsafeBytes { reader.append($0) }
    }

    @Test("MULTI/QUEUED/EXEC replies, split anywhere, come out whole and in order")
    func splitReplies() throws {
        let wire = "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n$15\r\n1700000000000-0\r\n$-1\r\n:7\r\n-ERR wrong\r\n"
        let bytes = Array(wire.utf8)
        for split in 0...bytes.count {
            var reader = RedisReplyReader()
            var replies: [RedisReply] = []
            bytes[..<split].withUnsafeBytes { reader.append($0) }
            while let reply = try reader.next() { replies.append(reply) }
            bytes[split...].withUnsafeBytes { reader.append($0) }
            while let reply = try reader.next() { replies.append(reply) }
            let expected: [RedisReply] = [
                .status("OK"), .status("QUEUED"), .status("QUEUED"), .array([.string([]), .null]), .integer(7),
                .error("ERR wrong"),
            ]
            #expect(replies == expected, "split at \(split)")
            #expect(reader.isEmpty)
        }
    }

    @Test("an incomplete bulk string or array waits for more bytes")
    func incomplete() throws {
        var reader = RedisReplyReader()
        feed(&reader, "*3\r\n$3\r\nabc\r\n$2\r\nx")
        #expect(try reader.next() == nil)
        feed(&reader, "y\r\n:-12\r\n")
        #expect(try reader.next() == .array([.string([]), .string([]), .integer(-12)]))
    }

    @Test("malformed input is an error, never a trap", arguments: ["?x\r\n", ":12a\r\n", "$3\r\nabcXY", ":\r\n"])
    func malformed(_ text: String) {
        var reader = RedisReplyReader()
        feed(&reader, text)
        #expect(throws: RedisReplyReader.Failure.self) { try reader.next() }
    }

    @Test("a huge announced array allocates by what arrived, and nesting is bounded")
    func bounds() throws {
        var reader = RedisReplyReader()
        feed(&reader, "*999999999999\r\n:1\r\n")
        #expect(try reader.next() == nil)
        var deep = RedisReplyReader()
        feed(&deep, String(repeating: "*1\r\n", count: 20) + ":1\r\n")
        #expect(throws: RedisReplyReader.Failure.self) { try deep.next() }
    }
}
