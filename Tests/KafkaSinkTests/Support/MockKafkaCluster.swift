import CKafka
import CKafkaShims

/// librdkafka's own mock cluster: real Kafka-protocol brokers on 127.0.0.1 in this process, with fault injection
/// (brokers down and up, errors pushed onto Produce requests). The sink talks to it over TCP like to any cluster.
final class MockKafkaCluster: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The client handle the cluster belongs to (librdkafka creates a mock cluster from one).
    private let host: OpaquePointer
    private let cluster: OpaquePointer
    let brokerCount: Int32
    let bootstrapServers: String

    init(brokers: Int32 = 3) throws {
        guard let conf = rd_kafka_conf_new() else { throw Failure(description: "rd_kafka_conf_new failed") }
        var errorText = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_conf_set(conf, "log_level", "2", &errorText, errorText.count)
        guard let host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw Failure(description: "rd_kafka_new failed")
        }
        guard let cluster = rd_kafka_mock_cluster_new(host, brokers) else {
            rd_kafka_destroy(host)
            throw Failure(description: "rd_kafka_mock_cluster_new failed")
        }
        self.host = host
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(host)
    }

    func createTopic(_ name: String, partitions: Int32 = 3) throws {
        let result = rd_kafka_mock_topic_create(cluster, name, partitions, brokerCount)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw Failure(description: "mock topic \(name): \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    /// Every broker refuses connections (and drops the open ones) until `setAllUp`.
    func setAllDown() {
        for broker in 1...brokerCount {
            _ = rd_kafka_mock_broker_set_down(cluster, broker)
        }
    }

    func setAllUp() {
        for broker in 1...brokerCount {
            _ = rd_kafka_mock_broker_set_up(cluster, broker)
        }
    }

    /// One broker refuses connections (and drops the open ones) until `setUp(broker:)`.
    func setDown(broker: Int32) {
        _ = rd_kafka_mock_broker_set_down(cluster, broker)
    }

    func setUp(broker: Int32) {
        _ = rd_kafka_mock_broker_set_up(cluster, broker)
    }

    /// Makes `broker` the leader of every partition of `topic` (`partitions` of them).
    func setLeader(topic: String, partitions: Int32, broker: Int32) throws {
        for partition in 0..<partitions {
            let result = rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw Failure(
                    description: "mock leader of \(topic) [\(partition)]: \(String(cString: rd_kafka_err2str(result)))")
            }
        }
    }

    /// Makes `broker` the transaction coordinator of `transactionalID`.
    func setTransactionCoordinator(_ transactionalID: String, broker: Int32) throws {
        let result = rd_kafka_mock_coordinator_set(cluster, "transaction", transactionalID, broker)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw Failure(description: "mock coordinator: \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    /// The next Produce requests (any broker) fail with these errors, one each.
    func failNextProduceRequests(_ errors: [rd_kafka_resp_err_t]) {
        failNextRequests(CKAFKA_API_KEY_PRODUCE, errors)
    }

    /// The next requests of this type (Kafka ApiKey, any broker) fail with these errors, one each.
    func failNextRequests(_ apiKey: Int16, _ errors: [rd_kafka_resp_err_t]) {
        errors.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, buffer.count, buffer.baseAddress)
        }
    }
}
