import Foundation
import Testing

@testable import CDCCore

/// The read API's routes, bodies and Confluent error codes.
@Suite struct ConfluentRegistryRoutesTests {
    let catalog: AvroSchemaCatalog
    let records: (key: AvroSchemaRecord, value: AvroSchemaRecord)

    init() throws {
        catalog = try AvroSchemaCatalog(topic: { "cdc/\($0).\($1)" })
        records = catalog.register(AvroSchemaCatalogTests.v1, database: "db", table: "t")
        _ = catalog.register(AvroSchemaCatalogTests.v2, database: "db", table: "t")
    }

    func get(_ path: String) throws -> (Int, Any) {
        let (status, body) = ConfluentRegistryRoutes.respond(method: "GET", path: path, catalog: catalog)
        return (status, try JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]))
    }

    @Test func schemaByID() throws {
        let (status, body) = try get("/schemas/ids/\(records.value.id)")
        #expect(status == 200)
        #expect((body as? [String: Any])?["schema"] as? String == records.value.schema)
        let (usageStatus, usages) = try get("/schemas/ids/\(records.key.id)/versions?x=1")
        #expect(usageStatus == 200 && (usages as? [[String: Any]])?.first?["subject"] as? String == "cdc/db.t-key")
        let (missing, error) = try get("/schemas/ids/999")
        #expect(missing == 404 && (error as? [String: Any])?["error_code"] as? Int == 40403)
    }

    @Test func subjectsAndVersions() throws {
        let (status, subjects) = try get("/subjects")
        #expect(status == 200 && subjects as? [String] == ["cdc/db.t-key", "cdc/db.t-value"])
        let (_, versions) = try get("/subjects/cdc%2Fdb.t-value/versions")
        #expect(versions as? [Int] == [1, 2])
        let (_, first) = try get("/subjects/cdc%2Fdb.t-value/versions/1")
        let object = try #require(first as? [String: Any])
        #expect(object["id"] as? Int == Int(records.value.id) && object["version"] as? Int == 1)
        #expect(object["subject"] as? String == "cdc/db.t-value" && object["schema"] as? String == records.value.schema)
        let (_, latest) = try get("/subjects/cdc%2Fdb.t-value/versions/latest")
        #expect((latest as? [String: Any])?["version"] as? Int == 2)
        let (rawStatus, raw) = ConfluentRegistryRoutes.respond(
            method: "GET", path: "/subjects/cdc%2Fdb.t-value/versions/1/schema", catalog: catalog)
        #expect(rawStatus == 200 && raw == records.value.schema)
    }

    @Test func errors() throws {
        let (noSubject, body) = try get("/subjects/nope/versions")
        #expect(noSubject == 404 && (body as? [String: Any])?["error_code"] as? Int == 40401)
        let (noVersion, versionBody) = try get("/subjects/cdc%2Fdb.t-value/versions/3")
        #expect(noVersion == 404 && (versionBody as? [String: Any])?["error_code"] as? Int == 40402)
        let (badVersion, badBody) = try get("/subjects/cdc%2Fdb.t-value/versions/zero")
        #expect(badVersion == 422 && (badBody as? [String: Any])?["error_code"] as? Int == 42202)
        #expect(ConfluentRegistryRoutes.respond(method: "POST", path: "/subjects", catalog: catalog).status == 405)
        #expect(ConfluentRegistryRoutes.respond(method: "GET", path: "/config", catalog: catalog).status == 404)
    }
}
