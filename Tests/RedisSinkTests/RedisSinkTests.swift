import CDCCore
import Foundation
import Testing

@testable import RedisSink

/// The sink against a real redis-server: streams, hashes, MULTI/EXEC blocks, errors, and a server restart. Each
/// test uses a database of its own (and empties it); they run one after another because one reads the server's
/// command statistics.
@Suite(
    "Redis sink on a live redis-server", .serialized,
    .enabled(if: RedisTestEnvironment.port != nil, RedisTestEnvironment.skipReason))
struct RedisSinkTests {
    let port = RedisTestEnvironment.port ?? 0

    private func sink(database: Int, mode: RedisMode, configure: (inout RedisConfiguration) -> Void = { _ in })
        throws -> (RedisSink, RedisTestClient)
    {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port, database: database, mode: mode)
        configure(&configuration)
        let client = try RedisTestClient(port: port, database: database)
        try client.command("FLUSHDB")
        return (RedisSink(configuration: configuration), client)
    }

    @Test("stream mode: one XADD per record, record/op/key fields, transactions across batches")
    func streamMode() throws {
        let (sink, client) = try sink(database: 1, mode: .stream)
        defer { _ = try? client.command("FLUSHDB") }
        #expect(!sink.wantsKeys)
        #expect(sink.description == "redis://127.0.0.1:\(port)/1?mode=stream")

        var first = TestBatch()
        let orders = first.table("shop", "orders", primaryKey: ["id"])
        let items = first.table("shop", "items", primaryKey: ["sku"])
        first.add(.insert, table: orders, after: #"{"id":1,"note":"a"}"#, pos: 100, gtid: "0-1-1")
        first.add(.insert, table: items, after: #"{"sku":"A","qty":2}"#, pos: 100, row: 1, gtid: "0-1-1")
        first.commit(next: 200, gtid: "0-1-1")
        first.add(
            .update, table: orders, before: #"{"id":1,"note":"a"}"#, after: #"{"id":1,"note":"b"}"#, pos: 250,
            gtid: "0-1-2")
        first.add(.delete, table: items, before: #"{"sku":"A","qty":2}"#, pos: 300, gtid: "0-1-2")
        first.commit(next: 400, gtid: "0-1-2")
        // A transaction that continues into the next batch.
        first.add(.insert, table: orders, after: #"{"id":2,"note":"c"}"#, pos: 450, gtid: "0-1-3")
        try sink.write(first.batch)

        var second = TestBatch()
        let orders2 = second.table("shop", "orders", primaryKey: ["id"])
        second.add(.insert, table: orders2, after: #"{"id":3,"note":"d"}"#, pos: 500, gtid: "0-1-3")
        second.commit(next: 600, gtid: "0-1-3")
        try sink.write(second.batch)
        try sink.flush()

        let orderEntries = try client.streamEntries("cdc:shop:orders")
        #expect(orderEntries.map { $0["op"] } == ["insert", "update", "insert", "insert"])
        #expect(
            orderEntries.map { $0["key"] } == [
                "mysql-bin.000001:100:0", "mysql-bin.000001:250:0", "mysql-bin.000001:450:0",
                "mysql-bin.000001:500:0",
            ])
        let firstRecord = try #require(orderEntries.first?["record"])
        #expect(firstRecord.hasPrefix(#"{"op":"insert","db":"shop","table":"orders","before":null,"after":{"id":1"#))
        #expect(!firstRecord.hasSuffix("\n"))
        let itemEntries = try client.streamEntries("cdc:shop:items")
        #expect(itemEntries.map { $0["op"] } == ["insert", "delete"])
        #expect(itemEntries.map { $0["key"] } == ["mysql-bin.000001:100:1", "mysql-bin.000001:300:0"])
        // Stream mode writes no position.
        #expect(try client.keys("cdc:position").isEmpty)
        #expect(sink.unconfirmedBlocks == 0)
        try sink.close()
    }

    @Test("stream mode: MAXLEN ~ trims each stream")
    func streamMaxLength() throws {
        let (sink, client) = try sink(database: 2, mode: .stream) { $0.maxLength = 10 }
        defer { _ = try? client.command("FLUSHDB") }
        var batch = TestBatch()
        let table = batch.table("shop", "log", primaryKey: [])
        for index in 0..<1000 {
            batch.add(.insert, table: table, after: "{\"n\":\(index)}", pos: 1000 + UInt64(index))
            batch.commit(next: 1001 + UInt64(index))
        }
        try sink.write(batch.batch)
        try sink.flush()
        let length = try client.command("XLEN", "cdc:shop:log")
        guard case .integer(let count) = length else {
            Issue.record("XLEN answered \(length)")
            return
        }
        #expect(count >= 10 && count < 1000)
        #expect(try client.streamEntries("cdc:shop:log").last?["key"] == "mysql-bin.000001:1999:0")
    }

    @Test("hash mode: rows mirrored, PK-changing updates move the hash, deletes remove it, position with the rows")
    func hashMode() throws {
        let (sink, client) = try sink(database: 3, mode: .hash)
        defer { _ = try? client.command("FLUSHDB") }
        #expect(sink.wantsKeys)

        var batch = TestBatch()
        let users = batch.table("app", "users", primaryKey: ["id"])
        let pairs = batch.table("app", "pairs", primaryKey: ["b", "a"])
        let nokey = batch.table("app", "nokey", primaryKey: [])
        batch.add(
            .insert, table: users, after: #"{"id":1,"name":"Ann","tags":{"a": [1, 2]},"gone":null}"#,
            key: #"{"id":1}"#, pos: 100)
        batch.add(.insert, table: users, after: #"{"id":2,"name":"Bo \"B\""}"#, key: #"{"id":2}"#, pos: 100, row: 1)
        batch.add(.read, table: users, after: #"{"id":3,"name":"Cy"}"#, key: #"{"id":3}"#, pos: 100, row: 2)
        batch.commit(next: 200, gtid: "0-1-10")
        // Update without a key change: the hash is replaced (no stale field).
        batch.add(
            .update, table: users, before: #"{"id":1,"name":"Ann","tags":{"a": [1, 2]},"gone":null}"#,
            after: #"{"id":1,"name":"Anna"}"#, key: #"{"id":1}"#, pos: 250)
        // Update that changes the key: the old hash goes.
        batch.add(
            .update, table: users, before: #"{"id":2,"name":"Bo \"B\""}"#, after: #"{"id":20,"name":"Bo"}"#,
            key: #"{"id":20}"#, pos: 250, row: 1)
        batch.add(.delete, table: users, before: #"{"id":3,"name":"Cy"}"#, key: #"{"id":3}"#, pos: 260)
        // Composite key in key order (b, a), not column order.
        batch.add(.insert, table: pairs, after: #"{"a":1,"b":"x","v":0}"#, key: #"{"b":"x","a":1}"#, pos: 270)
        batch.add(
            .update, table: pairs, before: #"{"a":1,"b":"x","v":0}"#, after: #"{"a":2,"b":"x","v":1}"#,
            key: #"{"b":"x","a":2}"#, pos: 280)
        // No primary key: the whole row is the key.
        batch.add(.insert, table: nokey, after: #"{"c":1,"d":"z"}"#, key: #"{"c":1,"d":"z"}"#, pos: 290)
        batch.add(
            .update, table: nokey, before: #"{"c":1,"d":"z"}"#, after: #"{"c":2,"d":"z"}"#, key: #"{"c":2,"d":"z"}"#,
            pos: 295)
        batch.commit(next: 300, gtid: "0-1-11")
        try sink.write(batch.batch)
        try sink.flush()

        #expect(try client.hash(#"cdc:app:users:{"id":1}"#) == ["id": "1", "name": #""Anna""#])
        #expect(try client.hash(#"cdc:app:users:{"id":20}"#) == ["id": "20", "name": #""Bo""#])
        #expect(try client.hash(#"cdc:app:pairs:{"b":"x","a":2}"#) == ["a": "2", "b": #""x""#, "v": "1"])
        #expect(try client.hash(#"cdc:app:nokey:{"c":2,"d":"z"}"#) == ["c": "2", "d": #""z""#])
        #expect(
            try client.keys("cdc:*") == [
                #"cdc:app:users:{"id":1}"#, #"cdc:app:users:{"id":20}"#, #"cdc:app:pairs:{"b":"x","a":2}"#,
                #"cdc:app:nokey:{"c":2,"d":"z"}"#, "cdc:position",
            ])
        #expect(try client.hash("cdc:position") == ["file": "mysql-bin.000001", "pos": "300", "gtid": "0-1-11"])

        // Nested JSON values are kept as written; a replay is idempotent.
        try sink.write(batch.batch)
        try sink.flush()
        #expect(try client.hash(#"cdc:app:users:{"id":20}"#) == ["id": "20", "name": #""Bo""#])
        #expect(try client.keys("cdc:app:users:*").count == 2)
    }

    @Test("hash mode: JSON values as written, escapes in column names")
    func hashValues() throws {
        let (sink, client) = try sink(database: 4, mode: .hash) { $0.prefix = "mirror" }
        defer { _ = try? client.command("FLUSHDB") }
        var batch = TestBatch()
        let docs = batch.table("app", "docs", primaryKey: ["id"])
        batch.add(
            .insert, table: docs, after: #"{"id":1,"doc":{"a": [1, 2.5e3, true]},"we\"ird":"\u00e9","n":-0.5}"#,
            key: #"{"id":1}"#, pos: 10)
        batch.commit(next: 20)
        try sink.write(batch.batch)
        try sink.flush()
        #expect(
            try client.hash(#"mirror:app:docs:{"id":1}"#) == [
                "id": "1", "doc": #"{"a": [1, 2.5e3, true]}"#, #"we"ird"#: #""\u00e9""#, "n": "-0.5",
            ])
        #expect(try client.hash("mirror:position") == ["file": "mysql-bin.000001", "pos": "20", "gtid": ""])
    }

    @Test("one MULTI/EXEC per source transaction, a partial one at flush, the position only at commits")
    func transactionsAndPosition() throws {
        let (sink, client) = try sink(database: 5, mode: .hash)
        defer { _ = try? client.command("FLUSHDB") }
        try client.command("CONFIG", "RESETSTAT")

        var first = TestBatch()
        let table = first.table("bank", "accounts", primaryKey: ["id"])
        for transaction in 0..<3 {
            let pos = UInt64(1000 * (transaction + 1))
            first.add(
                .insert, table: table, after: "{\"id\":\(transaction),\"v\":0}", key: "{\"id\":\(transaction)}",
                pos: pos)
            first.add(
                .insert, table: table, after: "{\"id\":\(transaction + 100),\"v\":0}",
                key: "{\"id\":\(transaction + 100)}", pos: pos, row: 1)
            first.commit(next: pos + 500, gtid: "0-1-\(transaction + 1)")
        }
        // Two transactions without records (other tables filtered out): one position-only block.
        first.commit(next: 3600, gtid: "0-1-4")
        first.commit(next: 3700, gtid: "0-1-5")
        first.add(.insert, table: table, after: #"{"id":50,"v":1}"#, key: #"{"id":50}"#, pos: 4000, gtid: "0-1-6")
        try sink.write(first.batch)
        try sink.flush()
        // Blocks: three transactions, then the open transaction with the position of the two empty ones (sent as
        // a partial block at flush). The partial transaction is applied, the position is the last commit.
        #expect(try client.hash(#"cdc:bank:accounts:{"id":50}"#) == ["id": "50", "v": "1"])
        #expect(try client.hash("cdc:position") == ["file": "mysql-bin.000001", "pos": "3700", "gtid": "0-1-5"])
        #expect(try commandCalls(client, "multi") == 4)
        #expect(try commandCalls(client, "exec") == 4)

        var second = TestBatch()
        let table2 = second.table("bank", "accounts", primaryKey: ["id"])
        second.add(.insert, table: table2, after: #"{"id":51,"v":1}"#, key: #"{"id":51}"#, pos: 4100, gtid: "0-1-6")
        second.commit(next: 4200, gtid: "0-1-6")
        try sink.write(second.batch)
        try sink.flush()
        #expect(try client.hash("cdc:position") == ["file": "mysql-bin.000001", "pos": "4200", "gtid": "0-1-6"])
        #expect(try commandCalls(client, "multi") == 5)
        #expect(sink.confirmedBlocks == 5)
    }

    @Test("a large transaction is split into several blocks; few pending replies keep memory bounded")
    func boundedBlocks() throws {
        let (sink, client) = try sink(database: 6, mode: .stream) {
            $0.maxBlockCommands = 100
            $0.maxPendingCommands = 250
        }
        defer { _ = try? client.command("FLUSHDB") }
        var batch = TestBatch()
        let table = batch.table("big", "t", primaryKey: ["id"])
        for index in 0..<1000 {
            batch.add(.insert, table: table, after: "{\"id\":\(index)}", pos: 100, row: index)
        }
        batch.commit(next: 200)
        try sink.write(batch.batch)
        // write() already read replies to stay under the limit: blocks of 101 commands (MULTI, 99 XADD, EXEC), at
        // most 250 commands unconfirmed, plus the last small block.
        #expect(sink.confirmedBlocks >= 6)
        #expect(sink.unconfirmedBlocks <= 4)
        try sink.flush()
        #expect(
            try client.streamEntries("cdc:big:t").map { $0["key"] } == (0..<1000).map { "mysql-bin.000001:100:\($0)" })
    }

    @Test("WRONGTYPE is permanent: flush throws .sink naming the command and key")
    func wrongType() throws {
        let (sink, client) = try sink(database: 7, mode: .stream)
        defer { _ = try? client.command("FLUSHDB") }
        try client.command("SET", "cdc:shop:orders", "not a stream")
        var batch = TestBatch()
        let orders = batch.table("shop", "orders", primaryKey: ["id"])
        batch.add(.insert, table: orders, after: #"{"id":1}"#, pos: 100)
        batch.commit(next: 200, gtid: "0-1-9")
        try sink.write(batch.batch)
        let error = try #require(throws: CDCError.self) { try sink.flush() }
        #expect(error.code == .sink)
        #expect(error.message.contains("XADD cdc:shop:orders failed: WRONGTYPE"))
        #expect(error.message.contains("mysql-bin.000001:200"))
        // The sink stays failed.
        #expect(throws: CDCError.self) { try sink.flush() }
        #expect(throws: CDCError.self) { try sink.write(batch.batch) }
    }

    @Test("a database the server lacks is a permanent error")
    func missingDatabase() throws {
        let sink = RedisSink(configuration: RedisConfiguration(host: "127.0.0.1", port: port, database: 9999))
        var batch = TestBatch()
        let table = batch.table("a", "b", primaryKey: [])
        batch.add(.insert, table: table, after: "{}", pos: 1)
        try sink.write(batch.batch)
        let error = try #require(throws: CDCError.self) { try sink.flush() }
        #expect(error.code == .sink)
        #expect(error.message.contains("SELECT 9999 failed"))
    }

    @Test("hash mode refuses records that are not native JSON")
    func hashNeedsJSON() throws {
        let (sink, client) = try sink(database: 8, mode: .hash)
        defer { _ = try? client.command("FLUSHDB") }
        let batch = RecordBatch(
            values: [0, 2, 4, 0x6b], keys: Array(#"{"id":1}"#.utf8),
            records: [
                RecordBatch.Record(
                    value: 0..<4, key: 0..<8, table: 0, operation: .insert, origin: 0, position: 7, row: 0)
            ],
            tables: [RecordBatch.Table(database: "d", table: "t", primaryKey: ["id"])],
            origins: [RecordBatch.Origin(file: "bin.000001", gtid: nil)])
        let error = try #require(throws: CDCError.self) { try sink.write(batch) }
        #expect(error.code == .sink)
        #expect(error.message.contains("bin.000001:7:0 of d.t"))
        #expect(error.message.contains("--format json"))
    }

    @Test("AUTH: the right password works, a wrong or missing one is a permanent error that hides it")
    func authentication() throws {
        let server = try RedisTestServer(port: port + 2, extraArguments: ["--requirepass", "s3cret-pw"])
        defer { server.remove() }
        try server.start()
        func attempt(_ password: String?) throws {
            var configuration = RedisConfiguration(host: "127.0.0.1", port: port + 2, database: 1)
            configuration.password = password
            let sink = RedisSink(configuration: configuration)
            var batch = TestBatch()
            let table = batch.table("a", "b", primaryKey: [])
            batch.add(.insert, table: table, after: #"{"x":1}"#, pos: 1)
            batch.commit(next: 2)
            try sink.write(batch.batch)
            try sink.flush()
        }
        try attempt("s3cret-pw")
        let client = try RedisTestClient(port: port + 2, database: 1, password: "s3cret-pw")
        #expect(try client.streamEntries("cdc:a:b").count == 1)

        let wrong = try #require(throws: CDCError.self) { try attempt("not-the-pw") }
        #expect(wrong.code == .sink)
        #expect(wrong.message.contains("AUTH failed"))
        #expect(!wrong.message.contains("not-the-pw"))
        let missing = try #require(throws: CDCError.self) { try attempt(nil) }
        #expect(missing.code == .sink)
        #expect(missing.message.contains("REDISCLI_AUTH"))
    }

    @Test("redis-server killed mid-write and restarted: flush waits, nothing is lost")
    func serverRestart() throws {
        let server = try RedisTestServer(port: port + 1)
        defer { server.remove() }
        try server.start()
        var messages: [String] = []
        let lock = NSLock()
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port + 1, database: 0, mode: .stream)
        configuration.maxPendingCommands = 200
        configuration.maxBackoff = 0.5
        let sink = RedisSink(configuration: configuration) { message in
            lock.lock()
            messages.append(message)
            lock.unlock()
        }
        var expected: [String] = []
        func batch(_ number: Int) -> RecordBatch {
            var batch = TestBatch()
            let table = batch.table("shop", "orders", primaryKey: ["id"])
            for transaction in 0..<50 {
                let pos = UInt64(number * 100_000 + transaction * 100)
                for row in 0..<4 {
                    batch.add(.insert, table: table, after: "{\"id\":\(pos + UInt64(row))}", pos: pos, row: row)
                    expected.append("mysql-bin.000001:\(pos):\(row)")
                }
                batch.commit(next: pos + 50)
            }
            return batch.batch
        }
        try sink.write(batch(1))
        try sink.flush()
        try sink.write(batch(2))  // sent, replies not read yet
        server.kill()
        let restarted = DispatchSemaphore(value: 0)
        let restartError = ErrorBox()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 2)
            do { try server.start() } catch { restartError.error = error }
            restarted.signal()
        }
        // These writes find the server gone: write() blocks (over maxPendingCommands) until it is back.
        for number in 3...6 { try sink.write(batch(number)) }
        try sink.flush()
        restarted.wait()
        #expect(restartError.error == nil)

        let client = try RedisTestClient(port: port + 1, database: 0)
        let keys = try client.streamEntries("cdc:shop:orders").compactMap { $0["key"] }
        #expect(Set(keys) == Set(expected), "every record is in the stream (duplicates allowed)")
        #expect(keys.count >= expected.count)
        #expect(sink.reconnections >= 1)
        lock.lock()
        let log = messages
        lock.unlock()
        #expect(log.contains { $0.contains("connection lost") || $0.contains("cannot connect") })
        #expect(log.contains { $0.contains("connected again") })
        try sink.close()
    }
}

private func commandCalls(_ client: RedisTestClient, _ command: String) throws -> Int {
    let info = RedisTestClient.text(try client.command("INFO", "commandstats"))
    for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_\(command):calls=") {
        let rest = line.dropFirst("cmdstat_\(command):calls=".count)
        return Int(rest.prefix(while: \.isNumber)) ?? -1
    }
    return 0
}
