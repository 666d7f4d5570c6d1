import CDCCore
import RedisSink

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SinkFactory {
    /// `redis[s]://HOST:PORT[/DB][?mode=stream|hash&prefix=NAME]` (docs/redis-sink.md). The password comes from
    /// `--redis-password-file`, else the URL (discouraged), else `REDISCLI_AUTH`; the user from the URL or
    /// `--redis-user`; TLS settings from `--redis-tls-*`.
    static func makeRedisSink(_ context: Context) throws(CDCError) -> any RecordSink {
        let options = context.options
        var configuration = try RedisConfiguration(url: options.sink)
        if configuration.mode == .hash, options.format != "json" {
            throw CDCError(
                .usage,
                "--sink \(configuration.description) --format \(options.format): the hash mode stores each row's "
                    + "columns and reads them from the native records: use --format json, or mode=stream")
        }
        if let maxlen = options.redisMaxlen {
            guard configuration.mode == .stream else {
                throw CDCError(
                    .usage, "--redis-maxlen trims streams: it applies to mode=stream, not mode=hash; leave it out")
            }
            guard maxlen > 0 else {
                throw CDCError(.usage, "--redis-maxlen 0 would trim every entry: give a positive number")
            }
            configuration.maxLength = maxlen
        }
        try applyAccessOptions(options, to: &configuration)
        var environment: [String: String] = [:]
        if let value = getenv("REDISCLI_AUTH") { environment["REDISCLI_AUTH"] = String(cString: value) }
        try configuration.resolvePassword(passwordFile: options.redisPasswordFile, environment: environment)
        SecretFilePermissions.warn(options.redisPasswordFile, option: "--redis-password-file")
        if configuration.passwordInURL {
            context.log(
                "\(configuration.description): a password in the URL shows in the process list; prefer "
                    + "REDISCLI_AUTH or --redis-password-file")
        }
        let sink = RedisSink(configuration: configuration, log: context.log)
        try sink.prepare()
        // On a thread of its own: the pipeline's thread goes on decoding while the sink waits for replies.
        return ThreadedSink(sink)
    }

    /// `--redis-user` and the `--redis-tls-*` options (docs/redis-sink.md#tls).
    static func applyAccessOptions(_ options: SinkOptions, to configuration: inout RedisConfiguration)
        throws(CDCError)
    {
        if let user = options.redisUser {
            guard !user.isEmpty else { throw CDCError(.usage, "--redis-user is empty: give the ACL user's name") }
            if let fromURL = configuration.username, fromURL != user {
                throw CDCError(
                    .usage, "--redis-user \(user) and the URL's user \(fromURL) differ: give the user in one place")
            }
            configuration.username = user
        }
        let tlsOptions: [(String, String?)] = [
            ("--redis-tls-ca", options.redisTlsCa), ("--redis-tls-cert", options.redisTlsCert),
            ("--redis-tls-key", options.redisTlsKey), ("--redis-tls-server-name", options.redisTlsServerName),
        ]
        guard configuration.tls != nil else {
            if let given = tlsOptions.first(where: { $0.1 != nil }) {
                throw CDCError(
                    .usage,
                    "\(given.0) is for a TLS connection: use --sink rediss://\(configuration.host):"
                        + "\(configuration.port)…, or leave it out")
            }
            return
        }
        if let empty = tlsOptions.first(where: { $0.1?.isEmpty == true }) {
            throw CDCError(.usage, "\(empty.0) is empty: give a value or leave it out")
        }
        configuration.tls = RedisTLSSettings(
            caFile: options.redisTlsCa, certificateFile: options.redisTlsCert, keyFile: options.redisTlsKey,
            serverName: options.redisTlsServerName)
    }
}
