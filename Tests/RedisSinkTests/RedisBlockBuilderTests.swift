import CDCCore
import Testing

@testable import RedisSink

@Suite("Redis block builder")
struct RedisBlockBuilderTests {
    @Test("the before key is rendered like the encoder's key: key order, no spaces")
    func beforeKey() throws {
        let bytes = Array(#"{"before":{"a":1,"b":"x","c":{"k": 2}},"after":null}"#.utf8)
        let before = try #require(try RecordJSONScanner.images(of: bytes[...]).before)
        let composite = RedisBlockBuilder.key(of: before, primaryKey: ["b", "a"], in: bytes)
        #expect(composite.map { String(decoding: $0, as: UTF8.self) } == #"{"b":"x","a":1}"#)
        let whole = RedisBlockBuilder.key(of: before, primaryKey: [], in: bytes)
        #expect(whole.map { String(decoding: $0, as: UTF8.self) } == #"{"a":1,"b":"x","c":{"k": 2}}"#)
        #expect(RedisBlockBuilder.key(of: before, primaryKey: ["missing"], in: bytes) == nil)
    }

    @Test("stream blocks: one XADD alone, several in MULTI/EXEC; empty transactions send nothing")
    func streamBlock() throws {
        var builder = RedisBlockBuilder(configuration: RedisConfiguration(host: "h", maxLength: 5))
        var batch = TestBatch()
        let table = batch.table("d", "t", primaryKey: ["id"])
        batch.add(.insert, table: table, after: #"{"id":1}"#, pos: 4)
        batch.commit(next: 9)
        let empty = builder.commit(batch.batch.commits[0])
        #expect(empty == nil)
        try builder.add(batch.batch.records[0], of: batch.batch, tableKey: Array("cdc:d:t".utf8))
        let committed = builder.commit(batch.batch.commits[0])
        let block = try #require(committed)
        // One command is atomic by itself: no MULTI/EXEC.
        #expect(block.commands == 1 && !block.transactional)
        #expect(block.records == 1)
        #expect(block.label(at: 0) == "XADD cdc:d:t")
        let xadd = try #require(RESP.arguments(in: block.bytes, at: 0, limit: 20))
        #expect(
            xadd.arguments.map { String(decoding: $0, as: UTF8.self) } == [
                "XADD", "cdc:d:t", "MAXLEN", "~", "5", "*", "record",
                #"{"op":"insert","db":"d","table":"t","before":null,"after":{"id":1},"source":{"server_id":1,"file":"mysql-bin.000001","pos":4,"row":0,"gtid":null,"ts":1700000000},"key":"mysql-bin.000001:4:0"}"#,
                "op", "insert", "key", "mysql-bin.000001:4:0",
            ])
        for record in [batch.batch.records[0], batch.batch.records[0]] {
            try builder.add(record, of: batch.batch, tableKey: Array("cdc:d:t".utf8))
        }
        let committedTwo = builder.commit(batch.batch.commits[0])
        let two = try #require(committedTwo)
        #expect(two.commands == 4 && two.transactional)
        #expect((0..<4).map { two.label(at: $0) } == ["MULTI", "XADD cdc:d:t", "XADD cdc:d:t", "EXEC"])
        #expect(two.bytes.count == 15 + 2 * block.bytes.count + 14)
        let partial = builder.finishPartial()
        #expect(partial == nil)
    }

    @Test("transaction markers: XADD with op begin/end in stream mode, nothing in hash mode")
    func markers() throws {
        var batch = TestBatch()
        let table = batch.table("d", "t", primaryKey: ["id"])
        let markers = batch.table("binlog_sink", "transactions", primaryKey: ["id"])
        batch.add(.insert, table: table, after: #"{"id":1}"#, key: #"{"id":1}"#, pos: 4)
        var begin = batch.batch.records[0]
        begin.table = markers
        begin.marker = .begin
        batch.batch.records.insert(begin, at: 0)
        batch.commit(next: 9)
        var stream = RedisBlockBuilder(configuration: RedisConfiguration(host: "h"))
        for record in batch.batch.records {
            let key = batch.batch.tables[record.table]
            try stream.add(record, of: batch.batch, tableKey: Array("cdc:\(key.database):\(key.table)".utf8))
        }
        let committed = stream.commit(batch.batch.commits[0])
        let block = try #require(committed)
        #expect(block.commands == 4)
        #expect(block.label(at: 1) == "XADD cdc:binlog_sink:transactions")
        let xadd = try #require(RESP.arguments(in: block.bytes, at: 15, limit: 20))
        let fields = xadd.arguments.map { String(decoding: $0, as: UTF8.self) }
        #expect(fields.suffix(4) == ["op", "begin", "key", "mysql-bin.000001:4:begin"])

        var hash = RedisBlockBuilder(configuration: RedisConfiguration(host: "h", mode: .hash))
        try hash.add(batch.batch.records[0], of: batch.batch, tableKey: Array("cdc:binlog_sink:transactions".utf8))
        #expect(hash.commands == 0 && hash.records == 0)
    }

    @Test("labels show unprintable key bytes escaped")
    func printable() {
        #expect(RedisBlock.printable(Array("a\u{1}\\b".utf8)) == #"a\x01\x5cb"#)
    }
}
