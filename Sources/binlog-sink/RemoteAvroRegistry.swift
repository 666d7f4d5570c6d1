import CDCCore
import Synchronization

/// The Avro encoder's schema ids from a Confluent-compatible registry (`--schema-registry-url`): each table
/// version's key and value schemas are registered under `<topic>-key` / `<topic>-value` (TopicNameStrategy, the
/// topic from `--topic`, exactly what the Kafka sink writes to) and the registry's ids go into the messages.
///
/// Ids are cached for the run: a schema is registered once per run, the first time a table version needs it
/// (registering again is harmless, the registry answers with the id it has). The registrations are saved in the
/// state store like the embedded registry's, under the subject `<registry URL>|<subject>` so they never mix with
/// the embedded registry's ids; they are not trusted as a cache across runs (the registry is the authority), but a
/// registry that answers a different id than the one saved for the same schema is reported, since messages already
/// written with the old id may no longer decode.
final class RemoteAvroRegistry: AvroSchemaSource {
    private struct State {
        /// Subject → schema text → id, registered in this run.
        var ids: [String: [String: Int32]] = [:]
        /// Saved subject (`<url>|<subject>`) → its saved registrations, by version.
        var saved: [String: [AvroSchemaRecord]] = [:]
        var unsaved: [AvroSchemaRecord] = []
    }

    let client: SchemaRegistryClient
    private let state: Mutex<State>
    private let topicName: @Sendable (_ database: String, _ table: String) -> String
    private let log: @Sendable (String) -> Void

    /// `saved`: every Avro registration in the state; those of other registries are ignored.
    init(
        client: SchemaRegistryClient, saved: [AvroSchemaRecord],
        topic: @escaping @Sendable (_ database: String, _ table: String) -> String,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.client = client
        topicName = topic
        self.log = log
        var state = State()
        let prefix = Self.savedPrefix(client.address)
        for record in saved where record.subject.hasPrefix(prefix) {
            state.saved[record.subject, default: []].append(record)
        }
        for key in state.saved.keys { state.saved[key]?.sort { $0.version < $1.version } }
        self.state = Mutex(state)
    }

    /// Saved registrations of a remote registry start with its URL: the embedded registry skips them.
    static func isRemote(_ savedSubject: String) -> Bool {
        savedSubject.hasPrefix("http://") || savedSubject.hasPrefix("https://")
    }

    static func savedPrefix(_ address: String) -> String { address + "|" }

    func topic(database: String, table: String) -> String { topicName(database, table) }

    func register(_ schema: AvroSchema, database: String, table: String) throws(CDCError) -> (
        key: AvroSchemaRecord, value: AvroSchemaRecord
    ) {
        let topic = topicName(database, table)
        return (
            try register(schema.key, subject: topic + "-key"), try register(schema.value, subject: topic + "-value")
        )
    }

    /// The id of `schema` under `subject`: from this run's cache, else registered now (on the pipeline's thread;
    /// only that thread registers, so two registrations of one schema cannot race).
    func register(_ schema: AvroType, subject: String) throws(CDCError) -> AvroSchemaRecord {
        let text = schema.json
        let fingerprint = schema.fingerprint
        if let id = state.withLock({ $0.ids[subject]?[text] }) {
            return AvroSchemaRecord(id: id, subject: subject, version: 0, fingerprint: fingerprint, schema: text)
        }
        let id = try client.register(subject: subject, schema: text)
        let savedSubject = Self.savedPrefix(client.address) + subject
        let warning: String? = state.withLock { state in
            state.ids[subject, default: [:]][text] = id
            let versions = state.saved[savedSubject, default: []]
            if let known = versions.first(where: { $0.schema == text }) {
                guard known.id != id else { return nil }
                return "schema registry \(client.address) now gives subject \(subject) id \(id) for the schema it "
                    + "gave id \(known.id) in an earlier run: was the registry reset? Messages written with id "
                    + "\(known.id) may no longer decode"
            }
            let record = AvroSchemaRecord(
                id: id, subject: savedSubject, version: versions.count + 1, fingerprint: fingerprint, schema: text)
            state.saved[savedSubject, default: []].append(record)
            state.unsaved.append(record)
            return nil
        }
        if let warning { log("warning: \(warning)") }
        return AvroSchemaRecord(id: id, subject: subject, version: 0, fingerprint: fingerprint, schema: text)
    }

    func takeNew() -> [AvroSchemaRecord] {
        state.withLock { state in
            defer { state.unsaved.removeAll() }
            return state.unsaved
        }
    }
}
