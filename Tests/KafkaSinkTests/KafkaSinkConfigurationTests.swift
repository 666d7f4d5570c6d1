import CDCCore
import Testing

@testable import KafkaSink

@Suite("Kafka sink configuration")
struct KafkaSinkConfigurationTests {
    @Test func brokerListFromURL() throws {
        let one = try KafkaSinkConfiguration(url: "kafka://127.0.0.1:9092")
        #expect(one.bootstrapServers == "127.0.0.1:9092")
        let several = try KafkaSinkConfiguration(url: "kafka://k1.example:9092,k2.example:9093/")
        #expect(several.bootstrapServers == "k1.example:9092,k2.example:9093")
        let ipv6 = try KafkaSinkConfiguration(url: "kafka://[::1]:9092")
        #expect(ipv6.bootstrapServers == "[::1]:9092")
    }

    @Test(arguments: [
        "kafka://", "kafka://host", "kafka://host:0", "kafka://host:99999", "kafka://:9092", "kafka://a:1,",
        "kafka://user@host:9092", "kafka://host:9092/path", "redis://host:9092",
    ])
    func badURLsAreUsageErrors(_ url: String) {
        #expect(throws: CDCError.self) { try KafkaSinkConfiguration(url: url) }
        do {
            _ = try KafkaSinkConfiguration(url: url)
        } catch {
            #expect(error.code == .usage)
            #expect(error.message.contains("kafka://HOST:PORT"))
        }
    }

    @Test func defaultsAreSafeAndPropertiesOverrideThem() throws {
        let configuration = try KafkaSinkConfiguration(
            url: "kafka://h:1", properties: ["acks=1", "sasl.password=se=cret", "compression.type=lz4"])
        let effective = configuration.effectiveProperties
        func last(_ name: String) -> String? { effective.last { $0.name == name }?.value }
        #expect(last("bootstrap.servers") == "h:1")
        #expect(last("enable.idempotence") == "true")
        #expect(last("message.timeout.ms") == "0")
        #expect(last("acks") == "1")
        #expect(last("sasl.password") == "se=cret")
        #expect(last("compression.type") == "lz4")
        let defaults = KafkaSinkConfiguration.defaultProperties
        #expect(defaults.contains { $0 == ("acks", "all") })
        #expect(defaults.contains { $0.name == "queue.buffering.max.kbytes" })
    }

    /// A message.max.bytes past the queue's 64 MiB bound raises the bound to hold such a message (else librdkafka
    /// would answer "queue full" for ever); a bound the user sets stays.
    @Test func queueBoundFollowsALargeMessageMaxBytes() throws {
        func queueKBytes(_ properties: [String]) throws -> String? {
            try KafkaSinkConfiguration(url: "kafka://h:1", properties: properties).effectiveProperties
                .last { $0.name == "queue.buffering.max.kbytes" }?.value
        }
        #expect(try queueKBytes([]) == "65536")
        #expect(try queueKBytes(["message.max.bytes=10000000"]) == "65536")
        #expect(try queueKBytes(["message.max.bytes=104857600"]) == "\(102400 + 1024)")
        #expect(try queueKBytes(["message.max.bytes=104857600", "queue.buffering.max.kbytes=2048"]) == "2048")
    }

    @Test func badPropertiesAreUsageErrorsWithoutTheirValue() throws {
        do {
            _ = try KafkaSinkConfiguration(url: "kafka://h:1", properties: ["=x"])
            Issue.record("accepted a property without a name")
        } catch {
            #expect(error.code == .usage)
        }
        do {
            _ = try KafkaSinkConfiguration(url: "kafka://h:1", properties: ["log.queue=false"])
            Issue.record("accepted a property the sink sets itself")
        } catch {
            #expect(error.message.contains("log.queue"))
        }
        // librdkafka refuses an unknown property when the producer is made; the secret value is not echoed.
        let configuration = try KafkaSinkConfiguration(
            url: "kafka://127.0.0.1:1", properties: ["no.such.property=hunter2"])
        do {
            let sink = try KafkaSink(configuration, log: { _ in })
            try sink.close()
            Issue.record("librdkafka accepted an unknown property")
        } catch {
            #expect(error.code == .usage)
            #expect(error.message.contains("no.such.property"))
            #expect(!error.message.contains("hunter2"))
        }
    }

    @Test func sinkSaysItWantsKeysAndNamesItsBrokers() throws {
        let sink = try KafkaSink(KafkaSinkConfiguration(url: "kafka://127.0.0.1:1"), log: { _ in })
        #expect(sink.wantsKeys)
        #expect(sink.description == "kafka://127.0.0.1:1")
        // Nothing written: flush returns at once even with no broker there.
        try sink.flush()
        try sink.close()
    }
}
