import CDCCore
import CKafka

/// A broker connection refused for a reason retrying cannot fix: the broker's TLS certificate failed verification,
/// or the SASL login was refused. librdkafka reports both as errors and retries forever; the sink stops with this
/// error instead (at the start, from `KafkaProducer.checkBrokers`, or later from the producer's events). The text is
/// librdkafka's, which never holds `sasl.password` or a key.
struct KafkaRefusal: Sendable {
    let error: CDCError

    init?(code: rd_kafka_resp_err_t, text: String) {
        let lower = text.lowercased()
        if lower.contains("certificate verify failed")
            || (code == RD_KAFKA_RESP_ERR__SSL && lower.contains("certificate"))
        {
            error = CDCError(
                .sink,
                "kafka: the broker's TLS certificate was refused (\(text)): ssl.ca.location must name the CA that "
                    + "issued the broker's certificate, and the certificate must name the host given in --sink "
                    + "(librdkafka checks it: ssl.endpoint.identification.algorithm=https); the run stops, nothing "
                    + "past the last checkpoint is lost")
        } else if code == RD_KAFKA_RESP_ERR__AUTHENTICATION {
            error = CDCError(
                .sink,
                "kafka: SASL authentication failed (\(text)): check sasl.mechanisms, sasl.username and the "
                    + "password (sasl.password from ${VAR} in a connector file or from --kafka-property-file); the "
                    + "run stops, nothing past the last checkpoint is lost")
        } else {
            return nil
        }
    }
}
