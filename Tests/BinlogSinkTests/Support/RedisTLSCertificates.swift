import Foundation

/// Certificates for TLS tests, made by the `openssl` tool in a temporary directory (removed by `remove()`): a CA,
/// a server certificate it signs for `localhost` only (no IP address, so `127.0.0.1` is a wrong host name), a client
/// certificate it signs, and a second CA nobody trusts with a client certificate of its own. EC P-256 keys, valid
/// for two days. Generic: `makeCA` and `issue` make any other set.
struct RedisTLSCertificates {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// A PEM certificate and its unencrypted PEM key.
    struct Identity {
        var certificate: String
        var key: String
    }

    let directory: URL
    let ca: Identity
    let server: Identity
    let client: Identity
    let otherCA: Identity
    let strangerClient: Identity

    static var openssl: String? {
        ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bls-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        ca = try Self.makeCA(name: "ca", in: directory)
        server = try Self.issue(
            name: "server", commonName: "localhost", subjectAltNames: ["DNS:localhost"], signedBy: ca, in: directory)
        client = try Self.issue(
            name: "client", commonName: "binlog-sink", subjectAltNames: [], signedBy: ca, in: directory)
        otherCA = try Self.makeCA(name: "other-ca", in: directory)
        strangerClient = try Self.issue(
            name: "stranger", commonName: "stranger", subjectAltNames: [], signedBy: otherCA, in: directory)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A self-signed CA: `NAME.crt`, `NAME.key`.
    static func makeCA(name: String, in directory: URL) throws -> Identity {
        let identity = Identity(
            certificate: directory.appendingPathComponent("\(name).crt").path,
            key: directory.appendingPathComponent("\(name).key").path)
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=binlog-sink test \(name)", "-keyout", identity.key, "-out", identity.certificate,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        return identity
    }

    /// A leaf certificate `signedBy` the CA, for servers and clients, with `subjectAltNames` ("DNS:…", "IP:…").
    static func issue(
        name: String, commonName: String, subjectAltNames: [String], signedBy issuer: Identity, in directory: URL
    ) throws -> Identity {
        let identity = Identity(
            certificate: directory.appendingPathComponent("\(name).crt").path,
            key: directory.appendingPathComponent("\(name).key").path)
        let request = directory.appendingPathComponent("\(name).csr").path
        let extensions = directory.appendingPathComponent("\(name).ext")
        var lines = ["basicConstraints=CA:FALSE", "extendedKeyUsage=serverAuth,clientAuth"]
        if !subjectAltNames.isEmpty { lines.append("subjectAltName=" + subjectAltNames.joined(separator: ",")) }
        try (lines.joined(separator: "\n") + "\n").write(to: extensions, atomically: true, encoding: .utf8)
        try run([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=\(commonName)", "-keyout", identity.key, "-out", request,
        ])
        try run([
            "x509", "-req", "-in", request, "-CA", issuer.certificate, "-CAkey", issuer.key,
            "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "2", "-extfile", extensions.path,
            "-out", identity.certificate,
        ])
        return identity
    }

    private static func run(_ arguments: [String]) throws {
        guard let openssl else { throw Failure(message: "the openssl tool is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                message: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: "
                    + String(decoding: text, as: UTF8.self))
        }
    }
}
