import Foundation
import Testing

@testable import CDCCore

/// The schemas of every fixture table checked by a real Avro implementation (Python `fastavro`, installed by
/// scripts/install-deps): they parse, fastavro computes the same canonical form and CRC-64-AVRO fingerprint, and
/// a record with a value in every field encodes and decodes back to itself. Skipped when fastavro is missing.
@Suite(.enabled(if: Fixtures.available && Python.hasFastavro, "fixtures or python3 fastavro missing"))
struct AvroFastavroTests {
    static let script = #"""
        import sys, json, io, datetime, decimal
        import fastavro, fastavro.schema as fs

        def sample(t, named):
            if isinstance(t, list):
                return sample(t[-1], named)
            if isinstance(t, str):
                if t in named:
                    return sample(named[t], named)
                return {"null": None, "boolean": True, "int": 7, "long": 1 << 40, "float": 1.5, "double": 2.25,
                        "bytes": b"\x00\x01", "string": "x\u00e9"}[t]
            lt = t.get("logicalType")
            if lt == "decimal":
                return decimal.Decimal(1).scaleb(-t["scale"])
            if lt == "date":
                return datetime.date(2024, 2, 29)
            if lt == "local-timestamp-micros":
                return datetime.datetime(2024, 2, 29, 12, 34, 56, 123456)
            if lt == "timestamp-micros":
                return datetime.datetime(2024, 2, 29, 12, 34, 56, 123456, tzinfo=datetime.timezone.utc)
            if t["type"] == "record":
                name = t["name"] if "." in t["name"] or "namespace" not in t else t["namespace"] + "." + t["name"]
                named[name] = t
                return {f["name"]: sample(f["type"], named) for f in t["fields"]}
            if t["type"] == "array":
                return [sample(t["items"], named)]
            return sample(t["type"], named)

        failures = []
        for case in json.load(sys.stdin):
            for part in ("value", "key"):
                schema = json.loads(case[part])
                parsed = fastavro.parse_schema(schema)
                canonical = fs.to_parsing_canonical_form(schema)
                if canonical != case[part + "_canonical"]:
                    failures.append(f"{case['table']} {part} canonical:\n{canonical}\n{case[part + '_canonical']}")
                if fs.fingerprint(canonical, "CRC-64-AVRO") != case[part + "_fingerprint"]:
                    failures.append(f"{case['table']} {part} fingerprint")
                record = sample(schema, {})
                buffer = io.BytesIO()
                fastavro.schemaless_writer(buffer, parsed, record)
                buffer.seek(0)
                back = fastavro.schemaless_reader(buffer, parsed)
                if back != record:
                    failures.append(f"{case['table']} {part} round trip: {back} != {record}")
        print("\n".join(failures) if failures else "ok")
        """#

    /// fastavro prints the 64-bit fingerprint as its little-endian bytes in hex.
    func fastavroHex(_ fingerprint: UInt64) -> String {
        (0..<8).map { index in
            let byte = UInt8(truncatingIfNeeded: fingerprint >> (8 * UInt64(index)))
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }

    @Test func fixtureTableSchemasWorkInFastavro() throws {
        var registry = SchemaRegistry(mariadb: true)
        let text = try Fixtures.text("mariadb/full-metadata/statements.sql")
        var statement = ""
        var offset: UInt64 = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            statement += "\n" + line
            guard line.trimmingCharacters(in: .whitespaces).hasSuffix(";") else { continue }
            offset += 1
            registry.apply(
                DDLParser.parse(statement, defaultDatabase: "cdc_types"),
                at: SchemaPosition(file: "statements.sql", offset: offset))
            statement = ""
        }
        let end = SchemaPosition(file: "statements.sql", offset: offset)
        var cases: [[String: String]] = []
        for table in registry.tables {
            guard let schema = registry.schema(of: table, at: end) else { continue }
            let avro = AvroSchema(table: schema, mariadb: true)
            cases.append([
                "table": table.description,
                "value": avro.value.json, "value_canonical": avro.value.canonicalForm,
                "value_fingerprint": fastavroHex(avro.value.fingerprint),
                "key": avro.key.json, "key_canonical": avro.key.canonicalForm,
                "key_fingerprint": fastavroHex(avro.key.fingerprint),
            ])
        }
        #expect(cases.count == 23)
        let result = try Python.run(["python3", "-c", Self.script], input: try JSONEncoder().encode(cases))
        #expect(
            result.status == 0 && result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "ok",
            "\(result.output)")
    }
}

/// Runs the system python3 (for checks against Python implementations).
enum Python {
    static let hasFastavro: Bool = {
        (try? run(["python3", "-c", "import fastavro"], input: Data()))?.status == 0
    }()

    static func run(_ arguments: [String], input: Data) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
