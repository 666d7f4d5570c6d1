import CDCCore
import Foundation

/// The part of Confluent Schema Registry's REST API that changes or queries by schema, served by the embedded
/// registry with `--registry-writable` so other runs (`--schema-registry-url`) and other producers can register
/// their schemas with this one, and `GET /config` that clients ask for. Everything else is
/// `ConfluentRegistryRoutes`' read API.
///
/// - `POST /subjects/{subject}/versions` `{"schema":"…"}` → `{"id":N}`: the subject's existing version of that
///   schema, else a new version, saved in the state directory before the answer (ids survive restarts).
/// - `POST /subjects/{subject}` `{"schema":"…"}` → `{"subject","version","id","schema"}`, or 40403 when the subject
///   does not have that schema (40401 when the subject is unknown).
/// - `GET /config`, `GET /config/{subject}` → `{"compatibilityLevel":"NONE"}`: this registry checks no
///   compatibility between versions.
///
/// Only Avro: another `schemaType`, or schema references, is 422 (42201). The schema must be JSON that can be an
/// Avro schema (a type name, an object with `"type"`, or a union array); it is compared by its text with the
/// whitespace between JSON tokens removed.
enum RegistryWriteRoutes {
    /// Nil when the request is not one of these routes.
    static func respond(
        method: String, path: String, body: [UInt8], catalog: AvroSchemaCatalog,
        persist: (AvroSchemaRecord) throws(CDCError) -> Void
    ) -> (status: Int, body: String)? {
        let route = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = route.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if method == "GET" || method == "HEAD", parts.first == "config", parts.count <= 2 {
            return (200, "{\"compatibilityLevel\":\"NONE\"}")
        }
        guard method == "POST", parts.first == "subjects",
            parts.count == 2 || (parts.count == 3 && parts[2] == "versions")
        else { return nil }
        guard let subject = ConfluentRegistryRoutes.percentDecoded(parts[1]), !subject.isEmpty else {
            return error(422, 42208, "Invalid subject name '\(parts[1])'")
        }
        if RemoteAvroRegistry.isRemote(subject) {
            return error(422, 42208, "Subject names starting with http:// or https:// are reserved by binlog-sink")
        }
        let text: String
        switch schemaText(body) {
        case .failure(let message): return error(422, 42201, message)
        case .success(let schema): text = schema
        }
        if parts.count == 2 {
            guard let record = catalog.lookup(text: text, subject: subject) else {
                if catalog.versions(subject: subject) == nil {
                    return error(404, 40401, "Subject '\(subject)' not found.")
                }
                return error(404, 40403, "Schema not found")
            }
            return (
                200,
                "{\"subject\":\(quoted(record.subject)),\"version\":\(record.version),\"id\":\(record.id),"
                    + "\"schema\":\(quoted(record.schema))}"
            )
        }
        do throws(CDCError) {
            let record = try catalog.register(text: text, subject: subject, persist: persist)
            return (200, "{\"id\":\(record.id)}")
        } catch {
            return Self.error(500, 50001, "Error while registering the schema: \(error.message)")
        }
    }

    enum Parsed {
        case success(String)
        case failure(String)
    }

    /// The request's schema text, minified, or why it cannot be registered.
    static func schemaText(_ body: [UInt8]) -> Parsed {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return .failure("The request body must be a JSON object: {\"schema\": \"<Avro schema JSON>\"}")
        }
        if let type = object["schemaType"] as? String, type.uppercased() != "AVRO" {
            return .failure("Schema type \(type) is not supported: binlog-sink's registry holds only AVRO schemas")
        }
        if let references = object["references"] as? [Any], !references.isEmpty {
            return .failure("Schema references are not supported by binlog-sink's registry")
        }
        guard let schema = object["schema"] as? String else {
            return .failure("Empty schema: the body needs a \"schema\" string")
        }
        guard
            let parsed = try? JSONSerialization.jsonObject(
                with: Data(schema.utf8), options: [.fragmentsAllowed])
        else {
            return .failure("Invalid schema: the schema is not valid JSON")
        }
        switch parsed {
        case is String, is [Any]: break
        case let record as [String: Any] where record["type"] != nil: break
        default: return .failure("Invalid schema: an Avro schema is a type name, an object with \"type\" or a union")
        }
        return .success(minified(schema))
    }

    /// The JSON text without whitespace between tokens (strings untouched).
    static func minified(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var inString = false
        var escaped = false
        for byte in text.utf8 {
            if inString {
                out.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "\""): inString = true
            default: break
            }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func error(_ status: Int, _ code: Int, _ message: String) -> (status: Int, body: String) {
        (status, "{\"error_code\":\(code),\"message\":\(quoted(message))}")
    }

    private static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        JSONString.append(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
