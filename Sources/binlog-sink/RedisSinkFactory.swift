import CDCCore
import RedisSink

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SinkFactory {
    /// `redis://HOST:PORT[/DB][?mode=stream|hash&prefix=NAME]` (docs/redis-sink.md). The password comes from
    /// `--redis-password-file`, else the URL (discouraged), else `REDISCLI_AUTH`.
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
        var environment: [String: String] = [:]
        if let value = getenv("REDISCLI_AUTH") { environment["REDISCLI_AUTH"] = String(cString: value) }
        try configuration.resolvePassword(passwordFile: options.redisPasswordFile, environment: environment)
        SecretFilePermissions.warn(options.redisPasswordFile, option: "--redis-password-file")
        if configuration.passwordInURL {
            context.log(
                "\(configuration.description): a password in the URL shows in the process list; prefer "
                    + "REDISCLI_AUTH or --redis-password-file")
        }
        return RedisSink(configuration: configuration, log: context.log)
    }
}
