import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A fault-injecting TCP proxy for the chaos suite: listens on 127.0.0.1 (a port the kernel picks unless one is
/// given) and forwards every connection to 127.0.0.1:`upstreamPort`, one thread per direction. The test drives it:
///
/// - `dropAll()` cuts every open connection (both sides shut down: the client sees a reset/EOF, as when the server
///   or the network goes away); new connections are accepted again at once;
/// - `stalled = true` stops forwarding (bytes already read wait in the proxy; nothing is lost) until set back;
/// - `delay` sleeps before forwarding each chunk, `chunkLimit` caps a chunk (small chunks + delay = a slow link);
/// - `refuse = true` closes new connections as soon as they are accepted (an endpoint that is down);
/// - `cutNext(_:afterChunks:)` cuts each of the next N connections just before it would forward its Kth chunk
///   from the server (a connection lost at a given step of a conversation, e.g. right after the handshake).
///
/// A connection whose upstream cannot be reached is closed at once (the client sees the server down).
final class FaultProxy: @unchecked Sendable {  // mutable state is guarded by `lock`
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let upstreamPort: Int
    private(set) var port: Int = 0
    private let listener: Int32
    private let lock = NSLock()
    private var connections: [Int32: Int32] = [:]  // client fd → upstream fd
    private var closing = false
    private var stallFlag = false
    private var refuseFlag = false
    private var delayMicroseconds: useconds_t = 0
    private var chunk = 65536
    private var cutPlan: (connections: Int, afterChunks: Int) = (0, 0)
    private var acceptedCount = 0
    private var droppedCount = 0
    private var bytesCount = 0
    private let acceptDone = DispatchSemaphore(value: 0)

    init(upstreamPort: Int, port: Int = 0) throws {
        self.upstreamPort = upstreamPort
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            let error = errno
            close(listener)
            throw Failure(description: "cannot listen on 127.0.0.1:\(port): errno \(error)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    var stalled: Bool {
        get { lock.withLock { stallFlag } }
        set { lock.withLock { stallFlag = newValue } }
    }

    var refuse: Bool {
        get { lock.withLock { refuseFlag } }
        set { lock.withLock { refuseFlag = newValue } }
    }

    /// Pause before forwarding each chunk (0: none).
    var delay: TimeInterval {
        get { lock.withLock { Double(delayMicroseconds) / 1e6 } }
        set { lock.withLock { delayMicroseconds = useconds_t(max(0, newValue) * 1e6) } }
    }

    /// The largest chunk forwarded at once.
    var chunkLimit: Int {
        get { lock.withLock { chunk } }
        set { lock.withLock { chunk = max(1, min(newValue, 65536)) } }
    }

    /// Forwarding as normal: no stall, no delay, full chunks, connections accepted.
    func heal() {
        lock.withLock {
            stallFlag = false
            refuseFlag = false
            delayMicroseconds = 0
            chunk = 65536
        }
    }

    /// Cuts each of the next `connections` connections instead of forwarding the `afterChunks`th chunk the
    /// server sends on it.
    func cutNext(_ connections: Int, afterChunks: Int) {
        lock.withLock { cutPlan = (connections, afterChunks) }
    }

    var accepted: Int { lock.withLock { acceptedCount } }
    var dropped: Int { lock.withLock { droppedCount } }
    var bytesForwarded: Int { lock.withLock { bytesCount } }
    var openConnections: Int { lock.withLock { connections.count } }

    /// Cuts every open connection; returns how many there were.
    @discardableResult
    func dropAll() -> Int {
        lock.withLock {
            for (client, upstream) in connections {
                shutdown(client, Int32(SHUT_RDWR))
                shutdown(upstream, Int32(SHUT_RDWR))
            }
            droppedCount += connections.count
            return connections.count
        }
    }

    /// Stops listening and cuts every connection.
    func stop() {
        let first = lock.withLock { () -> Bool in
            if closing { return false }
            closing = true
            return true
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        acceptDone.wait()
        close(listener)
        dropAll()
        let deadline = Date().addingTimeInterval(5)
        while openConnections > 0 && Date() < deadline { usleep(10_000) }
    }

    private func acceptLoop() {
        defer { acceptDone.signal() }
        while true {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 200)
            if lock.withLock({ closing }) { return }
            if ready <= 0 { continue }
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == EAGAIN || errno == ECONNABORTED { continue }
                return
            }
            if lock.withLock({ refuseFlag }) {
                close(client)
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if upstream < 0 || connected != 0 {
                if upstream >= 0 { close(upstream) }
                close(client)
                continue
            }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(upstream, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let cutAfter = lock.withLock { () -> Int? in
                connections[client] = upstream
                acceptedCount += 1
                guard cutPlan.connections > 0 else { return nil }
                cutPlan.connections -= 1
                return cutPlan.afterChunks
            }
            let ends = Ends(client: client, upstream: upstream)
            Thread.detachNewThread { [self] in pump(from: client, to: upstream, ends: ends, cutAfter: nil) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client, ends: ends, cutAfter: cutAfter) }
        }
    }

    /// The two sockets of one connection, closed by the second pump to finish.
    private final class Ends: @unchecked Sendable {  // `finished` is guarded by `lock`
        let client: Int32
        let upstream: Int32
        let lock = NSLock()
        var finished = 0
        init(client: Int32, upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }
    }

    private func pump(from source: Int32, to destination: Int32, ends: Ends, cutAfter: Int?) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var chunks = 0
        loop: while true {
            let limit = lock.withLock { chunk }
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, limit, 0) }
            if count <= 0 {
                if count < 0 && errno == EINTR { continue }
                break
            }
            chunks += 1
            if let cutAfter, chunks >= cutAfter {
                lock.withLock { droppedCount += 1 }
                break
            }
            while true {
                let (stall, pause, gone) = lock.withLock { (stallFlag, delayMicroseconds, closing) }
                if gone { break loop }
                if !stall {
                    if pause > 0 { usleep(pause) }
                    break
                }
                usleep(10_000)
            }
            var sent = 0
            while sent < count {
                let written = buffer[sent..<count].withUnsafeBytes {
                    send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    break loop
                }
                sent += written
            }
            lock.withLock { bytesCount += count }
        }
        // One side ended: end the other too (a half-open connection would hide the fault).
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(destination, Int32(SHUT_RDWR))
        let last = ends.lock.withLock { () -> Bool in
            ends.finished += 1
            return ends.finished == 2
        }
        if last {
            lock.withLock { _ = connections.removeValue(forKey: ends.client) }
            close(ends.client)
            close(ends.upstream)
        }
    }
}
