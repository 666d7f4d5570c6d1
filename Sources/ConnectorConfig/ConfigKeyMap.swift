/// Which key of a connector file stands for which command-line flag: a small explicit table plus one rule.
///
/// The rule: a key `snake_case` at the top level is the flag `--snake-case`; in a section that has a flag prefix
/// (`sink.kafka` → `kafka-`, `metrics` → `metrics-`, …) it is `--PREFIX-snake-case`. The table names the keys the rule
/// does not give (`source.url` → `--source`, `tables.include` → `--include`, …). Every flag has exactly one key (its
/// canonical key), so a flag written in the wrong place is an error that names the right one, and a flag another part
/// of the program adds later gets its key from the rule without a change here.
public enum ConfigKeyMap {
    /// The sections: dotted path → the prefix of the flags their keys stand for (empty: the key alone).
    public static let sections: [String: String] = [
        "source": "",
        "tables": "",
        "snapshot": "snapshot-",
        "sink": "",
        "sink.file": "file-",
        "sink.kafka": "kafka-",
        "sink.redis": "redis-",
        "avro": "",
        "metrics": "metrics-",
        "log": "log-",
    ]

    /// Keys the rule does not give: dotted key → flag name.
    public static let explicit: [String: String] = [
        "source.url": "source",
        "source.server_id": "server-id",
        "source.password_file": "password-file",
        "source.tls": "tls",
        "source.tls_ca": "tls-ca",
        "source.tls_cert": "tls-cert",
        "source.tls_key": "tls-key",
        "source.connect_timeout": "connect-timeout",
        "source.start": "start",
        "source.until": "until",
        "source.heartbeat": "heartbeat",
        "source.reconnect_timeout": "reconnect-timeout",
        "source.files": "files",
        "source.start_position": "start-position",
        "source.stop_position": "stop-position",
        "source.schema_from": "schema-from",
        "tables.include": "include",
        "tables.exclude": "exclude",
        "tables.exclude_columns": "exclude-column",
        "tables.mask_columns": "mask-column",
        "snapshot.mode": "snapshot",
        "sink.url": "sink",
        "sink.kafka.topic": "topic",
        "sink.kafka.properties": "kafka-property",
        "sink.kafka.tombstones": "tombstones",
        "avro.registry_url": "schema-registry-url",
        "avro.registry_listen": "registry-listen",
    ]

    /// Sections that may be given a single value instead of a mapping: `source: URL` is `source.url: URL`.
    public static let shorthands: [String: String] = [
        "source": "url",
        "sink": "url",
        "snapshot": "mode",
    ]

    /// Keys with no flag of their own, handled by the loader: `sink.redis.mode` and `prefix` go into the sink URL's query.
    public static let sinkQueryKeys: [String: String] = ["sink.redis.mode": "mode", "sink.redis.prefix": "prefix"]

    /// Flags that never come from a file: the file itself, and ArgumentParser's own.
    public static let reservedFlags: Set<String> = ["config", "help", "version", "generate-completion-script"]

    private static let reverse: [String: String] = Dictionary(
        explicit.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })

    /// `server_id` → `server-id`.
    public static func kebab(_ key: String) -> String {
        String(key.map { $0 == "_" ? "-" : $0 })
    }

    /// `server-id` → `server_id`.
    public static func snake(_ flag: String) -> String {
        String(flag.map { $0 == "-" ? "_" : $0 })
    }

    /// The flag a dotted key stands for by the table or the rule (whether the command has it is the caller's check).
    public static func flagName(forKey key: String) -> String? {
        if let name = explicit[key] { return name }
        guard let dot = key.lastIndex(of: ".") else { return kebab(key) }
        guard let prefix = sections[String(key[..<dot])], !prefix.isEmpty else { return nil }
        return prefix + kebab(String(key[key.index(after: dot)...]))
    }

    /// The one key a flag is written as.
    public static func key(forFlag flag: String) -> String {
        if let key = reverse[flag] { return key }
        // The longest prefix wins, so a section nested in another is found before its parent.
        let prefixed = sections.filter { !$0.value.isEmpty && flag.hasPrefix($0.value) && flag.count > $0.value.count }
        if let (section, prefix) = prefixed.max(by: { $0.value.count < $1.value.count }) {
            return section + "." + snake(String(flag.dropFirst(prefix.count)))
        }
        return snake(flag)
    }

    /// The section a dotted key is in ("" for the top level).
    public static func section(ofKey key: String) -> String {
        guard let dot = key.lastIndex(of: ".") else { return "" }
        return String(key[..<dot])
    }
}
