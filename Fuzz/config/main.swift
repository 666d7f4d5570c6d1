import ConnectorConfig

/// libFuzzer target `config`: the input is a connector file (YAML). `ConnectorConfigLoader.load` — libyaml through
/// Yams, the key walker, `${VAR}` expansion, the secret check — turns it into `run`'s command line or a list of
/// problems, strictly and leniently (`check` reads connector files with unknown keys ignored). Errors are fine;
/// traps, stack overflows, leaks and hangs are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for lenient in [false, true] {
        switch ConnectorConfigLoader.load(
            bytes, flags: RunFlags.flags, environment: RunFlags.environment, ignoringUnknownKeys: lenient)
        {
        case .success(let config):
            _ = config.commandLine
            _ = config.literalSecrets.map(\.description)
        case .failure(let error):
            _ = error.description
        }
    }
    return 0
}

/// `binlog-sink run`'s arguments as ArgumentParser describes them (`binlog-sink run --experimental-dump-help`; the
/// executable reads them from there, this harness cannot link the executable), and an environment for `${VAR}`.
enum RunFlags {
    static let options = [
        "source", "server-id", "password-file", "tls", "tls-ca", "tls-cert", "tls-key", "connect-timeout", "start",
        "until", "heartbeat", "reconnect-timeout", "start-position", "stop-position", "schema-from", "snapshot",
        "snapshot-chunk-size", "sink", "format", "state", "checkpoint-interval", "file-layout", "file-rotate-size",
        "file-rotate-interval", "topic", "kafka-linger", "redis-maxlen", "schema-registry-url", "registry-listen",
        "metrics-listen", "log-format", "log-level",
    ]
    static let repeating = ["include", "exclude", "exclude-column", "mask-column", "kafka-property", "exclude-gtids"]
    static let booleans = ["tombstones", "stats", "kafka-transactions", "registry-writable", "transaction-markers"]

    static let flags: [ConfigFlag] =
        options.map { ConfigFlag(name: $0, kind: .option) }
        + repeating.map { ConfigFlag(name: $0, kind: .option, isRepeating: true) }
        + booleans.map { ConfigFlag(name: $0, kind: .flag) }
        + [
            ConfigFlag(name: "color", kind: .flag, inversion: "no-color"),
            ConfigFlag(name: "files", kind: .positional, isRepeating: true),
        ]

    static let environment = [
        "MYSQL_USER": "cdc", "MYSQL_HOST": "db.example", "MYSQL_PORT": "3306", "EMPTY": "",
        "KAFKA_PASSWORD": "s3cret", "A": "${B}", "B": "$${A}",
    ]
}
