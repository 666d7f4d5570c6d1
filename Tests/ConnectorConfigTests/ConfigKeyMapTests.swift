import ConnectorConfig
import Testing

@Suite("ConfigKeyMap: keys ↔ flags by the table and the rule")
struct ConfigKeyMapTests {
    @Test("every explicit key maps to its flag and back")
    func explicitRoundTrip() {
        for (key, flag) in ConfigKeyMap.explicit {
            #expect(ConfigKeyMap.flagName(forKey: key) == flag)
            #expect(ConfigKeyMap.key(forFlag: flag) == key)
        }
    }

    @Test(
        "the rule: top level is the flag, prefixed sections add their prefix",
        arguments: [
            ("state", "state"), ("checkpoint_interval", "checkpoint-interval"),
            ("transaction_markers", "transaction-markers"), ("sink.file.max_bytes", "file-max-bytes"),
            ("sink.kafka.transactions", "kafka-transactions"),
            ("sink.kafka.checkpoint_topic", "kafka-checkpoint-topic"),
            ("sink.redis.maxlen", "redis-maxlen"), ("snapshot.chunk_size", "snapshot-chunk-size"),
            ("metrics.listen", "metrics-listen"), ("log.format", "log-format"), ("log.level", "log-level"),
        ])
    func rule(key: String, flag: String) {
        #expect(ConfigKeyMap.flagName(forKey: key) == flag)
        #expect(ConfigKeyMap.key(forFlag: flag) == key)
    }

    @Test("a key in a section without prefix and outside the table has no flag")
    func unprefixedSections() {
        #expect(ConfigKeyMap.flagName(forKey: "source.whatever") == nil)
        #expect(ConfigKeyMap.flagName(forKey: "nosection.key") == nil)
    }
}
