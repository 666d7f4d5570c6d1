import CDCCore

/// Why a Redis call failed: the connection is gone (retry on a new one), or the server refused for good.
enum RedisFailure: Error {
    /// Connection refused, reset, timed out, closed, or a transient error reply (`LOADING`, …): reconnect with
    /// backoff and re-send everything not yet confirmed.
    case connection(String)
    /// Retrying cannot help (wrong password, a database that does not exist, `WRONGTYPE`, …).
    case permanent(CDCError)
}
