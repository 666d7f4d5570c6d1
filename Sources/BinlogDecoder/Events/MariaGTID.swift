/// One MariaDB global transaction id: `domain_id-server_id-seq_no`, e.g. `0-1-42`.
///
/// `domain` is the replication domain (`gtid_domain_id`), `server` the `server_id` of the server that first wrote
/// the transaction and `sequence` its sequence number within the domain.
public struct MariaGTID: Sendable, Hashable, CustomStringConvertible {
    /// `domain_id` (u32).
    public var domain: UInt32
    /// `server_id` (u32): in a `MARIA_GTID` event it is the event header's server id.
    public var server: UInt32
    /// `seq_no` (u64).
    public var sequence: UInt64

    public init(domain: UInt32, server: UInt32, sequence: UInt64) {
        self.domain = domain
        self.server = server
        self.sequence = sequence
    }

    /// MariaDB's text form, as `@@gtid_binlog_pos` and `mariadb-binlog` print it: `0-1-42`.
    public var description: String {
        "\(domain)-\(server)-\(sequence)"
    }
}
