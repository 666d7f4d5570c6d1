import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Kafka broker reached over TLS, for the Kafka TLS tests: a Tansu of the test's own (scripts/lib/tansu.sh) on a
/// free loopback port, advertising the TLS port, behind scripts/lib/tls_proxy.py on 127.0.0.1:`tlsPort`, which
/// serves a certificate the test chooses. (Tansu 0.6.0 cannot serve TLS itself: its --cert and --key options exclude
/// each other.) Every connection a client makes, bootstrap and broker, goes through the proxy.
final class LiveTLSKafka {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `$BINLOG_SINK_TEST_KAFKA_TLS_PORT`, else `$BINLOG_SINK_TEST_KAFKA_PORT` + 1.
    static var tlsPort: String? {
        let environment = ProcessInfo.processInfo.environment
        if let port = environment["BINLOG_SINK_TEST_KAFKA_TLS_PORT"], !port.isEmpty { return port }
        return LiveKafka.port.flatMap { Int($0) }.map { String($0 + 1) }
    }

    static let tansuScript = BinlogSinkCLI.packageRoot.appendingPathComponent("scripts/lib/tansu.sh").path
    static let proxyScript = BinlogSinkCLI.packageRoot.appendingPathComponent("scripts/lib/tls_proxy.py").path

    let directory: String
    let tlsPort: String
    let backendPort: Int
    var brokers: String { "127.0.0.1:\(tlsPort)" }

    /// Starts Tansu (with `tansuArguments`, e.g. `--authentication`) and the proxy serving `cert`/`key`.
    init(tlsPort: String, cert: String, key: String, tansuArguments: [String] = []) throws {
        var template = Array("/tmp/bls-ktls-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw Failure(description: "mkdtemp failed: errno \(errno)") }
        directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.tlsPort = tlsPort
        backendPort = try Self.freePort()
        let q = LiveThrowawayServer.quote
        do {
            try LiveThrowawayServer.bash(
                "\(LiveThrowawayServer.closeInheritedDescriptors)\n. \(q(Self.tansuScript))\n"
                    + "tansu_start \(q(directory + "/tansu")) \(backendPort) \(q(tlsPort))"
                    + tansuArguments.map { " " + q($0) }.joined())
            try startProxy(cert: cert, key: key)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// A free loopback port for the broker behind the proxy (the kernel's choice; nothing else is told about it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "bind to 127.0.0.1:0 failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// (Re)starts the proxy serving `cert`/`key`; waits until it listens.
    func startProxy(cert: String, key: String) throws {
        stopProxy()
        let q = LiveThrowawayServer.quote
        let log = directory + "/proxy.log"
        try LiveThrowawayServer.bash(
            """
            \(LiveThrowawayServer.closeInheritedDescriptors)
            setsid python3 \(q(Self.proxyScript)) --listen 127.0.0.1:\(tlsPort) \
              --target 127.0.0.1:\(backendPort) --cert \(q(cert)) --key \(q(key)) >\(q(log)) 2>&1 </dev/null &
            echo $! >\(q(directory + "/proxy.pid"))
            for i in $(seq 1 100); do
              grep -q ready \(q(log)) && exit 0
              kill -0 "$(cat \(q(directory + "/proxy.pid")))" 2>/dev/null || { cat \(q(log)) >&2; exit 1; }
              sleep 0.1
            done
            echo "tls_proxy did not start within 10 s" >&2; cat \(q(log)) >&2; exit 1
            """)
    }

    func stopProxy() {
        guard let text = try? String(contentsOfFile: directory + "/proxy.pid", encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while LiveThrowawayServer.isAlive(pid) && Date() < deadline { usleep(20_000) }
        if LiveThrowawayServer.isAlive(pid) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory + "/proxy.pid")
    }

    func stop() {
        stopProxy()
        let q = LiveThrowawayServer.quote
        _ = try? LiveThrowawayServer.bash(". \(q(Self.tansuScript)); tansu_stop \(q(directory + "/tansu"))")
        try? FileManager.default.removeItem(atPath: directory)
    }
}
