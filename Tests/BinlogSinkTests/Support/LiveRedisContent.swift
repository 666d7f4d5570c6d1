import Foundation

/// What the Redis sink (docs/redis-sink.md) left in Redis, read back with LiveRedisClient: the stream entries of
/// stream mode as records, the row hashes of hash mode as rows, the position hash; and the saved position that
/// `binlog-sink position show` prints.
enum LiveRedisContent {
    /// One stream entry of stream mode: the record (the `record` field, parsed) and the entry's own fields.
    struct StreamRecord {
        var stream: String
        var id: String
        var record: BinlogRecord
        var op: String
        var key: String
    }

    /// Every entry of every stream `{prefix}:{database}:{table}`, per stream in the stream's order; `problems` lists
    /// entries that break the documented shape (fields `record`, `op`, `key`; `op`/`key` agreeing with the record;
    /// a stream holding records of its own table).
    static func streams(_ redis: LiveRedisClient, prefix: String, database: String) throws -> (
        streams: [String: [StreamRecord]], problems: [String]
    ) {
        var problems: [String] = []
        var result: [String: [StreamRecord]] = [:]
        for name in try redis.keys(matching: "\(prefix):\(database):*", type: "stream") {
            let table = String(name.dropFirst("\(prefix):\(database):".count))
            var records: [StreamRecord] = []
            for entry in try redis.streamEntries(name) {
                let names = entry.fields.map(\.name)
                if names != ["record", "op", "key"] {
                    problems.append("\(name) \(entry.id): fields \(names), expected [record, op, key]")
                }
                guard let value = entry.field("record") else { continue }
                let record: BinlogRecord
                do {
                    record = try BinlogRecord(JSONParser.parse(bytes: value))
                } catch {
                    problems.append(
                        "\(name) \(entry.id): record is not a JSON record (\(error)): "
                            + String(decoding: value.prefix(200), as: UTF8.self))
                    continue
                }
                let op = String(decoding: entry.field("op") ?? [], as: UTF8.self)
                let key = String(decoding: entry.field("key") ?? [], as: UTF8.self)
                if op != record.op.rawValue { problems.append("\(name) \(entry.id): op \(op), record \(record.op)") }
                if key != record.key { problems.append("\(name) \(entry.id): key \(key), record \(record.key)") }
                if record.db != database || record.table != table {
                    problems.append("\(name) \(entry.id): a record of \(record.db).\(record.table)")
                }
                records.append(StreamRecord(stream: name, id: entry.id, record: record, op: op, key: key))
            }
            result[name] = records
        }
        return (result, problems)
    }

    /// The records of every stream, de-duplicated by key (first copy kept) and put in binlog order, and how many
    /// entries there were in all.
    static func uniqueRecords(_ streams: [String: [StreamRecord]]) -> (records: [BinlogRecord], entries: Int) {
        var seen = Set<String>()
        var unique: [BinlogRecord] = []
        var entries = 0
        for name in streams.keys.sorted() {
            for entry in streams[name] ?? [] {
                entries += 1
                if seen.insert(entry.key).inserted { unique.append(entry.record) }
            }
        }
        return (unique.sorted { ($0.file, $0.pos, $0.row) < ($1.file, $1.pos, $1.row) }, entries)
    }

    /// One row hash of hash mode: the table, the key's JSON object (`{pk}`), and the columns (values parsed as JSON).
    struct HashRow {
        var key: String
        var table: String
        var keyObject: JSONObject
        var row: JSONObject
    }

    /// Every hash `{prefix}:{database}:{table}:{pk}`; `problems` lists keys or values that are not JSON.
    static func hashes(_ redis: LiveRedisClient, prefix: String, database: String) throws -> (
        rows: [HashRow], problems: [String]
    ) {
        let head = "\(prefix):\(database):"
        let names = try redis.keys(matching: "\(head)*")
        var problems: [String] = []
        var rows: [HashRow] = []
        let types = try redis.pipeline(names.map { ["TYPE", $0] })
        let hashNames = zip(names, types).compactMap { name, type in
            if type.text == "hash" { return name }
            problems.append("\(name) is a \(type), not a hash")
            return nil
        }
        let contents = try redis.hashes(hashNames)
        for name in hashNames {
            let rest = name.dropFirst(head.count)
            guard let colon = rest.firstIndex(of: ":") else {
                problems.append("\(name): no {table}:{pk} after \(head)")
                continue
            }
            let table = String(rest[..<colon])
            let keyText = String(rest[rest.index(after: colon)...])
            guard let keyObject = (try? JSONParser.parse(keyText))?.objectValue else {
                problems.append("\(name): the key part \(keyText.prefix(200)) is not a JSON object")
                continue
            }
            var row = JSONObject()
            for field in contents[name] ?? [] {
                do {
                    row[field.name] = try JSONParser.parse(bytes: field.value)
                } catch {
                    problems.append(
                        "\(name) field \(field.name): not JSON text (\(error)): "
                            + String(decoding: field.value.prefix(200), as: UTF8.self))
                }
            }
            rows.append(HashRow(key: name, table: table, keyObject: keyObject, row: row))
        }
        return (rows, problems)
    }

    /// The hash mode's `{prefix}:position` hash: `file:pos` and the GTID; nil when there is none.
    static func position(_ redis: LiveRedisClient, prefix: String) throws -> (point: LiveBinlogPoint, gtid: String)? {
        let fields = try redis.hashes(["\(prefix):position"])["\(prefix):position"] ?? []
        func field(_ name: String) -> String? {
            fields.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
        }
        guard let file = field("file"), let pos = field("pos").flatMap({ Int($0) }) else { return nil }
        return (LiveBinlogPoint(file: file, pos: pos), field("gtid") ?? "")
    }

    /// Exact JSON text of a value, for comparing two renderings of one value (numbers keep their literal).
    static func exact(_ value: JSONValue?) -> String { value.map(\.description) ?? "⟨absent⟩" }
}

/// `binlog-sink position show --state DIR`: the saved position and, for an in-transaction checkpoint, the
/// transaction's start and how many of its records were delivered.
struct LiveSavedPosition: Equatable, CustomStringConvertible {
    var position: LiveBinlogPoint
    var transactionStart: LiveBinlogPoint?
    var delivered: Int?

    /// Every record at a position before this is delivered (and a restart never sends it again).
    var boundary: LiveBinlogPoint { transactionStart ?? position }

    var description: String {
        transactionStart.map { "\(position) (inside the transaction at \($0) after \(delivered ?? -1) records)" }
            ?? position.description
    }

    static func point(_ text: Substring) -> LiveBinlogPoint? {
        guard let colon = text.lastIndex(of: ":"), let pos = Int(text[text.index(after: colon)...]) else { return nil }
        return LiveBinlogPoint(file: String(text[..<colon]), pos: pos)
    }

    /// Parses `position show` output; nil when it shows no file position.
    init?(_ output: String) {
        var position: LiveBinlogPoint?
        for line in output.split(separator: "\n") {
            if line.hasPrefix("position:") {
                position = Self.point(line.dropFirst("position:".count).drop { $0 == " " })
            } else if line.hasPrefix("transaction: started at ") {
                let rest = line.dropFirst("transaction: started at ".count)
                guard let comma = rest.firstIndex(of: ",") else { return nil }
                transactionStart = Self.point(rest[..<comma])
                delivered = Int(rest[rest.index(after: comma)...].drop { $0 == " " }.prefix { $0.isNumber })
            }
        }
        guard let position else { return nil }
        self.position = position
    }

    /// `binlog-sink position show --state DIR`; nil when nothing is saved yet (exit status 2).
    static func show(state: String) throws -> LiveSavedPosition? {
        let result = try BinlogSinkCLI.run(["position", "show", "--state", state], timeout: 30)
        if result.status == 2 { return nil }
        guard result.status == 0, let saved = LiveSavedPosition(result.stdoutText) else {
            throw BinlogSinkCLI.CLIError(
                message: "position show --state \(state): exit \(result.status): \(result.stdoutText) \(result.stderr)")
        }
        return saved
    }
}
