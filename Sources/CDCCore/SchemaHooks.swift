import BinlogDecoder

/// How the parser consults a schema registry, on the thread that reads events, in binlog order.
public protocol SchemaHooks: AnyObject {
    /// Sees every QUERY event (DDL moves the registry to a new schema version at that position).
    func observe(_ query: QueryEvent, file: String, offset: UInt64) throws(CDCError)
    /// Returns the table map with what the registry knows filled in (names, signedness, charsets, labels,
    /// primary key, precision), or throws when the rows cannot be decoded safely (a schema mismatch).
    func resolve(_ map: TableMap, file: String, offset: UInt64) throws(CDCError) -> TableMap
}
