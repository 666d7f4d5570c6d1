import Foundation

/// Throwaway TLS certificates made by `scripts/lib/certs.sh` (the openssl command-line tool) for tests: a CA, a server
/// certificate for the given hosts, one for another host name, a second CA nobody trusts (and a server certificate
/// from it), and a client certificate. Every path is absolute; see certs.sh for what each file is.
public struct TestCertificates: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The directory holding the files.
    public let directory: String

    /// The test CA: what a client is told to trust.
    public var ca: String { path("ca.pem") }
    /// A server certificate from `ca` for the hosts given to `make` (and its key).
    public var serverCert: String { path("server.pem") }
    public var serverKey: String { path("server.key") }
    /// The server certificate followed by its key, in one file.
    public var serverBundle: String { path("server-bundle.pem") }
    /// A server certificate from `ca` for `wrong-host.invalid` only: a client checking the host name refuses it.
    public var wrongHostCert: String { path("wrong-host.pem") }
    public var wrongHostKey: String { path("wrong-host.key") }
    /// A second CA, trusted by nobody.
    public var otherCA: String { path("other-ca.pem") }
    /// A server certificate for the same hosts from `otherCA`: a client trusting only `ca` refuses it.
    public var otherServerCert: String { path("other-server.pem") }
    public var otherServerKey: String { path("other-server.key") }
    /// A client certificate from `ca` (CN `binlog-sink-test-client`) and its key.
    public var clientCert: String { path("client.pem") }
    public var clientKey: String { path("client.key") }

    /// The repository's `scripts/lib/certs.sh`.
    public static let script: String = {
        // Tests/TestSupport/TestCertificates.swift -> package root
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lib/certs.sh").path
    }()

    /// Makes the certificates in `directory` (created if missing). `hosts` become the server certificates'
    /// subjectAltNames (addresses as IP entries, names as DNS entries).
    public static func make(in directory: String, hosts: [String] = ["localhost", "127.0.0.1"]) throws
        -> TestCertificates
    {
        let quoted = ([directory] + hosts).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", ". '\(script)' && certs_make \(quoted.joined(separator: " "))"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "certs_make \(directory) exited \(process.terminationStatus): "
                    + String(decoding: message, as: UTF8.self))
        }
        return TestCertificates(directory: directory)
    }

    /// Makes the certificates in a new temporary directory under /tmp (the caller removes it when done).
    public static func makeTemporary(hosts: [String] = ["localhost", "127.0.0.1"]) throws -> TestCertificates {
        var template = Array("/tmp/bls-certs-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw Failure(description: "mkdtemp under /tmp failed: errno \(errno)")
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return try make(in: path, hosts: hosts)
    }

    public init(directory: String) {
        self.directory = directory
    }

    private func path(_ name: String) -> String { directory + "/" + name }
}
