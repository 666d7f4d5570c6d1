import CDCCore
import CKafka
import Foundation
import Testing

@testable import KafkaSink

@Suite("KafkaPropertyFile and KafkaRefusal")
struct KafkaPropertyFileTests {
    @Test func parsesLinesCommentsAndValuesAsWritten() throws {
        let text = "# SASL\r\nsecurity.protocol=sasl_ssl\r\n\n  sasl.username = cdc\nsasl.password=p=ss word \n"
        let properties = try KafkaPropertyFile.parse(text, path: "k.properties")
        #expect(properties == ["security.protocol=sasl_ssl", "sasl.username= cdc", "sasl.password=p=ss word "])
    }

    @Test func errorsNameTheLineNeverTheValue() {
        do {
            _ = try KafkaPropertyFile.parse("a=b\nsasl.password secret-value\n", path: "k.properties")
            Issue.record("no error for a line without =")
        } catch {
            #expect(error.message.contains("k.properties line 2: expected name=value"))
            #expect(!error.message.contains("secret-value"))
        }
        #expect(throws: CDCError.self) { try KafkaPropertyFile.parse("=value\n", path: "k") }
    }

    @Test func readsAFileAndWarnsWhenOthersCanReadIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kpf-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("sasl.password=x\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        let private600 = try KafkaPropertyFile(path: path)
        #expect(private600.properties == ["sasl.password=x"])
        #expect(private600.warning == nil)
        chmod(path, 0o644)
        #expect(try KafkaPropertyFile(path: path).warning?.contains("readable by other users") == true)
        #expect(throws: CDCError.self) { try KafkaPropertyFile(path: path + ".missing") }
    }

    @Test func refusalsAreCertificateAndAuthenticationFailuresOnly() {
        let verify =
            "ssl://b:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed"
        #expect(KafkaRefusal(code: RD_KAFKA_RESP_ERR__SSL, text: verify) != nil)
        // A host-name mismatch comes as a transport error with the same OpenSSL text.
        #expect(KafkaRefusal(code: RD_KAFKA_RESP_ERR__TRANSPORT, text: verify) != nil)
        let sasl = "SASL SCRAM authentication failed: broker responded with unknown-user"
        #expect(
            KafkaRefusal(code: RD_KAFKA_RESP_ERR__AUTHENTICATION, text: sasl)?.error.message.contains("SASL") == true)
        #expect(KafkaRefusal(code: RD_KAFKA_RESP_ERR__TRANSPORT, text: "Connection refused") == nil)
        #expect(KafkaRefusal(code: RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, text: "1/1 brokers are down") == nil)
        #expect(KafkaRefusal(code: RD_KAFKA_RESP_ERR__SSL, text: "SSL handshake failed: Disconnected") == nil)
    }
}
