/// One version of one table's schema, valid from a binlog position until the next version of the same table.
/// The schema itself is opaque to the store: the registry's serialized model (JSON text as bytes).
public struct SchemaVersionRecord: Sendable, Equatable {
    public var database: String
    public var table: String
    /// Increases by one per change of this table.
    public var version: Int64
    /// The position of the event (DDL or first sighting) from which this version applies.
    public var validFrom: BinlogFilePosition
    public var schema: [UInt8]
    /// Ids of the table version's Avro key and value schemas in `avro_schemas`, once registered.
    public var avroKeySchemaID: Int64?
    public var avroValueSchemaID: Int64?

    public init(
        database: String, table: String, version: Int64, validFrom: BinlogFilePosition, schema: [UInt8],
        avroKeySchemaID: Int64? = nil, avroValueSchemaID: Int64? = nil
    ) {
        self.database = database
        self.table = table
        self.version = version
        self.validFrom = validFrom
        self.schema = schema
        self.avroKeySchemaID = avroKeySchemaID
        self.avroValueSchemaID = avroValueSchemaID
    }
}

/// An Avro schema registered in the embedded registry: a global id, and a version under its subject
/// (Confluent's model). Never compacted: consumers may still need an old id to decode old messages.
public struct AvroSchemaRecord: Sendable, Equatable {
    public var id: Int64
    public var subject: String
    public var version: Int64
    /// The schema's 64-bit fingerprint (e.g. CRC-64-AVRO of its canonical form).
    public var fingerprint: UInt64
    /// The schema JSON.
    public var schema: String

    public init(id: Int64, subject: String, version: Int64, fingerprint: UInt64, schema: String) {
        self.id = id
        self.subject = subject
        self.version = version
        self.fingerprint = fingerprint
        self.schema = schema
    }
}

/// How far the initial snapshot of one table got.
public struct SnapshotProgress: Sendable, Equatable {
    public var database: String
    public var table: String
    /// The primary key of the last row of the last finished chunk (opaque bytes), nil before the first chunk.
    public var lastChunkKey: [UInt8]?
    public var rows: UInt64
    public var finished: Bool
    /// Chunks delivered (and acknowledged by the sink).
    public var chunks: UInt64

    public init(
        database: String, table: String, lastChunkKey: [UInt8]?, rows: UInt64, finished: Bool, chunks: UInt64 = 0
    ) {
        self.database = database
        self.table = table
        self.lastChunkKey = lastChunkKey
        self.rows = rows
        self.finished = finished
        self.chunks = chunks
    }
}

/// `AvroSchemaRecord` under a name that does not clash with the core's type of the same name in code that uses both
/// modules (the module and its main class are both called StateStore, so `StateStore.AvroSchemaRecord` cannot name it).
public typealias StoredAvroSchema = AvroSchemaRecord
