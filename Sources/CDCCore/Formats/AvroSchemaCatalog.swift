import Synchronization

/// The Avro schemas binlog-sink has written records with: ids by schema, versions by subject, like a Confluent
/// schema registry (which the command can serve read-only from this catalog, `ConfluentRegistryRoutes`).
///
/// A schema's identity is its full JSON text (`AvroType.json`), not its fingerprint: the fingerprint ignores logical
/// types, so DECIMAL(5,2) and DECIMAL(6,3) share one but are different schemas (docs/avro.md). Registering a schema
/// the subject already has returns that version (Confluent does the same); only a changed schema makes a new version.
///
/// Thread-safe. The pipeline registers in `RecordEncoder.prepare`; the lead persists what `takeNew()` returns in the
/// state store and seeds the next run's catalog with every saved record, so ids stay stable across restarts.
public final class AvroSchemaCatalog: Sendable {
    private struct State {
        var records: [AvroSchemaRecord] = []
        /// Schema text → id.
        var ids: [String: Int32] = [:]
        /// Id → schema text.
        var schemas: [Int32: String] = [:]
        /// Subject → its records by version (index = version - 1).
        var subjects: [String: [AvroSchemaRecord]] = [:]
        var nextID: Int32 = 1
        var unsaved: [AvroSchemaRecord] = []
    }

    private let state: Mutex<State>
    private let topicName: @Sendable (_ database: String, _ table: String) -> String

    /// `records`: every record saved by earlier runs (any order). `topic` names the topic of a table (the
    /// `--topic` template); subjects are `<topic>-key` and `<topic>-value`. Throws `.state` when the saved records
    /// contradict each other (one id with two schemas, one subject version twice, versions with gaps).
    public init(
        records: [AvroSchemaRecord] = [],
        topic: @escaping @Sendable (_ database: String, _ table: String) -> String = { "\($0).\($1)" }
    ) throws(CDCError) {
        topicName = topic
        var state = State()
        for record in records.sorted(by: { ($0.subject, $0.version) < ($1.subject, $1.version) }) {
            if let known = state.schemas[record.id], known != record.schema {
                throw CDCError(
                    .state,
                    "saved Avro schema id \(record.id) has two different schemas (subjects include \(record.subject)); "
                        + "the state directory is damaged: remove its saved schemas to re-register them")
            }
            if let other = state.ids[record.schema], other != record.id {
                throw CDCError(
                    .state,
                    "saved Avro schemas \(other) and \(record.id) are the same schema (subject \(record.subject)); "
                        + "the state directory is damaged: remove its saved schemas to re-register them")
            }
            let versions = state.subjects[record.subject, default: []]
            guard record.version == versions.count + 1 else {
                throw CDCError(
                    .state,
                    "saved Avro subject \(record.subject) has version \(record.version) after \(versions.count) "
                        + "versions; the state directory is damaged: remove its saved schemas to re-register them")
            }
            state.subjects[record.subject, default: []].append(record)
            state.ids[record.schema] = record.id
            state.schemas[record.id] = record.schema
            state.records.append(record)
            state.nextID = max(state.nextID, record.id &+ 1)
        }
        self.state = Mutex(state)
    }

    /// The topic records of `database.table` go to.
    public func topic(database: String, table: String) -> String { topicName(database, table) }

    /// Registers the key and value schemas of a table version under `<topic>-key` and `<topic>-value`.
    public func register(_ schema: AvroSchema, database: String, table: String) -> (
        key: AvroSchemaRecord, value: AvroSchemaRecord
    ) {
        let topic = topicName(database, table)
        return (register(schema.key, subject: topic + "-key"), register(schema.value, subject: topic + "-value"))
    }

    /// Registers `schema` under `subject`: the subject's existing version of it, else a new version (with the
    /// schema's existing id when another subject has it, else a new id).
    public func register(_ schema: AvroType, subject: String) -> AvroSchemaRecord {
        let text = schema.json
        return state.withLock { state in
            if let id = state.ids[text], let existing = state.subjects[subject]?.first(where: { $0.id == id }) {
                return existing
            }
            let id: Int32
            if let known = state.ids[text] {
                id = known
            } else {
                id = state.nextID
                state.nextID &+= 1
                state.ids[text] = id
                state.schemas[id] = text
            }
            let record = AvroSchemaRecord(
                id: id, subject: subject, version: (state.subjects[subject]?.count ?? 0) + 1,
                fingerprint: schema.fingerprint, schema: text)
            state.subjects[subject, default: []].append(record)
            state.records.append(record)
            state.unsaved.append(record)
            return record
        }
    }

    /// Registers schema JSON a client sent (`--registry-writable`'s `POST /subjects/{subject}/versions`): the
    /// subject's existing version of the same text, else a new version, persisted by `persist` before anyone can see
    /// it (a failure leaves the catalog unchanged). The text is compared as sent (whitespace outside strings
    /// already removed by the caller); the fingerprint is CRC-64-AVRO of that text, not of the canonical form.
    public func register(
        text: String, subject: String, persist: (AvroSchemaRecord) throws(CDCError) -> Void
    ) throws(CDCError) -> AvroSchemaRecord {
        try state.withLock { (state: inout State) throws(CDCError) -> AvroSchemaRecord in
            if let id = state.ids[text], let existing = state.subjects[subject]?.first(where: { $0.id == id }) {
                return existing
            }
            let id = state.ids[text] ?? state.nextID
            let record = AvroSchemaRecord(
                id: id, subject: subject, version: (state.subjects[subject]?.count ?? 0) + 1,
                fingerprint: AvroFingerprint.crc64(Array(text.utf8)), schema: text)
            try persist(record)
            if state.ids[text] == nil {
                state.nextID &+= 1
                state.ids[text] = id
                state.schemas[id] = text
            }
            state.subjects[subject, default: []].append(record)
            state.records.append(record)
            return record
        }
    }

    /// The subject's registration of exactly this schema text (`POST /subjects/{subject}`), nil when it has none.
    public func lookup(text: String, subject: String) -> AvroSchemaRecord? {
        state.withLock { state in
            guard let id = state.ids[text] else { return nil }
            return state.subjects[subject]?.first { $0.id == id }
        }
    }

    /// The records registered since the last call (or since the catalog was created), in registration order: what
    /// the caller has to persist.
    public func takeNew() -> [AvroSchemaRecord] {
        state.withLock { state in
            defer { state.unsaved.removeAll() }
            return state.unsaved
        }
    }

    /// Every record, seeded and new, in registration order.
    public var records: [AvroSchemaRecord] { state.withLock { $0.records } }

    /// The schema JSON of an id.
    public func schema(id: Int32) -> String? { state.withLock { $0.schemas[id] } }

    /// Every subject, sorted.
    public var subjects: [String] { state.withLock { $0.subjects.keys.sorted() } }

    /// The versions of a subject (1…n), nil when the subject is unknown.
    public func versions(subject: String) -> [Int]? {
        state.withLock { $0.subjects[subject].map { $0.map(\.version) } }
    }

    /// One version of a subject.
    public func record(subject: String, version: Int) -> AvroSchemaRecord? {
        state.withLock { state in
            guard let versions = state.subjects[subject], version >= 1, version <= versions.count else { return nil }
            return versions[version - 1]
        }
    }

    /// A subject's newest version.
    public func latest(subject: String) -> AvroSchemaRecord? { state.withLock { $0.subjects[subject]?.last } }

    /// The subjects and versions that use an id.
    public func usages(id: Int32) -> [AvroSchemaRecord] { state.withLock { $0.records.filter { $0.id == id } } }
}
