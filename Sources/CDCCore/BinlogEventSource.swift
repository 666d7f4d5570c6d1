/// Where the parser's events come from: binlog files on disk (`BinlogFilesSource`) or a server's replication
/// stream (the live source). A source frames events; the parser decodes them, keeps the decoder state and renders.
public protocol BinlogEventSource: AnyObject {
    /// The next complete event (header, body and checksum as on disk), or nil at the end.
    func nextEvent() throws(CDCError) -> SourceEvent?

    /// The same, but a source that would wait for the next event (a live stream that has caught up) first calls
    /// `beforeWaiting`, so the caller delivers everything it holds instead of sitting on it while the server is idle.
    func nextEvent(beforeWaiting: () throws(CDCError) -> Void) throws(CDCError) -> SourceEvent?
}

extension BinlogEventSource {
    /// Files never wait: the default ignores the hook.
    public func nextEvent(beforeWaiting: () throws(CDCError) -> Void) throws(CDCError) -> SourceEvent? {
        try nextEvent()
    }
}

/// One framed event and where it is.
public struct SourceEvent: Sendable {
    public var bytes: [UInt8]
    /// Byte offset of the event in its binlog file.
    public var offset: UInt64
    /// The binlog file's base name (`mysql-bin.000042`), as records show it.
    public var file: String
    /// What error messages name: the file's path, or server and file for a live stream.
    public var label: String

    public init(bytes: [UInt8], offset: UInt64, file: String, label: String) {
        self.bytes = bytes
        self.offset = offset
        self.file = file
        self.label = label
    }
}
