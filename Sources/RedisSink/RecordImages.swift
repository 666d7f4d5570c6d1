/// The row images of one JSON record: nil when the record says `null` (the `before` of an insert, the `after` of a
/// delete) or has no such member.
struct RecordImages: Equatable {
    var before: [ImageColumn]?
    var after: [ImageColumn]?
}
