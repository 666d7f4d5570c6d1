/// A record that is not a JSON object as docs/record-format.md describes: what was expected and at which byte.
struct RecordScanError: Error, Equatable, CustomStringConvertible {
    var message: String
    /// Offset from the start of the record.
    var offset: Int

    var description: String { "\(message) at byte \(offset)" }
}
