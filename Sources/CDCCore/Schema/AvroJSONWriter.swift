/// Writes `AvroType` as JSON text, in full or in Parsing Canonical Form. Schemas are built once per table
/// version, so this is not a hot path; it needs no Foundation.
enum AvroJSONWriter {
    static func write(_ type: AvroType, canonical: Bool, into out: inout [UInt8]) {
        if let name = type.primitiveName {
            JSONString.append(name, into: &out)
            return
        }
        switch type {
        case .annotated(let base, let properties):
            if canonical {
                write(base, canonical: true, into: &out)
                return
            }
            out.append(UInt8(ascii: "{"))
            key("type", into: &out)
            write(base, canonical: false, into: &out)
            for property in properties { append(property, into: &out) }
            out.append(UInt8(ascii: "}"))
        case .record(let record):
            out.append(UInt8(ascii: "{"))
            key("name", into: &out)
            JSONString.append(canonical ? record.fullName : record.name, into: &out)
            out.append(UInt8(ascii: ","))
            if !canonical, let namespace = record.namespace {
                key("namespace", into: &out)
                JSONString.append(namespace, into: &out)
                out.append(UInt8(ascii: ","))
            }
            key("type", into: &out)
            JSONString.append("record", into: &out)
            if !canonical, let doc = record.doc {
                out.append(UInt8(ascii: ","))
                key("doc", into: &out)
                JSONString.append(doc, into: &out)
            }
            out.append(UInt8(ascii: ","))
            key("fields", into: &out)
            out.append(UInt8(ascii: "["))
            for (index, field) in record.fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "{"))
                key("name", into: &out)
                JSONString.append(field.name, into: &out)
                out.append(UInt8(ascii: ","))
                key("type", into: &out)
                write(field.type, canonical: canonical, into: &out)
                if !canonical {
                    if field.defaultNull {
                        out.append(UInt8(ascii: ","))
                        key("default", into: &out)
                        out.append(contentsOf: Array("null".utf8))
                    }
                    for property in field.properties { append(property, into: &out) }
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(contentsOf: Array("]}".utf8))
        case .array(let items):
            out.append(UInt8(ascii: "{"))
            key("type", into: &out)
            JSONString.append("array", into: &out)
            out.append(UInt8(ascii: ","))
            key("items", into: &out)
            write(items, canonical: canonical, into: &out)
            out.append(UInt8(ascii: "}"))
        case .map(let values):
            out.append(UInt8(ascii: "{"))
            key("type", into: &out)
            JSONString.append("map", into: &out)
            out.append(UInt8(ascii: ","))
            key("values", into: &out)
            write(values, canonical: canonical, into: &out)
            out.append(UInt8(ascii: "}"))
        case .union(let branches):
            out.append(UInt8(ascii: "["))
            for (index, branch) in branches.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(branch, canonical: canonical, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .named(let fullName):
            JSONString.append(fullName, into: &out)
        default:
            break
        }
    }

    static func key(_ name: String, into out: inout [UInt8]) {
        JSONString.append(name, into: &out)
        out.append(UInt8(ascii: ":"))
    }

    static func append(_ property: AvroProperty, into out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        key(property.key, into: &out)
        switch property.value {
        case .string(let text): JSONString.append(text, into: &out)
        case .int(let value): out.append(contentsOf: Array(String(value).utf8))
        case .bool(let value): out.append(contentsOf: Array((value ? "true" : "false").utf8))
        }
    }
}
