/// One member of a record's `before` or `after` object, as ranges into the record bytes.
struct ImageColumn: Equatable {
    /// The column name, unescaped.
    var name: String
    /// The name as it is written, quotes and escapes included (`"id"`): what a key object repeats.
    var quotedName: Range<Int>
    /// The value's JSON text (`7`, `"Alice"`, `null`, `{"a": 1}`).
    var value: Range<Int>
}
