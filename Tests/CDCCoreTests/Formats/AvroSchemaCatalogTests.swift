import Foundation
import Testing

@testable import CDCCore

/// Ids by schema text, versions by subject, seeding from saved records, and `takeNew`.
@Suite struct AvroSchemaCatalogTests {
    static func schema(_ columns: [ColumnSchema], table: String = "t") -> AvroSchema {
        AvroSchema(table: TableSchema(database: "db", table: table, columns: columns, primaryKey: ["id"]))
    }

    static let id = ColumnSchema(name: "id", type: "int", nullable: false)
    static let v1 = schema([id, ColumnSchema(name: "price", type: "decimal", precision: 5, scale: 2)])
    /// Same fingerprint as v1 (the canonical form drops logical types), different schema.
    static let v2 = schema([id, ColumnSchema(name: "price", type: "decimal", precision: 6, scale: 3)])

    @Test func registersKeyAndValueSubjectsAndDedupes() throws {
        let catalog = try AvroSchemaCatalog(topic: { "cdc.\($0).\($1)" })
        let first = catalog.register(Self.v1, database: "db", table: "t")
        #expect(first.key.subject == "cdc.db.t-key" && first.value.subject == "cdc.db.t-value")
        #expect(first.key.version == 1 && first.value.version == 1 && first.key.id != first.value.id)
        #expect(first.value.fingerprint == Self.v1.value.fingerprint && first.value.schema == Self.v1.value.json)
        // The same table version again (another table map of the same table): nothing new.
        let again = catalog.register(Self.v1, database: "db", table: "t")
        #expect(again.key == first.key && again.value == first.value)
        #expect(catalog.takeNew() == [first.key, first.value])
        #expect(catalog.takeNew().isEmpty)

        // DECIMAL(5,2) → DECIMAL(6,3): same fingerprint, but a new value schema; the key is unchanged.
        #expect(Self.v1.value.fingerprint == Self.v2.value.fingerprint)
        let second = catalog.register(Self.v2, database: "db", table: "t")
        #expect(second.key == first.key)
        #expect(second.value.version == 2 && second.value.id != first.value.id)
        #expect(catalog.takeNew() == [second.value])
        #expect(catalog.versions(subject: "cdc.db.t-value") == [1, 2])
        #expect(catalog.latest(subject: "cdc.db.t-value") == second.value)
        // Going back to v1 is the subject's existing version 1 (as Confluent answers).
        #expect(catalog.register(Self.v1, database: "db", table: "t").value == first.value)

        // Another table with an identical key schema shares the id under its own subject.
        let other = catalog.register(Self.schema([Self.id], table: "t"), database: "db", table: "u")
        #expect(other.key.id == first.key.id && other.key.subject == "cdc.db.u-key" && other.key.version == 1)
        #expect(catalog.subjects == ["cdc.db.t-key", "cdc.db.t-value", "cdc.db.u-key", "cdc.db.u-value"])
        #expect(catalog.schema(id: first.value.id) == Self.v1.value.json)
        #expect(catalog.usages(id: first.key.id).map(\.subject) == ["cdc.db.t-key", "cdc.db.u-key"])
    }

    /// A new run seeded with what the last one saved keeps every id and version and continues the numbering.
    @Test func seededFromSavedRecords() throws {
        let first = try AvroSchemaCatalog()
        _ = first.register(Self.v1, database: "db", table: "t")
        _ = first.register(Self.v2, database: "db", table: "t")
        let saved = first.takeNew()
        let data = try JSONEncoder().encode(saved)
        let restored = try AvroSchemaCatalog(
            records: try JSONDecoder().decode([AvroSchemaRecord].self, from: data).reversed())
        #expect(restored.records.count == 3 && restored.takeNew().isEmpty)
        #expect(restored.register(Self.v2, database: "db", table: "t").value == saved[2])
        let third = restored.register(
            Self.schema([Self.id, ColumnSchema(name: "note", type: "text")]), database: "db", table: "t")
        #expect(third.value.version == 3 && third.value.id == saved.map(\.id).max().map { $0 + 1 })
    }

    @Test func contradictorySavedRecordsAreRefused() {
        let record = AvroSchemaRecord(id: 1, subject: "a-value", version: 1, fingerprint: 0, schema: "\"int\"")
        var twoSchemas = record
        twoSchemas.subject = "b-value"
        twoSchemas.schema = "\"long\""
        #expect(throws: CDCError.self) { try AvroSchemaCatalog(records: [record, twoSchemas]) }
        var gap = record
        gap.version = 2
        #expect(throws: CDCError.self) { try AvroSchemaCatalog(records: [gap]) }
    }

    /// Registration from several threads at once yields one id per schema and consecutive versions.
    @Test func concurrentRegistration() async throws {
        let catalog = try AvroSchemaCatalog()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    _ = catalog.register(index % 2 == 0 ? Self.v1 : Self.v2, database: "db", table: "t")
                }
            }
        }
        #expect(catalog.versions(subject: "db.t-value") == [1, 2] && catalog.versions(subject: "db.t-key") == [1])
        #expect(Set(catalog.records.map(\.id)).count == 3)
    }

    /// The write path (`--registry-writable`): text registrations share ids with the run's own schemas, are
    /// persisted before they are visible (a failed save changes nothing), and are not handed to `takeNew` again.
    @Test func registrationsFromClients() throws {
        let catalog = try AvroSchemaCatalog(topic: { "cdc.\($0).\($1)" })
        let own = catalog.register(Self.v1, database: "db", table: "t")
        _ = catalog.takeNew()
        var saved: [AvroSchemaRecord] = []
        let persist: (AvroSchemaRecord) throws(CDCError) -> Void = { saved.append($0) }

        // The run's value schema under another subject: the same id, version 1 there, saved.
        let shared = try catalog.register(text: Self.v1.value.json, subject: "other-value", persist: persist)
        #expect(shared.id == own.value.id && shared.version == 1 && saved == [shared])
        // Again: the existing registration, nothing saved.
        #expect(try catalog.register(text: Self.v1.value.json, subject: "other-value", persist: persist) == shared)
        #expect(saved.count == 1)

        // A new schema whose save fails: an error, and the catalog does not know it.
        let probe = #"{"type":"record","name":"P","fields":[{"name":"n","type":"long"}]}"#
        #expect(throws: CDCError.self) {
            try catalog.register(text: probe, subject: "probe-value") { (_) throws(CDCError) in
                throw CDCError(.io, "disk full")
            }
        }
        #expect(
            catalog.versions(subject: "probe-value") == nil
                && catalog.lookup(text: probe, subject: "probe-value") == nil)
        // Saved this time: a new id, found by lookup, served by id, not returned by takeNew.
        let registered = try catalog.register(text: probe, subject: "probe-value", persist: persist)
        #expect(registered.id != own.key.id && registered.id != own.value.id && registered.version == 1)
        #expect(catalog.lookup(text: probe, subject: "probe-value") == registered)
        #expect(catalog.lookup(text: probe, subject: "other-value") == nil)
        #expect(catalog.schema(id: registered.id) == probe && saved.last == registered)
        #expect(catalog.takeNew().isEmpty)
        // The run's next schema gets an id after the client's.
        let next = catalog.register(Self.v2, database: "db", table: "t")
        #expect(next.value.id > registered.id)
    }
}
