/// Secrets that were typed on the command line. A password there is readable by every local user (`ps`,
/// `/proc/PID/cmdline`) and kept in shell history, so binlog-sink takes them from the environment or files
/// (`MYSQL_PWD`, `--password-file`, `REDISCLI_AUTH`, `--redis-password-file`, `SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO`,
/// `--schema-registry-auth-file`, `${VAR}` in a connector file). A password in a URL or a secret Kafka property is
/// still accepted (Debezium and Maxwell users write them that way) but warned about — only when it really is in
/// the process's argv: the same value expanded from `${VAR}` in a connector file never reaches argv and is fine.
/// The warning names the option, never the value.
enum CommandLineSecrets {
    /// librdkafka properties that hold secrets.
    static let kafkaSecretProperties: Set<String> = [
        "sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret",
        "ssl.key.pem", "sasl.jaas.config",
    ]

    /// Whether the option value `text` was typed on the process's own command line (`--opt text` or
    /// `--opt=text`), rather than read from a connector file.
    static func isOnCommandLine(_ text: String, arguments: [String] = CommandLine.arguments) -> Bool {
        guard !text.isEmpty else { return false }
        return arguments.dropFirst().contains { $0 == text || $0.hasSuffix("=" + text) }
    }

    /// The warning for the URL `text` of option `what` when it holds a password and was typed on the command line.
    static func urlPasswordWarning(
        _ password: String?, url text: String, what: String, instead: String,
        arguments: [String] = CommandLine.arguments
    ) -> String? {
        guard password != nil, isOnCommandLine(text, arguments: arguments) else { return nil }
        return "\(what) holds a password on the command line, where other local users can read it (ps, "
            + "/proc/PID/cmdline) and shell history keeps it: use \(instead)"
    }

    /// Warnings for secret `--kafka-property NAME=VALUE` typed on the command line.
    static func kafkaPropertyWarnings(_ properties: [String], arguments: [String] = CommandLine.arguments)
        -> [String]
    {
        properties.compactMap { property in
            guard let equals = property.firstIndex(of: "=") else { return nil }
            let name = String(property[..<equals]).lowercased()
            guard kafkaSecretProperties.contains(name), property.index(after: equals) < property.endIndex,
                isOnCommandLine(property, arguments: arguments)
            else { return nil }
            return "--kafka-property \(name) holds a secret on the command line, where other local users can read "
                + "it (ps, /proc/PID/cmdline) and shell history keeps it: put it in a connector file as "
                + "\(name): ${VARIABLE} (docs/security.md)"
        }
    }

    static func warn(_ warning: String?) {
        if let warning { Logger.warn(warning) }
    }
}
