import CDCCore
import Dispatch
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `--schema-registry-url`: registers Avro schemas with a Confluent-compatible schema registry
/// (`POST /subjects/{subject}/versions`, body `{"schema":"…"}`, answer `{"id":N}`).
///
/// HTTP goes through Foundation's `URLSession` (FoundationNetworking on Linux, which is libcurl underneath: http and
/// https with the system's CA store, proxies from the usual environment variables), called synchronously: the
/// encoder's `prepare` runs on the pipeline's thread and cannot go on without the id anyway. Registration is rare
/// (once per table version per run), so one request at a time is plenty.
///
/// Failures: no answer, a 5xx, 408 or 429 is retried with backoff (0.25 s doubling to 5 s) for `retrySeconds`,
/// then reported as `.io`; any other refusal (409 incompatible, 422 invalid, 401/403, …) is permanent, reported at
/// once as `.sink` with the subject and the registry's own message. Credentials (basic auth) are sent in the
/// `Authorization` header and never appear in messages.
final class SchemaRegistryClient: @unchecked Sendable {
    /// The registry's base URL as given (credentials are refused in it), without a trailing slash: for messages and
    /// for naming the registry in the state.
    let address: String
    let retrySeconds: Double
    /// Per request.
    let requestTimeoutSeconds: Double = 10
    private let authorization: String?
    private let session: URLSession
    private let log: (String) -> Void

    /// `userInfo` is `USER:PASSWORD` (Confluent's `basic.auth.user.info`).
    init(url: String, userInfo: String?, retrySeconds: Double, log: @escaping (String) -> Void) throws(CDCError) {
        var text = url
        while text.hasSuffix("/") { text.removeLast() }
        guard let parsed = URLComponents(string: text), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty
        else {
            throw CDCError(
                .usage,
                "--schema-registry-url \(Self.redacted(url)): use http://HOST:PORT or https://HOST:PORT (a "
                    + "Confluent-compatible schema registry)")
        }
        guard parsed.user == nil, parsed.password == nil else {
            throw CDCError(
                .usage,
                "--schema-registry-url \(Self.redacted(url)): credentials in the URL would show in the process "
                    + "list; give USER:PASSWORD in SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or --schema-registry-auth-file")
        }
        guard parsed.query == nil, parsed.fragment == nil else {
            throw CDCError(.usage, "--schema-registry-url \(url): the URL takes no query or fragment")
        }
        guard retrySeconds >= 0, retrySeconds <= 86_400 else {
            throw CDCError(.usage, "--schema-registry-timeout must be 0 to 86400 seconds")
        }
        address = text
        self.retrySeconds = retrySeconds
        self.log = log
        if let userInfo {
            guard userInfo.contains(":") else {
                throw CDCError(
                    .usage,
                    "the schema registry credentials must have the form USER:PASSWORD (Confluent's "
                        + "basic.auth.user.info)")
            }
            authorization = "Basic " + Data(userInfo.utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeoutSeconds
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// The basic-auth credentials: `--schema-registry-auth-file` (first line, surrounding whitespace dropped), else
    /// `SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO`, else none.
    static func resolveUserInfo(file: String?, environment: [String: String]) throws(CDCError) -> String? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CDCError(.usage, "--schema-registry-auth-file \(file): cannot read the file", file: file)
            }
            let text = String(decoding: data, as: UTF8.self)
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else {
                throw CDCError(
                    .usage, "--schema-registry-auth-file \(file): the file is empty (expected USER:PASSWORD)",
                    file: file)
            }
            return trimmed
        }
        if let value = environment["SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"], !value.isEmpty { return value }
        return nil
    }

    /// Registers `schema` (Avro schema JSON) under `subject` and returns its id. Registering a schema the subject
    /// already has returns its existing id (the registry's rule), so this is safe to repeat.
    func register(subject: String, schema: String) throws(CDCError) -> Int32 {
        var body = Array("{\"schema\":".utf8)
        JSONString.append(schema, into: &body)
        body.append(125)
        let path = "/subjects/\(Self.percentEncoded(subject))/versions"
        let (status, answer) = try send(path: path, body: Data(body), what: "registering subject \(subject)")
        guard (200..<300).contains(status) else {
            throw refusal(status: status, body: answer, subject: subject)
        }
        guard let object = try? JSONSerialization.jsonObject(with: answer) as? [String: Any],
            let number = object["id"] as? NSNumber, let id = Int32(exactly: number.int64Value), id >= 0
        else {
            throw CDCError(
                .sink,
                "schema registry \(address) answered the registration of subject \(subject) with HTTP \(status) "
                    + "but no schema id: \(Self.excerpt(answer)); is this a Confluent-compatible registry?")
        }
        return id
    }

    /// One POST, retried while the registry cannot be reached or answers 5xx/408/429; the final status and body.
    private func send(path: String, body: Data, what: String) throws(CDCError) -> (Int, Data) {
        guard let url = URL(string: address + path) else {
            throw CDCError(.usage, "--schema-registry-url \(address): cannot form the URL of \(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.timeoutInterval = requestTimeoutSeconds
        request.setValue(ConfluentRegistryRoutes.contentType, forHTTPHeaderField: "Content-Type")
        request.setValue(
            "\(ConfluentRegistryRoutes.contentType), application/json", forHTTPHeaderField: "Accept")
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let start = DispatchTime.now()
        var delay = 0.25
        var attempts = 0
        while true {
            attempts += 1
            let outcome = perform(request)
            let problem: String
            switch outcome {
            case .answer(let status, let data):
                guard status >= 500 || status == 408 || status == 429 else { return (status, data) }
                problem = "HTTP \(status): \(Self.registryMessage(data) ?? Self.excerpt(data))"
            case .failed(let reason):
                problem = reason
            case .tls(let reason):
                // A certificate the system does not trust will not become trusted by waiting.
                throw CDCError(
                    .io,
                    "schema registry \(address): TLS failed while \(what): \(reason); the registry's certificate must "
                        + "be trusted by the system's CA store (update-ca-certificates)")
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            if elapsed + delay > retrySeconds {
                throw CDCError(
                    .io,
                    "schema registry \(address) unreachable while \(what) (\(attempts) attempts in "
                        + "\(Int(elapsed.rounded())) s; last: \(problem)): check --schema-registry-url and that the "
                        + "registry runs (--schema-registry-timeout sets how long to retry)")
            }
            if attempts == 1 || attempts % 10 == 0 {
                log("schema registry \(address): \(problem) while \(what); retrying")
            }
            usleep(UInt32(delay * 1_000_000))
            delay = min(delay * 2, 5)
        }
    }

    private enum Outcome {
        case answer(Int, Data)
        case failed(String)
        case tls(String)
    }

    /// A reference box the completion handler fills while the caller waits on the semaphore.
    private final class Result: @unchecked Sendable {
        var outcome = Outcome.failed("no answer")
    }

    private func perform(_ request: URLRequest) -> Outcome {
        let done = DispatchSemaphore(value: 0)
        let result = Result()
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                let reason = error.localizedDescription
                let tls = reason.contains("SSL") || reason.contains("certificate") || reason.contains("TLS")
                result.outcome = tls ? .tls(reason) : .failed(reason)
            } else if let http = response as? HTTPURLResponse {
                result.outcome = .answer(http.statusCode, data ?? Data())
            } else {
                result.outcome = .failed("not an HTTP answer")
            }
            done.signal()
        }
        task.resume()
        // URLSession enforces the request timeout; the margin only guards against a lost completion.
        if done.wait(timeout: .now() + requestTimeoutSeconds + 5) == .timedOut {
            task.cancel()
            return .failed("no answer within \(Int(requestTimeoutSeconds)) s")
        }
        return result.outcome
    }

    /// A permanent refusal, named by what Confluent's status means.
    private func refusal(status: Int, body: Data, subject: String) -> CDCError {
        let message = Self.registryMessage(body) ?? Self.excerpt(body)
        var code = ""
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let number = object["error_code"] as? NSNumber
        {
            code = ", error_code \(number.intValue)"
        }
        let what: String
        let advice: String
        switch status {
        case 409:
            what = "refused the schema of subject \(subject) as incompatible with its earlier versions"
            advice =
                "the table changed in a way the subject's compatibility level forbids: relax it for this subject "
                + "(PUT /config/\(subject)) or route the table to a new topic"
        case 422:
            what = "refused the schema of subject \(subject) as invalid"
            advice = "report this with the table's CREATE TABLE"
        case 401, 403:
            what = "refused the credentials while registering subject \(subject)"
            advice = "check SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or --schema-registry-auth-file (USER:PASSWORD)"
        case 404:
            what = "has no registration endpoint for subject \(subject)"
            advice = "check that --schema-registry-url is the registry's base URL"
        default:
            what = "refused the schema of subject \(subject)"
            advice = "see the registry's log"
        }
        return CDCError(
            .sink, "schema registry \(address) \(what) (HTTP \(status)\(code)): \(message); \(advice)")
    }

    /// Confluent's `{"error_code":…,"message":"…"}`.
    private static func registryMessage(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let message = object["message"] as? String
        else { return nil }
        return String(message.prefix(1000))
    }

    private static func excerpt(_ body: Data) -> String {
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return text.isEmpty ? "(empty body)" : text
    }

    /// Everything but RFC 3986's unreserved characters percent-encoded (a subject is one path segment).
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// The URL with any user info replaced by `***`, for error messages.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].firstIndex(of: "@") else {
            return url
        }
        let slash = url[schemeEnd.upperBound...].firstIndex(of: "/") ?? url.endIndex
        guard at < slash else { return url }
        return String(url[..<schemeEnd.upperBound]) + "***" + String(url[at...])
    }
}
