/// What the Redis sink writes: `?mode=stream` (the default) or `?mode=hash` (docs/redis-sink.md).
public enum RedisMode: String, Sendable {
    /// Every record appended to one Redis Stream per table (`XADD {prefix}:{db}:{table} * record … op … key …`).
    case stream
    /// Each table's current rows mirrored as one hash per row (`{prefix}:{db}:{table}:{primary key JSON}`).
    case hash
}
