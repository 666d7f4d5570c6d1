import Foundation

/// What `--sink file:DIR` left in DIR, read back the way a consumer reads it: every stream's segments in write order
/// (the closed `<name>.NNNNNN.jsonl` by number, then the open `<name>.jsonl`), each line parsed as JSON, and every
/// way the directory departs from the documented layout in `problems` (unexpected names, numbering gaps, a file
/// that does not end with a whole line, a line that is not a JSON object).
struct LiveFileSinkOutput {
    enum Layout {
        /// `DIR/<db>.<table>.jsonl`: a stream name has exactly one dot (the name parts are escaped).
        case perTable
        /// `DIR/changes.jsonl`.
        case single
    }

    struct Line {
        var stream: String
        var segment: String
        /// Index of the line in its segment.
        var index: Int
        var bytes: Data
        var value: JSONValue
    }

    /// Segment file names per stream, in write order.
    private(set) var segments: [String: [String]] = [:]
    /// Lines per stream, in write order.
    private(set) var streams: [String: [Line]] = [:]
    private(set) var problems: [String] = []
    /// Bytes per segment file.
    private(set) var sizes: [String: Int] = [:]

    init(_ directory: URL, layout: Layout) throws {
        var closed: [String: [(Int, String)]] = [:]
        var open: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
            guard name.hasSuffix(".jsonl") else {
                problems.append("unexpected file \(name)")
                continue
            }
            let parts = name.dropLast(6).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let streamParts = layout == .perTable ? 2 : 1
            if parts.count == streamParts {
                open[parts.joined(separator: ".")] = name
            } else if parts.count == streamParts + 1, let last = parts.last, last.count == 6,
                last.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(last)
            {
                closed[parts.dropLast().joined(separator: "."), default: []].append((number, name))
            } else {
                problems.append("unexpected file name \(name)")
                continue
            }
            if layout == .single && parts[0] != "changes" { problems.append("unexpected file name \(name)") }
        }
        for stream in Set(closed.keys).union(open.keys) {
            let numbered = (closed[stream] ?? []).sorted { $0.0 < $1.0 }
            if numbered.map(\.0) != Array(1..<(numbered.count + 1)) {
                problems.append("\(stream): closed segments numbered \(numbered.map(\.0)), not 1…\(numbered.count)")
            }
            segments[stream] = numbered.map(\.1) + (open[stream].map { [$0] } ?? [])
        }
        for (stream, names) in segments {
            var lines: [Line] = []
            for name in names {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                sizes[name] = data.count
                if let last = data.last, last != UInt8(ascii: "\n") {
                    let tail = data.suffix(80)
                    problems.append(
                        "\(name) ends with a torn line (\(data.count) bytes): …\(String(decoding: tail, as: UTF8.self))"
                    )
                }
                for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                    .enumerated() where !line.isEmpty
                {
                    do {
                        let value = try JSONParser.parse(bytes: Array(line))
                        guard value.objectValue != nil else {
                            problems.append("\(name) line \(index + 1) is not a JSON object")
                            continue
                        }
                        lines.append(Line(stream: stream, segment: name, index: index, bytes: Data(line), value: value))
                    } catch {
                        let text = String(decoding: line.prefix(120), as: UTF8.self)
                        problems.append("\(name) line \(index + 1): \(error): \(text)")
                    }
                }
            }
            streams[stream] = lines
        }
    }

    /// Every line of every stream (streams by name, each in write order).
    var lines: [Line] { streams.keys.sorted().flatMap { streams[$0] ?? [] } }

    /// The lines as native records (`--format json`); lines that are not records are added to `problems`.
    func records(_ lines: [Line]) -> (records: [BinlogRecord], problems: [String]) {
        var records: [BinlogRecord] = []
        var problems: [String] = []
        for line in lines {
            do { records.append(try BinlogRecord(line.value)) } catch {
                problems.append("\(line.segment) line \(line.index + 1): \(error)")
            }
        }
        return (records, problems)
    }

    /// A Debezium envelope (`--format debezium`) as the native record of the same change, so that the replayer and
    /// the comparisons of native records apply: op c/u/d/r → insert/update/delete/read, db/table/file/pos/row/gtid
    /// from `source`, `ts` from `source.ts_ms` / 1000, `key` = file:pos:row. Values stay Debezium's.
    static func nativeRecord(debezium value: JSONValue) throws -> BinlogRecord {
        guard let object = value.objectValue, let source = object["source"]?.objectValue else {
            throw BinlogRecord.FormatError(message: "not a Debezium envelope: \(value.abbreviated())")
        }
        let ops = ["c": "insert", "u": "update", "d": "delete", "r": "read"]
        guard let op = object["op"]?.stringValue.flatMap({ ops[$0] }) else {
            throw BinlogRecord.FormatError(message: "bad op in \(value.abbreviated())")
        }
        let file = source["file"]?.stringValue ?? "?"
        let pos = source["pos"]?.numberText ?? "?"
        let row = source["row"]?.numberText ?? "?"
        let seconds = source["ts_ms"]?.integerValue.map { JSONValue.number(String($0 / 1000)) } ?? .null
        let native = JSONObject([
            ("op", .string(op)), ("db", source["db"] ?? .null), ("table", source["table"] ?? .null),
            ("before", object["before"] ?? .null), ("after", object["after"] ?? .null),
            (
                "source",
                .object(
                    JSONObject([
                        ("server_id", source["server_id"] ?? .null), ("file", .string(file)),
                        ("pos", source["pos"] ?? .null), ("row", source["row"] ?? .null),
                        ("gtid", source["gtid"] ?? .null), ("ts", seconds),
                    ]))
            ),
            ("key", .string("\(file):\(pos):\(row)")),
        ])
        return try BinlogRecord(.object(native))
    }

    /// Places in a stream where the binlog order (file, pos, row) goes backwards: where a restarted run delivered
    /// again what followed its checkpoint.
    static func regressions(_ records: [BinlogRecord]) -> Int {
        var count = 0
        for (previous, record) in zip(records, records.dropFirst())
        where (record.file, record.pos, record.row) <= (previous.file, previous.pos, previous.row) {
            count += 1
        }
        return count
    }
}
