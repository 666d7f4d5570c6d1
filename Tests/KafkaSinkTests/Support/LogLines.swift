import Foundation

/// Collects the sink's log lines (the sink logs on the thread that calls it; the lock is for reading them from
/// the test while another thread may be calling).
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    var lines: [String] { lock.withLock { storage } }

    var sink: (String) -> Void {
        { [self] line in lock.withLock { storage.append(line) } }
    }
}
