import BinlogDecoder

/// libFuzzer target `json`: a MySQL binary JSON document and a partial-update diff vector (the after value of a JSON
/// column in a `PARTIAL_UPDATE_ROWS` event, `binlog_row_value_options=PARTIAL_JSON`).
///
/// Input: the document's length (2 bytes, little-endian; clamped to what is there), the document, and the rest is the
/// diff vector. The document is rendered as MySQL's JSON text straight from the bytes, and parsed and rendered again;
/// the diffs are decoded alone (what `parse` shows when the before document is unknown, with their JSON paths parsed
/// from text) and applied to the parsed document (MySQL's `Json_diff_vector::apply`), and the result rendered.
/// Errors are fine; traps, leaks and hangs are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let length = min(Int(bytes[0]) | Int(bytes[1]) << 8, size - 2)
    let document = bytes[2..<(2 + length)]
    let diff = bytes[(2 + length)...]
    var text: [UInt8] = []
    _ = try? MySQLJSON.render(document, into: &text)
    if let value = try? MySQLJSON.parse(document) {
        var again: [UInt8] = []
        value.render(into: &again)
        if let updated = try? JSONDiff.apply(diff, to: value) {
            again.removeAll(keepingCapacity: true)
            updated.render(into: &again)
        }
    }
    if let changes = try? JSONDiff.decode(diff) {
        var rendered: [UInt8] = []
        for change in changes {
            rendered += Array(change.path.utf8)
            change.value?.render(into: &rendered)
        }
    }
    return 0
}
