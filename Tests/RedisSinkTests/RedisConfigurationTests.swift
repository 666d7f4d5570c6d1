import CDCCore
import Foundation
import Testing

@testable import RedisSink

@Suite("Redis sink URL and password")
struct RedisConfigurationTests {
    @Test("defaults and every part of the URL")
    func parse() throws {
        let plain = try RedisConfiguration(url: "redis://cache.example")
        #expect(plain.host == "cache.example")
        #expect(plain.port == 6379)
        #expect(plain.database == 0)
        #expect(plain.mode == .stream)
        #expect(plain.prefix == "cdc")
        #expect(plain.password == nil)
        #expect(plain.description == "redis://cache.example:6379/0?mode=stream")

        let full = try RedisConfiguration(url: "redis://127.0.0.1:6380/3?mode=hash&prefix=app1")
        #expect(full.port == 6380)
        #expect(full.database == 3)
        #expect(full.mode == .hash)
        #expect(full.prefix == "app1")
        #expect(full.description == "redis://127.0.0.1:6380/3?mode=hash&prefix=app1")

        let ipv6 = try RedisConfiguration(url: "redis://[::1]:7000/")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 7000)
        #expect(ipv6.description == "redis://[::1]:7000/0?mode=stream")
    }

    @Test("a password in the URL is accepted and masked")
    func urlPassword() throws {
        let withPassword = try RedisConfiguration(url: "redis://:s%40cret@h:1/2")
        #expect(withPassword.password == "s@cret")
        #expect(withPassword.username == nil)
        #expect(withPassword.passwordInURL)
        #expect(withPassword.description == "redis://:***@h:1/2?mode=stream")
        #expect(!withPassword.description.contains("cret"))

        let withUser = try RedisConfiguration(url: "redis://cdc:hunter2@h")
        #expect(withUser.username == "cdc")
        #expect(withUser.password == "hunter2")
        #expect(withUser.description == "redis://cdc:***@h:6379/0?mode=stream")
    }

    @Test("rediss:// turns on TLS with the system's CAs; user, password and the rest parse the same")
    func tlsURL() throws {
        let plain = try RedisConfiguration(url: "redis://cache.example")
        #expect(plain.tls == nil)
        let tls = try RedisConfiguration(url: "rediss://cdc:hunter2@cache.example:6380/2?mode=hash&prefix=app")
        #expect(tls.tls == RedisTLSSettings())
        #expect(tls.host == "cache.example")
        #expect(tls.port == 6380)
        #expect(tls.database == 2)
        #expect(tls.mode == .hash)
        #expect(tls.username == "cdc")
        #expect(tls.password == "hunter2")
        #expect(tls.description == "rediss://cdc:***@cache.example:6380/2?mode=hash&prefix=app")
        #expect(RedisConfiguration.masked("rediss://cdc:hunter2@h:1/2") == "rediss://cdc:***@h:1/2")

        let user = try RedisConfiguration(url: "rediss://cdc@[::1]")
        #expect(user.username == "cdc")
        #expect(user.password == nil)
        #expect(user.description == "rediss://cdc@[::1]:6379/0?mode=stream")
    }

    @Test("TLS files that cannot be loaded are usage errors naming the option and the file")
    func tlsFiles() throws {
        let missing = "/nonexistent/binlog-sink-test/ca.pem"
        let noCA = try #require(throws: CDCError.self) {
            _ = try RedisTLSContext(RedisTLSSettings(caFile: missing))
        }
        #expect(noCA.code == .usage)
        #expect(noCA.message.contains("--redis-tls-ca \(missing)"))
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("not-pem-\(UUID().uuidString)").path
        try "not a certificate\n".write(toFile: text, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: text) }
        let certOnly = try #require(throws: CDCError.self) {
            _ = try RedisTLSContext(RedisTLSSettings(certificateFile: text))
        }
        #expect(certOnly.message.contains("go together"))
        let notPEM = try #require(throws: CDCError.self) {
            _ = try RedisTLSContext(RedisTLSSettings(certificateFile: text, keyFile: text))
        }
        #expect(notPEM.code == .usage)
        #expect(notPEM.message.contains("--redis-tls-cert \(text)"))
        // The system's CAs load (Debian's ca-certificates, or an empty store: never an error).
        _ = try RedisTLSContext(RedisTLSSettings())
    }

    @Test(
        "bad URLs are usage errors that never show the password",
        arguments: [
            "redis://", "redis://h:0", "redis://h:99999", "redis://h:x", "redis://h/-1", "redis://h/a",
            "redis://h?mode=list", "redis://h?color=red", "redis://[::1", "redis://:pw@h?prefix=", "http://h",
            "redis://:pw%zz@h", "rediss://", "rediss://:pw@h:0", "redis s://h", "rediss:/h",
        ])
    func badURL(_ url: String) {
        do {
            _ = try RedisConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.code == .usage)
            #expect(!error.message.contains("pw"))
        }
    }

    @Test("the password file wins over the URL and REDISCLI_AUTH; REDISCLI_AUTH is the fallback")
    func passwordSources() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("redis-pw-\(UUID().uuidString)").path
        try "from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }

        var fromFile = try RedisConfiguration(url: "redis://:from-url@h")
        try fromFile.resolvePassword(passwordFile: path, environment: ["REDISCLI_AUTH": "from-env"])
        #expect(fromFile.password == "from-file")
        #expect(!fromFile.passwordInURL)
        #expect(fromFile.description == "redis://h:6379/0?mode=stream")

        var fromURL = try RedisConfiguration(url: "redis://:from-url@h")
        try fromURL.resolvePassword(passwordFile: nil, environment: ["REDISCLI_AUTH": "from-env"])
        #expect(fromURL.password == "from-url")

        var fromEnvironment = try RedisConfiguration(url: "redis://h")
        try fromEnvironment.resolvePassword(passwordFile: nil, environment: ["REDISCLI_AUTH": "from-env"])
        #expect(fromEnvironment.password == "from-env")
        #expect(fromEnvironment.description == "redis://h:6379/0?mode=stream")

        var missing = try RedisConfiguration(url: "redis://h")
        #expect(throws: CDCError.self) {
            try missing.resolvePassword(passwordFile: "/nonexistent/pw", environment: [:])
        }
    }
}
