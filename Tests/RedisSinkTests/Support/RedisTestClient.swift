import CDCCore

@testable import RedisSink

/// A plain hiredis connection for looking at what the sink wrote (XRANGE, HGETALL, …) and for setting up traps.
final class RedisTestClient {
    let connection: RedisConnection

    init(port: Int, database: Int, password: String? = nil) throws {
        connection = try RedisConnection(host: "127.0.0.1", port: port, connectTimeout: 5, commandTimeout: 10)
        if let password { _ = try command("AUTH", password) }
        _ = try command("SELECT", String(database))
    }

    @discardableResult
    func command(_ arguments: String...) throws -> RedisReply {
        try connection.command(arguments.map { Array($0.utf8) })
    }

    /// XRANGE key - +: each entry's fields as a dictionary (values as text).
    func streamEntries(_ key: String) throws -> [[String: String]] {
        guard case .array(let entries) = try command("XRANGE", key, "-", "+") else { return [] }
        return entries.map { entry in
            guard case .array(let parts) = entry, parts.count == 2, case .array(let fields) = parts[1] else {
                return [:]
            }
            return Self.pairs(fields)
        }
    }

    /// HGETALL key as a dictionary.
    func hash(_ key: String) throws -> [String: String] {
        guard case .array(let fields) = try command("HGETALL", key) else { return [:] }
        return Self.pairs(fields)
    }

    func keys(_ pattern: String) throws -> Set<String> {
        guard case .array(let names) = try command("KEYS", pattern) else { return [] }
        return Set(names.map(Self.text))
    }

    static func text(_ reply: RedisReply) -> String {
        switch reply {
        case .string(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text), .error(let text): return text
        case .integer(let value): return String(value)
        default: return ""
        }
    }

    private static func pairs(_ fields: [RedisReply]) -> [String: String] {
        var result: [String: String] = [:]
        var index = 0
        while index + 1 < fields.count {
            result[text(fields[index])] = text(fields[index + 1])
            index += 2
        }
        return result
    }
}
