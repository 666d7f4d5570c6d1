import BinlogDecoder

/// libFuzzer target `json`: the input is a MySQL binary JSON document (a JSON column's value in a rows event).
/// It is parsed, rendered as MySQL's JSON text, and used as the document a partial-update diff (the same bytes,
/// read as `binlog_row_value_options` diffs) applies to.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var text: [UInt8] = []
    _ = try? MySQLJSON.render(bytes[...], into: &text)
    if let document = try? MySQLJSON.parse(bytes[...]) {
        var again: [UInt8] = []
        document.render(into: &again)
        _ = try? JSONDiff.apply(bytes[...], to: document)
    }
    _ = try? JSONDiff.decode(bytes[...])
    return 0
}
