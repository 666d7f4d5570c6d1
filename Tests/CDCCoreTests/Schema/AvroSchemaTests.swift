import Foundation
import Testing

@testable import CDCCore

/// Avro schemas of table versions, their Parsing Canonical Form and CRC-64-AVRO fingerprints.
@Suite struct AvroSchemaTests {
    /// Canonical forms and fingerprints from the Avro project's share/test/data/schema-tests.txt (cases 000–033).
    @Test func fingerprintsMatchTheAvroTestSuite() {
        let vectors: [(String, Int64)] = [
            ("\"null\"", 7_195_948_357_588_979_594),
            ("\"boolean\"", -6_970_731_678_124_411_036),
            ("\"int\"", 8_247_732_601_305_521_295),
            ("\"long\"", -3_434_872_931_120_570_953),
            ("\"float\"", 5_583_340_709_985_441_680),
            ("\"double\"", -8_181_574_048_448_539_266),
            ("\"bytes\"", 5_746_618_253_357_095_269),
            ("\"string\"", -8_142_146_995_180_207_161),
            ("[]", -1_241_056_759_729_112_623),
            ("[\"int\"]", -5_232_228_896_498_058_493),
            ("[\"int\",\"boolean\"]", 5_392_556_393_470_105_090),
            ("{\"name\":\"foo\",\"type\":\"record\",\"fields\":[]}", -4_824_392_279_771_201_922),
            ("{\"name\":\"x.y.foo\",\"type\":\"record\",\"fields\":[]}", 5_916_914_534_497_305_771),
            (
                "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[{\"name\":\"f1\",\"type\":\"boolean\"}]}",
                7_843_277_075_252_814_651
            ),
            ("{\"type\":\"array\",\"items\":\"null\"}", -589_620_603_366_471_059),
            ("{\"type\":\"map\",\"values\":\"string\"}", -8_732_877_298_790_414_990),
            (
                "{\"name\":\"PigValue\",\"type\":\"record\",\"fields\":[{\"name\":\"value\",\"type\":[\"null\",\"int\",\"long\",\"PigValue\"]}]}",
                -1_759_257_747_318_642_341
            ),
        ]
        for (canonical, expected) in vectors {
            #expect(AvroFingerprint.crc64(Array(canonical.utf8)) == UInt64(bitPattern: expected), "\(canonical)")
        }
    }

    @Test func canonicalFormOfTheModel() {
        #expect(AvroType.int.canonicalForm == "\"int\"")
        #expect(AvroType.union([.int, .boolean]).canonicalForm == "[\"int\",\"boolean\"]")
        let foo = AvroType.record(
            AvroRecord(
                name: "foo", namespace: "x.y", doc: "Useful info",
                fields: [AvroField(name: "f1", type: .annotated(.boolean, [AvroProperty("x", .int(1))]))]))
        #expect(
            foo.canonicalForm
                == "{\"name\":\"x.y.foo\",\"type\":\"record\",\"fields\":[{\"name\":\"f1\",\"type\":\"boolean\"}]}")
        let pig = AvroType.record(
            AvroRecord(
                name: "PigValue", namespace: nil,
                fields: [AvroField(name: "value", type: .union([.null, .int, .long, .named("PigValue")]))]))
        #expect(pig.fingerprint == UInt64(bitPattern: -1_759_257_747_318_642_341))
        #expect(AvroType.array(.null).fingerprint == UInt64(bitPattern: -589_620_603_366_471_059))
        #expect(AvroType.map(.string).fingerprint == UInt64(bitPattern: -8_732_877_298_790_414_990))
    }

    func table(_ sql: String) throws -> TableSchema {
        guard case .create(let schema) = try #require(DDLParser.parse(sql, defaultDatabase: "shop").first) else {
            throw DDLTestFailure(description: "not a create")
        }
        return schema
    }

    @Test func typeMapping() throws {
        let schema = try table(
            """
            CREATE TABLE `order-items` (id BIGINT UNSIGNED NOT NULL, line INT NOT NULL, qty SMALLINT UNSIGNED,
              price DECIMAL(10,2), f FLOAT, d DOUBLE, day DATE, at DATETIME(3), ts TIMESTAMP(6) NULL, dur TIME,
              y YEAR, b5 BIT(5), b64 BIT(64), c CHAR(3), t TEXT, e ENUM('a'), s SET('x'), j JSON, bin BINARY(4),
              blb BLOB, g POINT, `1st col` INT, `1st-col` INT, PRIMARY KEY (line, id))
            """)
        let avro = AvroSchema(table: schema)
        guard case .record(let envelope) = avro.value, case .union(let branches) = envelope.fields[3].type,
            case .record(let row) = branches[1]
        else {
            Issue.record("unexpected envelope: \(avro.value.json)")
            return
        }
        #expect(envelope.fullName == "binlog_sink.shop.order_items.Envelope")
        #expect(envelope.fields.map(\.name) == ["op", "db", "table", "before", "after", "source", "key"])
        let types = Dictionary(uniqueKeysWithValues: row.fields.map { ($0.name, $0.type.json) })
        #expect(types["id"] == "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":20,\"scale\":0}")
        #expect(types["line"] == "\"int\"")
        #expect(types["qty"] == "[\"null\",\"int\"]")
        #expect(
            types["price"] == "[\"null\",{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}]"
        )
        #expect(types["f"] == "[\"null\",\"float\"]" && types["d"] == "[\"null\",\"double\"]")
        #expect(types["day"] == "[\"null\",{\"type\":\"int\",\"logicalType\":\"date\"}]")
        #expect(types["at"] == "[\"null\",{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}]")
        #expect(types["ts"] == "[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}]")
        #expect(types["dur"] == "[\"null\",{\"type\":\"long\",\"binlog_sink.logical\":\"time-micros-signed\"}]")
        #expect(types["y"] == "[\"null\",\"int\"]")
        #expect(types["b5"] == "[\"null\",\"long\"]" && types["b64"] == "[\"null\",\"bytes\"]")
        for name in ["c", "t", "e", "s", "j"] { #expect(types[name] == "[\"null\",\"string\"]", "\(name)") }
        for name in ["bin", "blb", "g"] { #expect(types[name] == "[\"null\",\"bytes\"]", "\(name)") }
        #expect(row.fields.suffix(2).map(\.name) == ["_1st_col", "_1st_col_2"])
        #expect(row.fields.last?.properties.contains(AvroProperty("mysql.name", .string("1st-col"))) == true)
        guard case .record(let key) = avro.key else {
            Issue.record("key is not a record")
            return
        }
        #expect(key.fields.map(\.name) == ["line", "id"])
        #expect(avro.value.json.hasPrefix("{\"name\":\"Envelope\",\"namespace\":\"binlog_sink.shop.order_items\""))
    }

    @Test func keyWithoutPrimaryKeyHasAllColumnsAndFingerprintsAreStable() throws {
        let first = AvroSchema(table: try table("CREATE TABLE t (a INT, b VARCHAR(3))"))
        guard case .record(let key) = first.key else {
            Issue.record("key is not a record")
            return
        }
        #expect(key.fields.map(\.name) == ["a", "b"])
        let same = AvroSchema(table: try table("create table t (a int, b varchar(3) character set latin1)"))
        #expect(first.value.fingerprint == same.value.fingerprint)
        let wider = AvroSchema(table: try table("CREATE TABLE t (a INT, b VARCHAR(3), c INT)"))
        #expect(first.value.fingerprint != wider.value.fingerprint)
    }
}
