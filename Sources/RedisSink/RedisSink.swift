import CDCCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--sink redis://HOST:PORT[/DB][?mode=stream|hash]` (docs/redis-sink.md): every record appended to a Redis Stream
/// per table, or each table's current rows mirrored as hashes, over one pipelined connection (plain TCP, or TLS
/// for `rediss://`).
///
/// Each source transaction is one MULTI/EXEC block. Records after a batch's last commit belong to a transaction that
/// continues in the next batch: they wait in the open block, which is sent as a MULTI/EXEC of its own at `flush` (or
/// when it outgrows `maxBlockCommands` / `maxBlockBytes`), so a flushed checkpoint never waits for a commit.
///
/// Every block is kept until its EXEC reply has been read and checked. When the connection is lost (refused, reset,
/// timed out, or the server answers `LOADING`), the sink reconnects with backoff and sends every unconfirmed block
/// again, in order: stream entries may then appear twice (same `key` field), hashes end up the same.
public final class RedisSink: RecordSink {
    public let configuration: RedisConfiguration
    private let log: (String) -> Void
    private var connection: RedisConnection?
    /// The OpenSSL context of a `rediss://` sink, made once (`prepare`, or the first connection).
    private var tlsContext: RedisTLSContext?
    private var builder: RedisBlockBuilder
    /// `{prefix}:` in bytes.
    private let keyPrefix: [UInt8]

    /// Blocks appended to the connection (or waiting for one) whose EXEC reply has not been read yet, oldest first,
    /// from `head` on.
    private var unconfirmed: [RedisBlock] = []
    private var head = 0
    /// Replies of `unconfirmed[head]` read so far.
    private var repliesRead = 0
    /// The first error reply to a queued command of the block being read (index of the command, message).
    private var queuedError: (index: Int, message: String)?
    private var pendingCommands = 0
    private var pendingBytes = 0
    private var unsentBytes = 0

    /// Connection failures since a block was last confirmed: the backoff grows with it.
    private var consecutiveFailures = 0
    private var outageStart: Double?
    private var failure: CDCError?

    /// Transactions (blocks) confirmed by an EXEC reply, and connections re-opened after a loss (for tests and
    /// statistics).
    public private(set) var confirmedBlocks = 0
    public private(set) var reconnections = 0

    /// Connects lazily: the first `write` that needs to send, or `flush`.
    public init(configuration: RedisConfiguration, log: @escaping (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.log = log
        self.builder = RedisBlockBuilder(configuration: configuration)
        self.keyPrefix = Array((configuration.prefix + ":").utf8)
    }

    public var description: String { configuration.description }

    /// Loads what the first connection needs from files (a `rediss://` sink's CA, certificate and key), so that a
    /// wrong path is a usage error at start-up rather than at the first write. Optional: connecting does it too.
    public func prepare() throws(CDCError) {
        guard let settings = configuration.tls, tlsContext == nil else { return }
        tlsContext = try RedisTLSContext(settings)
    }

    /// Hash mode names each row's hash after its primary key.
    public var wantsKeys: Bool { configuration.mode == .hash }

    /// Blocks (source transactions or parts of them) not confirmed yet.
    public var unconfirmedBlocks: Int { unconfirmed.count - head }

    public func write(_ batch: RecordBatch) throws(CDCError) {
        if let failure { throw failure }
        do throws(CDCError) {
            var tableKeys: [[UInt8]] = []
            for table in batch.tables {
                tableKeys.append(keyPrefix + Array(table.database.utf8) + [UInt8(ascii: ":")] + Array(table.table.utf8))
            }
            let files = batch.origins.map { Array($0.file.utf8) }
            let commits = batch.commits
            var nextCommit = 0
            for index in batch.records.indices {
                while nextCommit < commits.count, commits[nextCommit].recordsBefore <= index {
                    if let block = builder.commit(commits[nextCommit]) { try enqueue(block) }
                    nextCommit += 1
                }
                let record = batch.records[index]
                guard tableKeys.indices.contains(record.table) else {
                    throw CDCError(
                        .sink, "record \(index) of the batch names table \(record.table), which the batch lacks")
                }
                guard files.indices.contains(record.origin) else {
                    throw CDCError(
                        .sink, "record \(index) of the batch names origin \(record.origin), which the batch lacks")
                }
                try builder.add(record, of: batch, tableKey: tableKeys[record.table], file: files[record.origin])
                if builder.isFull, let block = builder.finishPartial() { try enqueue(block) }
            }
            while nextCommit < commits.count {
                if let block = builder.commit(commits[nextCommit]) { try enqueue(block) }
                nextCommit += 1
            }
            // Transactions without records still move the hash mode's position: once per batch.
            if builder.hasPositionOnly, let block = builder.finishPartial() { try enqueue(block) }
        } catch {
            failure = error
            throw error
        }
    }

    /// Sends the open (partial) transaction as a block of its own, then reads every reply; blocks while the server
    /// is unreachable.
    public func flush() throws(CDCError) {
        if let failure { throw failure }
        do throws(CDCError) {
            if let block = builder.finishPartial() { try enqueue(block) }
            try drain(maxCommands: 0, maxBytes: 0)
        } catch {
            failure = error
            throw error
        }
    }

    /// Sends the complete transactions' commands written so far without reading their replies (the next `flush`
    /// confirms them); an unfinished transaction waits for its end.
    public func push() throws(CDCError) {
        if let failure { throw failure }
        guard let connection, unsentBytes > 0 else { return }
        do throws(CDCError) {
            do throws(RedisFailure) {
                unsentBytes = 0
                try connection.send()
            } catch {
                try handle(error)
            }
        } catch {
            failure = error
            throw error
        }
    }

    public func close() throws(CDCError) {
        if unconfirmedBlocks > 0 {
            log("\(description): closed with \(unconfirmedBlocks) transaction(s) not confirmed (not flushed)")
        }
        connection = nil
        unconfirmed = []
        head = 0
    }

    // MARK: sending and confirming

    private func enqueue(_ block: RedisBlock) throws(CDCError) {
        // Connect on first use (one attempt, appending what waits); while the server is known to be away, blocks
        // only queue up until the limits below or the next flush.
        if connection == nil, consecutiveFailures == 0 {
            _ = try connectOnce()
        }
        unconfirmed.append(block)
        pendingCommands += block.commands
        pendingBytes += block.bytes.count
        if let connection {
            do throws(RedisFailure) {
                try connection.append(block.bytes)
                unsentBytes += block.bytes.count
                // Let the server work while the next blocks are encoded.
                if unsentBytes >= 1 << 18 {
                    unsentBytes = 0
                    try connection.send()
                }
            } catch {
                try handle(error)
            }
        }
        if pendingCommands > configuration.maxPendingCommands || pendingBytes > configuration.maxPendingBytes {
            try drain(maxCommands: configuration.maxPendingCommands / 2, maxBytes: configuration.maxPendingBytes / 2)
        }
    }

    /// Reads replies until at most `maxCommands` commands and `maxBytes` bytes are unconfirmed, reconnecting (and
    /// re-sending) as often as needed.
    private func drain(maxCommands: Int, maxBytes: Int) throws(CDCError) {
        while head < unconfirmed.count, pendingCommands > maxCommands || pendingBytes > maxBytes {
            guard let connection else {
                try reconnect()
                continue
            }
            do throws(RedisFailure) {
                let reply = try connection.readPipelinedReply()
                try consume(reply)
            } catch {
                try handle(error)
            }
        }
        if head == unconfirmed.count {
            unconfirmed.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= unconfirmed.count {
            unconfirmed.removeFirst(head)
            head = 0
        }
    }

    /// One reply to the block at `head`: MULTI's `OK`, a `QUEUED` per command, then EXEC's array of results.
    private func consume(_ reply: RedisReply) throws(RedisFailure) {
        let block = unconfirmed[head]
        let index = repliesRead
        repliesRead += 1
        pendingCommands -= 1
        if !block.transactional {
            repliesRead = 0
            if let message = reply.errorMessage {
                let label = block.label(at: 0)
                if reply.isTransientError { throw .connection("\(label): \(message)") }
                throw .permanent(sinkError("\(label) failed: \(message)", block: block))
            }
        } else if index < block.commands - 1 {
            // MULTI (+OK) or a queued command (+QUEUED); an error here aborts the whole block at EXEC.
            if let message = reply.errorMessage, queuedError == nil || reply.isTransientError {
                queuedError = (index, message)
            }
            return
        }
        repliesRead = 0
        let queued = queuedError
        queuedError = nil
        if let queued {
            let label = block.label(at: queued.index)
            if RedisReply.error(queued.message).isTransientError {
                throw .connection("\(label): \(queued.message)")
            }
            throw .permanent(sinkError("\(label) failed: \(queued.message)", block: block))
        }
        if block.transactional {
            try checkResults(reply, of: block)
        }
        pendingBytes -= block.bytes.count
        unconfirmed[head] = RedisBlock(bytes: [], commands: 0, records: 0, commit: nil)
        head += 1
        confirmedBlocks += 1
        consecutiveFailures = 0
    }

    /// EXEC's reply: one result per queued command, none of them an error.
    private func checkResults(_ reply: RedisReply, of block: RedisBlock) throws(RedisFailure) {
        switch reply {
        case .array(let results):
            guard results.count == block.commands - 2 else {
                throw .permanent(
                    sinkError(
                        "EXEC returned \(results.count) results for \(block.commands - 2) commands", block: block))
            }
            for (offset, result) in results.enumerated() {
                guard let message = result.errorMessage else { continue }
                let label = block.label(at: offset + 1)
                if result.isTransientError { throw .connection("\(label): \(message)") }
                throw .permanent(sinkError("\(label) failed: \(message)", block: block))
            }
        case .error(let message):
            if reply.isTransientError { throw .connection("EXEC: \(message)") }
            throw .permanent(sinkError("EXEC failed: \(message)", block: block))
        default:
            throw .permanent(sinkError("EXEC answered \(reply.summary) instead of the results", block: block))
        }
    }

    private func sinkError(_ problem: String, block: RedisBlock) -> CDCError {
        var where_ = ""
        if let commit = block.commit {
            where_ = " (in the transaction ending at \(commit.next)\(commit.gtid.map { ", GTID \($0)" } ?? ""))"
        }
        return CDCError(
            .sink,
            "\(description): \(problem)\(where_); nothing past it is checkpointed. Fix the key or the server "
                + "(a key of another type, maxmemory, permissions) and run again")
    }

    private func handle(_ failure: RedisFailure) throws(CDCError) {
        switch failure {
        case .permanent(let error):
            throw error
        case .connection(let message):
            if connection != nil {
                log(
                    "\(description): connection lost (\(message)); reconnecting, \(unconfirmedBlocks) unconfirmed "
                        + "transaction(s) will be sent again")
                outageStart = outageStart ?? Self.now()
            }
            connection = nil
            consecutiveFailures += 1
        }
    }

    /// Connects (AUTH, PING, SELECT) and appends every unconfirmed block to the new connection, waiting between
    /// attempts with a backoff that doubles from 0.1 s to `maxBackoff`. Returns only when connected; throws for a
    /// permanent refusal (wrong password, no such database).
    private func reconnect() throws(CDCError) {
        while true {
            if consecutiveFailures > 0 {
                Self.sleep(backoff(after: consecutiveFailures))
            }
            if try connectOnce() { return }
        }
    }

    /// One connection attempt: true when connected, false (logged, counted for the backoff) when the server cannot
    /// be reached.
    private func connectOnce() throws(CDCError) -> Bool {
        do throws(RedisFailure) {
            do throws(CDCError) { try prepare() } catch { throw .permanent(error) }
            let fresh = try RedisConnection(
                host: configuration.host, port: configuration.port,
                connectTimeout: configuration.connectTimeout, commandTimeout: configuration.commandTimeout,
                tls: tlsContext)
            try handshake(fresh)
            var commands = 0
            for block in unconfirmed[head...] {
                try fresh.append(block.bytes)
                commands += block.commands
            }
            connection = fresh
            repliesRead = 0
            queuedError = nil
            pendingCommands = commands
            unsentBytes = 0
            if let start = outageStart {
                reconnections += 1
                let tenths = ((Self.now() - start) * 10).rounded()
                log(
                    "\(description): connected again after \(tenths / 10) s; sending \(unconfirmedBlocks) "
                        + "unconfirmed transaction(s) again")
            }
            outageStart = nil
            return true
        } catch {
            switch error {
            case .permanent(let error):
                throw error
            case .connection(let message):
                outageStart = outageStart ?? Self.now()
                consecutiveFailures += 1
                let attempt = consecutiveFailures
                if attempt & (attempt - 1) == 0 || attempt % 20 == 0 {
                    log(
                        "\(description): cannot connect (\(message)); retrying in \(backoff(after: attempt)) s "
                            + "(attempt \(attempt), \(unconfirmedBlocks) transaction(s) waiting)")
                }
                return false
            }
        }
    }

    private func handshake(_ fresh: RedisConnection) throws(RedisFailure) {
        if let password = configuration.password, !password.isEmpty {
            var arguments = [Array("AUTH".utf8)]
            if let username = configuration.username { arguments.append(Array(username.utf8)) }
            arguments.append(Array(password.utf8))
            let reply = try fresh.command(arguments)
            if let message = reply.errorMessage {
                if reply.isTransientError { throw .connection("AUTH: \(message)") }
                if message.contains("without any password configured") || message.contains("no password is set") {
                    log("\(description): a password was given but the server asks for none; going on without AUTH")
                } else {
                    // The server's message never repeats the password.
                    throw .permanent(
                        CDCError(
                            .sink,
                            "\(description): AUTH failed (\(message)): check REDISCLI_AUTH or --redis-password-file"
                                + (configuration.username == nil
                                    ? "" : " and the user \(configuration.username ?? "") (the URL's or --redis-user)"))
                    )
                }
            }
        }
        // PING first: it tells a missing password (NOAUTH) and a loading server (LOADING) apart from the rest.
        let reply = try fresh.command([Array("PING".utf8)])
        if let message = reply.errorMessage {
            if reply.isTransientError { throw .connection("PING: \(message)") }
            if message.hasPrefix("NOAUTH") {
                throw .permanent(
                    CDCError(
                        .sink,
                        "\(description): the server needs a password (\(message)): set REDISCLI_AUTH or "
                            + "--redis-password-file"))
            }
            throw .permanent(CDCError(.sink, "\(description): PING failed: \(message)"))
        }
        if configuration.database != 0 {
            let selected = try fresh.command([Array("SELECT".utf8), Array(String(configuration.database).utf8)])
            if let message = selected.errorMessage {
                if selected.isTransientError { throw .connection("SELECT: \(message)") }
                throw .permanent(
                    CDCError(
                        .sink,
                        "\(description): SELECT \(configuration.database) failed (\(message)): use a database the "
                            + "server has (0 to databases-1 in redis.conf)"))
            }
        }
    }

    private func backoff(after failures: Int) -> Double {
        var delay = 0.1
        for _ in 1..<max(failures, 1) {
            delay *= 2
            if delay >= configuration.maxBackoff { return configuration.maxBackoff }
        }
        return min(delay, configuration.maxBackoff)
    }

    private static func sleep(_ seconds: Double) {
        let whole = seconds.rounded(.down)
        var request = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}
