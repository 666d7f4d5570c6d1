import CDCCore

/// `--registry-listen HOST:PORT`: the embedded schema registry's read API (`ConfluentRegistryRoutes`) over HTTP/1.1,
/// so Kafka consumers (Confluent's `AvroDeserializer`, `KafkaAvroDeserializer`, kcat -s avro) fetch the schemas the
/// Avro format registered in the `AvroSchemaCatalog`. With `--registry-writable` it also takes registrations
/// (`RegistryWriteRoutes`: POST bodies up to `maxBodyBytes`, with `Content-Length`, within `bodyTimeoutSeconds`),
/// saved in the state directory before the answer, so other runs can use it as their `--schema-registry-url`.
///
/// The HTTP side is `HTTPListener`'s (one thread, one request per connection, 431 for a head over 8 KiB, 400 for a
/// malformed request line, 405 for other methods: GET and HEAD, and POST when writable); this type only routes
/// requests and answers errors in Confluent's JSON (`{"error_code":…,"message":…}`).
final class RegistryServer: Sendable {
    static let maxBodyBytes = 4 << 20
    static let bodyTimeoutSeconds = 30

    private let listener: HTTPListener
    /// The address as given, for messages.
    var address: String { listener.address }

    private init(listener: HTTPListener) {
        self.listener = listener
    }

    /// Binds and listens on `listen` (HOST:PORT, [IPv6]:PORT, :PORT or PORT), then serves on a thread of its own.
    /// `log` says where it listens (the serving thread logs its own rare errors).
    /// `writable`: accept registrations, saved with `keeper` (required then).
    static func start(
        listen: String, catalog: AvroSchemaCatalog, writable: Bool = false, keeper: StateKeeper? = nil,
        log: (String) -> Void
    ) throws(CDCError) -> RegistryServer {
        var persist: (@Sendable (AvroSchemaRecord) throws(CDCError) -> Void)?
        var policy = HTTPListener.Policy(
            refusal: "this registry is read-only (run with --registry-writable to register)")
        if writable {
            guard let keeper else {
                throw CDCError(.usage, "--registry-writable needs --state DIR: registered schema ids must be saved")
            }
            persist = { record throws(CDCError) in try keeper.saveAvroSchemas([record]) }
            policy = HTTPListener.Policy(
                methods: ["GET", "HEAD", "POST"], maxBodyBytes: maxBodyBytes, bodyTimeoutSeconds: bodyTimeoutSeconds,
                refusal: "the registry takes GET, HEAD and POST")
        }
        let (listener, display) = try HTTPListener.start(
            listen: listen, option: "--registry-listen", name: "schema registry", policy: policy,
            handler: { [persist] request in answer(request, catalog: catalog, persist: persist) },
            errorResponse: { status, message in response(status, errorBody(status, message)) })
        log(
            "schema registry (\(writable ? "read-write" : "read-only"), Confluent REST) listening on "
                + "http://\(display)")
        return RegistryServer(listener: listener)
    }

    /// Stops accepting (within about 100 ms) and closes the listening socket.
    func stop() {
        listener.stop()
    }

    /// POST goes to the write routes (404 when none matches); GET and HEAD to the write routes' `GET /config`, else
    /// the read API.
    private static func answer(
        _ request: HTTPListener.Request, catalog: AvroSchemaCatalog,
        persist: (@Sendable (AvroSchemaRecord) throws(CDCError) -> Void)?
    ) -> HTTPListener.Response {
        if request.method == "POST" {
            guard let persist else { return response(405, errorBody(405, "this registry is read-only")) }
            let answer =
                RegistryWriteRoutes.respond(
                    method: request.method, path: request.target, body: request.body, catalog: catalog,
                    persist: persist)
                ?? (404, errorBody(404, "HTTP 404 Not Found"))
            return response(answer.status, answer.body)
        }
        if let answer = RegistryWriteRoutes.respond(
            method: request.method, path: request.target, body: [], catalog: catalog,
            persist: { _ throws(CDCError) in })
        {
            return response(answer.status, answer.body)
        }
        let answer = ConfluentRegistryRoutes.respond(method: request.method, path: request.target, catalog: catalog)
        return response(answer.status, answer.body)
    }

    private static func response(_ status: Int, _ body: String) -> HTTPListener.Response {
        HTTPListener.Response(status: status, contentType: ConfluentRegistryRoutes.contentType, body: body)
    }

    private static func errorBody(_ code: Int, _ message: String) -> String {
        var quoted: [UInt8] = []
        JSONString.append(message, into: &quoted)
        return "{\"error_code\":\(code),\"message\":\(String(decoding: quoted, as: UTF8.self))}"
    }
}
