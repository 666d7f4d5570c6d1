/// The initial snapshot as a whole: where streaming continues after it, and whether it finished.
///
/// `position` is the OLDEST consistent-snapshot position any part of the snapshot was read at. An interrupted
/// snapshot resumes in a new consistent snapshot (a later position) from each table's last acknowledged chunk, but
/// keeps this position: the binlog from here re-applies every change made after the earliest rows were read, so
/// nothing is lost (changes between the two positions may be delivered twice: at-least-once).
public struct SnapshotRun: Sendable, Equatable {
    public var position: BinlogFilePosition
    public var startedAtMilliseconds: Int64
    public var finished: Bool
    public var finishedAtMilliseconds: Int64?

    public init(
        position: BinlogFilePosition, startedAtMilliseconds: Int64, finished: Bool = false,
        finishedAtMilliseconds: Int64? = nil
    ) {
        self.position = position
        self.startedAtMilliseconds = startedAtMilliseconds
        self.finished = finished
        self.finishedAtMilliseconds = finishedAtMilliseconds
    }
}
