/// The read-only part of Confluent Schema Registry's REST API over an `AvroSchemaCatalog`, as a pure function from
/// request line to response, so consumers (`KafkaAvroDeserializer`, kcat -s avro) can fetch the schemas binlog-sink
/// wrote with. The command serves it on `--registry-listen`; this type does no I/O.
///
/// Routes (GET only; a query string is ignored; subjects are percent-decoded):
/// `/schemas/ids/{id}`, `/schemas/ids/{id}/versions`, `/subjects`, `/subjects/{subject}/versions`,
/// `/subjects/{subject}/versions/{version|latest}`, `/subjects/{subject}/versions/{version|latest}/schema`.
/// Errors use Confluent's bodies: `{"error_code":40403,"message":"Schema not found"}`.
public enum ConfluentRegistryRoutes {
    /// The content type Confluent's registry answers with.
    public static let contentType = "application/vnd.schemaregistry.v1+json"

    public static func respond(method: String, path: String, catalog: AvroSchemaCatalog) -> (
        status: Int, body: String
    ) {
        let route = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = route.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard method == "GET" || method == "HEAD" else {
            return error(405, 405, "HTTP method \(method) not allowed: this registry is read-only")
        }
        switch parts.count {
        case 1 where parts[0] == "subjects":
            return (200, "[" + catalog.subjects.map(quoted).joined(separator: ",") + "]")
        case 3 where parts[0] == "schemas" && parts[1] == "ids",
            4
        where parts[0] == "schemas" && parts[1] == "ids"
            && parts[3] == "versions":
            guard let id = Int32(parts[2]), let schema = catalog.schema(id: id) else {
                return error(404, 40403, "Schema \(parts[2]) not found")
            }
            if parts.count == 4 {
                let usages = catalog.usages(id: id).map {
                    "{\"subject\":\(quoted($0.subject)),\"version\":\($0.version)}"
                }
                return (200, "[" + usages.joined(separator: ",") + "]")
            }
            return (200, "{\"schema\":\(quoted(schema))}")
        case 3 where parts[0] == "subjects" && parts[2] == "versions":
            guard let subject = percentDecoded(parts[1]), let versions = catalog.versions(subject: subject) else {
                return error(404, 40401, "Subject '\(parts[1])' not found.")
            }
            return (200, "[" + versions.map(String.init).joined(separator: ",") + "]")
        case 4 where parts[0] == "subjects" && parts[2] == "versions",
            5 where parts[0] == "subjects" && parts[2] == "versions" && parts[4] == "schema":
            guard let subject = percentDecoded(parts[1]), catalog.versions(subject: subject) != nil else {
                return error(404, 40401, "Subject '\(parts[1])' not found.")
            }
            let record: AvroSchemaRecord?
            if parts[3] == "latest" || parts[3] == "-1" {
                record = catalog.latest(subject: subject)
            } else if let version = Int(parts[3]), version >= 1 {
                record = catalog.record(subject: subject, version: version)
            } else {
                return error(
                    422, 42202,
                    "The specified version '\(parts[3])' is not a valid version id. Allowed values are between "
                        + "[1, 2^31-1] and the string \"latest\"")
            }
            guard let record else { return error(404, 40402, "Version \(parts[3]) not found.") }
            if parts.count == 5 { return (200, record.schema) }
            return (
                200,
                "{\"subject\":\(quoted(record.subject)),\"version\":\(record.version),\"id\":\(record.id),"
                    + "\"schema\":\(quoted(record.schema))}"
            )
        default:
            return error(404, 404, "HTTP 404 Not Found")
        }
    }

    private static func error(_ status: Int, _ code: Int, _ message: String) -> (status: Int, body: String) {
        (status, "{\"error_code\":\(code),\"message\":\(quoted(message))}")
    }

    private static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        JSONString.append(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `%2F` → `/`; nil for a malformed escape or bytes that are not UTF-8.
    public static func percentDecoded(_ text: String) -> String? {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == 37 else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }
}
