import CDCCore

/// One MULTI/EXEC block: a source transaction (or part of one), RESP-encoded, kept until its EXEC reply has been
/// read so that it can be sent again on a new connection. A block of one command goes without MULTI/EXEC.
struct RedisBlock {
    /// `MULTI`, the commands, `EXEC`, RESP-encoded.
    var bytes: [UInt8]
    /// How many commands `bytes` holds, MULTI and EXEC included: the number of replies to read.
    var commands: Int
    /// How many change records it applies.
    var records: Int
    /// The source transaction it ends; nil when it is part of a transaction that continues (sent at a flush or
    /// because the transaction outgrew `maxBlockCommands` / `maxBlockBytes`).
    var commit: RecordBatch.Commit?
    /// MULTI … EXEC around the commands; false for a block of one command (atomic by itself), whose one reply is
    /// that command's.
    var transactional = true

    /// `VERB key` of the command at `index` (0 is MULTI), for error messages: the key is cut at 200 bytes and bytes
    /// outside printable ASCII are shown as `\xNN`.
    func label(at index: Int) -> String {
        var offset = 0
        for current in 0...index {
            guard let (arguments, next) = RESP.arguments(in: bytes, at: offset, limit: 2) else { break }
            if current == index {
                return arguments.map { Self.printable($0) }.joined(separator: " ")
            }
            offset = next
        }
        return "command \(index)"
    }

    static func printable(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes.prefix(200) {
            if byte >= 32, byte < 127, byte != UInt8(ascii: "\\") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        if bytes.count > 200 { text += "…" }
        return text
    }
}
