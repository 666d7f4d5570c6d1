import CDCCore

/// Encodes records into the MULTI/EXEC block of the source transaction being read: `XADD` per record in stream mode;
/// `DEL` + `HSET` per row (and `HSET {prefix}:position` per transaction) in hash mode.
struct RedisBlockBuilder: ~Copyable {
    let mode: RedisMode
    let maxLength: UInt64?
    let positionKey: [UInt8]
    let maxCommands: Int
    let maxBytes: Int

    /// The open block (reused: its capacity stays from one block to the next).
    private var bytes = OutputBuffer(capacity: 1 << 16)
    /// Stream mode: `*9`/`*12` and `XADD`; ` MAXLEN ~ N` as arguments (empty without a maximum length).
    private let xaddHeader: [UInt8]
    private let maxLengthArguments: [UInt8]
    private(set) var commands = 0
    private(set) var records = 0
    /// Hash mode: the last transaction that ended with no record here; its position rides with the next block.
    private var positionOnly: RecordBatch.Commit?

    init(configuration: RedisConfiguration) {
        mode = configuration.mode
        maxLength = configuration.maxLength
        positionKey = Array((configuration.prefix + ":position").utf8)
        maxCommands = max(configuration.maxBlockCommands, 1)
        maxBytes = max(configuration.maxBlockBytes, 1)
        var header: [UInt8] = []
        RESP.appendArrayHeader(configuration.maxLength == nil ? 9 : 12, into: &header)
        RESP.appendBulk("XADD", into: &header)
        xaddHeader = header
        var maxLength: [UInt8] = []
        if let limit = configuration.maxLength {
            RESP.appendBulk("MAXLEN", into: &maxLength)
            RESP.appendBulk("~", into: &maxLength)
            RESP.appendBulk(String(limit), into: &maxLength)
        }
        maxLengthArguments = maxLength
    }

    /// Time to send what is open as a block of its own (a partial transaction).
    var isFull: Bool { commands >= maxCommands || bytes.count >= maxBytes }

    /// Whether a position-only block is waiting (hash mode, transactions with no record since the last block).
    var hasPositionOnly: Bool { records == 0 && positionOnly != nil }

    /// Appends the commands of one record. `tableKey` is `{prefix}:{db}:{table}`; `file` the record's binlog file name
    /// (`batch.origins[record.origin].file`, taken from there when nil).
    /// Hash mode ignores transaction markers (`--transaction-markers`): they are no row.
    mutating func add(
        _ record: RecordBatch.Record, of batch: RecordBatch, tableKey: [UInt8], file: [UInt8]? = nil
    ) throws(CDCError) {
        if mode == .hash && record.marker != nil { return }
        begin()
        switch mode {
        case .stream:
            addStreamEntry(
                record, of: batch, tableKey: tableKey, file: file ?? Array(batch.origins[record.origin].file.utf8))
        case .hash: try addRow(record, of: batch, tableKey: tableKey)
        }
        records += 1
    }

    /// The source transaction ended (`commit`): its block, or nil when there is nothing to send for it.
    mutating func commit(_ commit: RecordBatch.Commit) -> RedisBlock? {
        if records == 0 {
            if mode == .hash { positionOnly = commit }
            return nil
        }
        return finish(commit: commit)
    }

    /// What is open, as a block of its own (the transaction continues after it); nil when nothing is open.
    mutating func finishPartial() -> RedisBlock? {
        if records == 0 && positionOnly == nil { return nil }
        return finish(commit: nil)
    }

    // MARK: commands

    private mutating func begin() {
        guard commands == 0 else { return }
        bytes.append(contentsOf: Self.multi)
        commands = 1
    }

    private mutating func finish(commit: RecordBatch.Commit?) -> RedisBlock {
        begin()
        if mode == .hash, let position = commit ?? positionOnly {
            var command: [UInt8] = []
            RESP.appendArrayHeader(8, into: &command)
            RESP.appendBulk("HSET", into: &command)
            RESP.appendBulk(positionKey, into: &command)
            RESP.appendBulk("file", into: &command)
            RESP.appendBulk(position.next.file, into: &command)
            RESP.appendBulk("pos", into: &command)
            RESP.appendBulk(String(position.next.offset), into: &command)
            RESP.appendBulk("gtid", into: &command)
            RESP.appendBulk(position.gtid ?? "", into: &command)
            bytes.append(contentsOf: command)
            commands += 1
        }
        let block: RedisBlock
        // The bytes are moved out (a large block, a 64 MiB BLOB's XADD, is not held twice); the buffer keeps a
        // capacity for blocks of the usual size.
        let keep = maxBytes * 2
        if commands == 2 {
            // One command: atomic without MULTI/EXEC, which would cost the server and the sink two more replies.
            var command = bytes.moveToArray(keepCapacity: keep)
            command.removeFirst(Self.multi.count)
            block = RedisBlock(
                bytes: command, commands: 1, records: records, commit: commit ?? positionOnly, transactional: false)
        } else {
            bytes.append(contentsOf: Self.exec)
            commands += 1
            block = RedisBlock(
                bytes: bytes.moveToArray(keepCapacity: keep), commands: commands, records: records,
                commit: commit ?? positionOnly)
        }
        commands = 0
        records = 0
        positionOnly = nil
        return block
    }

    /// `XADD key [MAXLEN ~ N] * record <value> op <op> key <file:pos:row>`, written straight into the block (the
    /// constant parts prepared once, no temporary per argument).
    private mutating func addStreamEntry(
        _ record: RecordBatch.Record, of batch: RecordBatch, tableKey: [UInt8], file: [UInt8]
    ) {
        bytes.append(contentsOf: xaddHeader)
        tableKey.withUnsafeBytes { Self.appendBulk($0, into: &bytes) }
        bytes.append(contentsOf: maxLengthArguments)
        bytes.append(contentsOf: Self.recordField)
        batch.values.withUnsafeBytes { values in
            Self.appendBulk(UnsafeRawBufferPointer(rebasing: values[record.value]), into: &bytes)
        }
        switch record.marker {
        case nil:
            switch record.operation {
            case .insert: bytes.append(contentsOf: Self.opInsert)
            case .update: bytes.append(contentsOf: Self.opUpdate)
            case .delete: bytes.append(contentsOf: Self.opDelete)
            case .read: bytes.append(contentsOf: Self.opRead)
            }
        case .begin: bytes.append(contentsOf: Self.opBegin)
        case .end: bytes.append(contentsOf: Self.opEnd)
        }
        // `key` and the bulk `file:pos:row` (`file:pos:begin` / `file:pos:end` for a marker): `batch.dedupKey`.
        bytes.append(contentsOf: Self.keyField)
        let row = UInt64(max(0, record.row))
        let suffix: Int
        switch record.marker {
        case nil: suffix = RESP.decimalCount(row)
        case .begin: suffix = 5
        case .end: suffix = 3
        }
        let length = file.count + 1 + RESP.decimalCount(record.position) + 1 + suffix
        bytes.append(UInt8(ascii: "$"))
        Self.appendDecimal(UInt64(length), into: &bytes)
        bytes.append(13)
        bytes.append(10)
        bytes.append(contentsOf: file)
        bytes.append(UInt8(ascii: ":"))
        Self.appendDecimal(record.position, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        switch record.marker {
        case nil: Self.appendDecimal(row, into: &bytes)
        case .begin: bytes.append(contentsOf: Self.beginText)
        case .end: bytes.append(contentsOf: Self.endText)
        }
        bytes.append(13)
        bytes.append(10)
        commands += 1
    }

    /// `$<length>\r\n<bytes>\r\n`.
    private static func appendBulk(_ raw: UnsafeRawBufferPointer, into out: inout OutputBuffer) {
        out.reserve(raw.count + 24)
        out.append(UInt8(ascii: "$"))
        appendDecimal(UInt64(raw.count), into: &out)
        out.append(13)
        out.append(10)
        out.append(contentsOf: raw)
        out.append(13)
        out.append(10)
    }

    /// The decimal digits of `value`, written in place.
    private static func appendDecimal(_ value: UInt64, into out: inout OutputBuffer) {
        let count = RESP.decimalCount(value)
        out.withUnsafeSpace(count) { pointer in
            var rest = value
            var index = count
            repeat {
                index -= 1
                pointer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while index > 0
            return count
        }
    }

    private static let beginText = Array("begin".utf8)
    private static let endText = Array("end".utf8)
    private static let exec: [UInt8] = {
        var out: [UInt8] = []
        RESP.appendCommand([Array("EXEC".utf8)], into: &out)
        return out
    }()

    private static func bulk(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        RESP.appendBulk(text, into: &out)
        return out
    }

    private static let multi: [UInt8] = {
        var out: [UInt8] = []
        RESP.appendCommand([Array("MULTI".utf8)], into: &out)
        return out
    }()
    private static let recordField = bulk("*") + bulk("record")
    private static let keyField = bulk("key")
    private static let opInsert = bulk("op") + bulk("insert")
    private static let opUpdate = bulk("op") + bulk("update")
    private static let opDelete = bulk("op") + bulk("delete")
    private static let opRead = bulk("op") + bulk("read")
    private static let opBegin = bulk("op") + bulk("begin")
    private static let opEnd = bulk("op") + bulk("end")

    /// insert/read/update: `DEL row` + `HSET row column value …` (and `DEL old` when an update changed the primary
    /// key); delete: `DEL row`.
    private mutating func addRow(_ record: RecordBatch.Record, of batch: RecordBatch, tableKey: [UInt8])
        throws(CDCError)
    {
        let table = batch.tables[record.table]
        let key = batch.keys[record.key]
        guard !key.isEmpty else {
            throw CDCError(
                .sink,
                "record \(batch.dedupKey(record)) of \(table.database).\(table.table) has no key: the Redis hash mode "
                    + "needs the pipeline to encode message keys (wantsKeys)")
        }
        let separator: ArraySlice<UInt8> = [UInt8(ascii: ":")]
        let rowKey = [tableKey[...], separator, key]
        if record.operation == .delete {
            appendDelete(rowKey)
            return
        }
        let images: RecordImages
        do {
            images = try RecordJSONScanner.images(of: batch.values[record.value])
        } catch {
            throw CDCError(
                .sink,
                "record \(batch.dedupKey(record)) of \(table.database).\(table.table) is not a JSON record as "
                    + "docs/record-format.md describes (\(error)): the Redis hash mode needs --format json")
        }
        guard let after = images.after else {
            throw CDCError(
                .sink,
                "record \(batch.dedupKey(record)) of \(table.database).\(table.table) (\(Self.name(of: record.operation))) "
                    + "has no after image: the Redis hash mode needs --format json records")
        }
        if record.operation == .update, let before = images.before,
            let oldKey = Self.key(of: before, primaryKey: table.primaryKey, in: batch.values),
            !oldKey.elementsEqual(key)
        {
            appendDelete([tableKey[...], separator, oldKey[...]])
        }
        appendDelete(rowKey)
        guard !after.isEmpty else { return }
        // Written straight into the block: a large value (a 64 MiB BLOB) is copied once.
        var head: [UInt8] = []
        RESP.appendArrayHeader(2 + 2 * after.count, into: &head)
        RESP.appendBulk("HSET", into: &head)
        RESP.appendBulk(parts: rowKey, into: &head)
        bytes.append(contentsOf: head)
        batch.values.withUnsafeBytes { values in
            for column in after {
                var name = column.name
                name.withUTF8 { Self.appendBulk(UnsafeRawBufferPointer($0), into: &bytes) }
                Self.appendBulk(UnsafeRawBufferPointer(rebasing: values[column.value]), into: &bytes)
            }
        }
        commands += 1
    }

    private mutating func appendDelete(_ key: [ArraySlice<UInt8>]) {
        var command: [UInt8] = []
        RESP.appendArrayHeader(2, into: &command)
        RESP.appendBulk("DEL", into: &command)
        RESP.appendBulk(parts: key, into: &command)
        bytes.append(contentsOf: command)
        commands += 1
    }

    /// The key object of a row image as the JSON encoder writes it (`{"id":7,"region":"eu"}`: no spaces, primary-key
    /// columns in key order; every column when the table has no primary key). nil when a key column is missing
    /// from the image (a MINIMAL before image without it).
    static func key(of image: [ImageColumn], primaryKey: [String], in values: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = [UInt8(ascii: "{")]
        func append(_ column: ImageColumn) {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: values[column.quotedName])
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: values[column.value])
        }
        if primaryKey.isEmpty {
            for column in image { append(column) }
        } else {
            for name in primaryKey {
                guard let column = image.first(where: { $0.name == name }) else { return nil }
                append(column)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func name(of operation: RecordRenderer.Operation) -> String {
        switch operation {
        case .insert: return "insert"
        case .update: return "update"
        case .delete: return "delete"
        case .read: return "read"
        }
    }
}
