import CDCCore

/// `--registry-listen HOST:PORT`: the embedded schema registry's read API (`ConfluentRegistryRoutes`) over HTTP/1.1
/// (`HTTPListener`), so Kafka consumers (Confluent's `AvroDeserializer`, `KafkaAvroDeserializer`, kcat -s avro)
/// fetch the schemas the Avro format registered in the `AvroSchemaCatalog`.
final class RegistryServer: Sendable {
    private let listener: HTTPListener

    private init(listener: HTTPListener) {
        self.listener = listener
    }

    /// Binds and listens on `listen` (HOST:PORT, [IPv6]:PORT, :PORT or PORT), then serves on a thread of its own.
    /// `log` says where it listens.
    static func start(
        listen: String, catalog: AvroSchemaCatalog, log: (String) -> Void
    ) throws(CDCError) -> RegistryServer {
        let (listener, address) = try HTTPListener.start(
            listen: listen, option: "--registry-listen", name: "schema registry",
            handler: { method, path in
                let answer = ConfluentRegistryRoutes.respond(method: method, path: path, catalog: catalog)
                return HTTPListener.Response(
                    status: answer.status, contentType: ConfluentRegistryRoutes.contentType, body: answer.body)
            },
            errorResponse: { code, message in
                HTTPListener.Response(
                    status: code, contentType: ConfluentRegistryRoutes.contentType,
                    body: "{\"error_code\":\(code),\"message\":\"\(message)\"}")
            })
        log("schema registry (read-only, Confluent REST) listening on http://\(address)")
        return RegistryServer(listener: listener)
    }

    /// Stops accepting (within about 100 ms) and closes the listening socket.
    func stop() { listener.stop() }
}
