/// A MySQL GTID set, as `PREVIOUS_GTIDS_LOG_EVENT` (35) carries it: every GTID executed before the binlog file
/// began (`Gtid_set::encode` / `Gtid_set::add_gtid_encoding` in `sql/rpl_gtid_set.cc`).
///
/// Body, little-endian (the event has no post-header):
/// - `n_sids` u64. Its top byte (bits 56-63) is the format: 0 = untagged, `n_sids` in bits 0-55; 1 = tagged
///   (MySQL 8.4+), `n_sids` in bits 8-55 and the format repeated in bits 0-7.
/// - `n_sids` times: `sid` 16 bytes · in the tagged format only, `tag` as a serialization-framework string
///   (`MySQLVarlen` length, 0 = untagged, then at most 32 characters) · `n_intervals` u64 · `n_intervals` times
///   `start` i64, `end` i64 (end exclusive, strictly increasing and not touching within one entry).
public struct GTIDSet: Sendable, Equatable, CustomStringConvertible {
    /// One transaction number interval, `start ..< end` as on the wire (`end` exclusive).
    public struct Interval: Sendable, Equatable {
        /// `start` (i64): the first GNO of the interval, 1 or more.
        public var start: Int64
        /// `end` (i64): one past the last GNO of the interval.
        public var end: Int64

        public init(start: Int64, end: Int64) {
            self.start = start
            self.end = end
        }
    }

    /// The GNO intervals of one source uuid and tag.
    public struct Entry: Sendable, Equatable {
        /// `sid`: the source's server uuid, 16 bytes.
        public var uuid: [UInt8]
        /// The GTID tag (MySQL 8.4+ tagged format), nil for untagged GTIDs.
        public var tag: String?
        /// The intervals, in increasing order.
        public var intervals: [Interval]

        public init(uuid: [UInt8], tag: String? = nil, intervals: [Interval]) {
            self.uuid = uuid
            self.tag = tag
            self.intervals = intervals
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// The set as `SELECT @@gtid_executed` prints it (`Gtid_set::default_string_format`): per uuid
    /// `uuid:1-13:15` (intervals inclusive, a single GNO alone), then each tag of that uuid as `:tag:1-2`; uuids in
    /// byte order, separated by `","` (MySQL prints `",\n"`; one line suits JSON and logs); untagged intervals before the tags, tags in byte order.
    /// An empty set is the empty string.
    public var description: String {
        let sorted = entries.enumerated().sorted { left, right in
            Self.sortsBefore(left.element, right.element, tieBreak: left.offset < right.offset)
        }.map(\.element)
        var text = ""
        var previous: Entry?
        for entry in sorted {
            let sameUUID = previous.map { $0.uuid == entry.uuid } ?? false
            let sameTag = sameUUID && previous.map { $0.tag == entry.tag } ?? false
            if !sameUUID {
                if previous != nil { text += "," }
                text += MySQLGTID.uuidString(entry.uuid)
            }
            if !sameTag, let tag = entry.tag {
                text += ":" + tag
            }
            for interval in entry.intervals {
                text += ":" + String(interval.start)
                if interval.end > interval.start + 1 {
                    text += "-" + String(interval.end - 1)
                }
            }
            previous = entry
        }
        return text
    }

    /// MySQL's order of TSIDs: uuid bytes first, then the tag (the untagged entry first).
    static func sortsBefore(_ left: Entry, _ right: Entry, tieBreak: Bool) -> Bool {
        if left.uuid != right.uuid {
            return left.uuid.lexicographicallyPrecedes(right.uuid)
        }
        switch (left.tag, right.tag) {
        case (nil, nil): return tieBreak
        case (nil, _): return true
        case (_, nil): return false
        case (let leftTag?, let rightTag?):
            if leftTag == rightTag { return tieBreak }
            return leftTag.utf8.lexicographicallyPrecedes(rightTag.utf8)
        }
    }

    /// `Gtid_format::untagged` and `Gtid_format::tagged`, the top byte of `n_sids`.
    static let untaggedFormat: UInt64 = 0
    static let taggedFormat: UInt64 = 1

    /// Parses the body of a `PREVIOUS_GTIDS_LOG_EVENT` (after the header, before the CRC32 if any).
    public static func parsePreviousGTIDs(_ bytes: [UInt8], body: Range<Int>) throws(DecodeError) -> GTIDSet {
        var reader = ByteReader(bytes, range: body)
        let encoded = try reader.readUInt64LE("n_sids")
        let format = encoded >> 56
        let count: UInt64
        switch format {
        case untaggedFormat:
            count = encoded & 0x00ff_ffff_ffff_ffff
        case taggedFormat:
            count = (encoded & 0x00ff_ffff_ffff_ff00) >> 8
        default:
            throw DecodeError(.malformed, "PREVIOUS_GTIDS in unknown GTID set format \(format)")
        }
        let tagged = format == taggedFormat
        // Every entry takes at least its sid and n_intervals (and a tag length byte when tagged): a count that
        // cannot fit in what is left is refused before anything is allocated for it.
        let minimumEntrySize: UInt64 = tagged ? 16 + 1 + 8 : 16 + 8
        guard count <= UInt64(reader.remaining) / minimumEntrySize else {
            throw DecodeError(
                .malformed,
                "PREVIOUS_GTIDS n_sids \(count) cannot fit in the \(reader.remaining) bytes left")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            let uuid = try reader.readArray(16, "sid")
            var tag: String?
            if tagged {
                let length = try MySQLVarlen.readUnsigned(&reader, max: UInt64(MySQLGTID.maxTagLength), "tag length")
                let range = try reader.readRange(Int(length), "tag")
                tag = try MySQLGTID.validatedTag(bytes[range])
            }
            let intervalCount = try reader.readUInt64LE("n_intervals")
            guard intervalCount <= UInt64(reader.remaining) / 16 else {
                throw DecodeError(
                    .malformed,
                    "PREVIOUS_GTIDS n_intervals \(intervalCount) cannot fit in the \(reader.remaining) bytes left")
            }
            var intervals: [Interval] = []
            intervals.reserveCapacity(Int(intervalCount))
            var last: Int64 = 0
            for _ in 0..<intervalCount {
                let start = Int64(bitPattern: try reader.readUInt64LE("interval start"))
                let end = Int64(bitPattern: try reader.readUInt64LE("interval end"))
                // MySQL's check: intervals start at 1 or more, are not empty, and increase without touching.
                guard start > last, end > start else {
                    throw DecodeError(
                        .malformed,
                        "PREVIOUS_GTIDS interval \(start)..<\(end) is empty or not after the previous end \(last)")
                }
                last = end
                intervals.append(Interval(start: start, end: end))
            }
            entries.append(Entry(uuid: uuid, tag: tag, intervals: intervals))
        }
        if !reader.isAtEnd {
            throw DecodeError(.malformed, "PREVIOUS_GTIDS has \(reader.remaining) bytes after its GTID set")
        }
        return GTIDSet(entries: entries)
    }
}

extension GTIDSet {
    /// Parses MySQL's text form of a GTID set, as `SELECT @@gtid_executed` and `SHOW BINLOG EVENTS` print it:
    /// `uuid:1-5:7,uuid2:3` and, tagged (MySQL 8.4+), `uuid:1-5:tag:1-2`. Whitespace and newlines around the parts are
    /// ignored; an empty text is the empty set. Intervals are inclusive in the text (`1-5` is `1 ..< 6` here).
    public init(parsing text: String) throws(DecodeError) {
        var entries: [Entry] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let fields = part.split(separator: ":", omittingEmptySubsequences: false).map {
                $0.trimmingWhitespace()
            }
            if fields.count == 1 && fields[0].isEmpty {
                if text.allSatisfy(\.isWhitespace) { break }
                throw DecodeError(.malformed, "GTID set \"\(text)\": empty element between commas")
            }
            guard let uuid = MySQLGTID.parseUUID(fields[0]) else {
                throw DecodeError(
                    .malformed, "GTID set \"\(text)\": \"\(fields[0])\" is not a server uuid (8-4-4-4-12 hex digits)")
            }
            guard fields.count > 1 else {
                throw DecodeError(
                    .malformed, "GTID set \"\(text)\": \(fields[0]) has no transaction numbers (uuid:1-5)")
            }
            var tag: String?
            var intervals: [Interval] = []
            func flush() {
                if !intervals.isEmpty { entries.append(Entry(uuid: uuid, tag: tag, intervals: intervals)) }
                intervals = []
            }
            for field in fields.dropFirst() {
                if let first = field.utf8.first, first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") {
                    let bounds = field.split(separator: "-", omittingEmptySubsequences: false)
                    guard bounds.count <= 2, let start = Int64(bounds[0]), start >= 1,
                        let last = bounds.count == 2 ? Int64(bounds[1]) : start, last >= start, last < Int64.max
                    else {
                        throw DecodeError(
                            .malformed,
                            "GTID set \"\(text)\": \"\(field)\" is not a transaction number or range (7 or 1-5)")
                    }
                    intervals.append(Interval(start: start, end: last + 1))
                } else {
                    flush()
                    do {
                        tag = try MySQLGTID.validatedTag(ArraySlice(Array(field.utf8)))
                    } catch {
                        throw DecodeError(.malformed, "GTID set \"\(text)\": \"\(field)\" is not a GTID tag")
                    }
                }
            }
            flush()
        }
        self.init(entries: entries)
    }

    /// Whether `gtid` is in the set.
    public func contains(_ gtid: MySQLGTID) -> Bool {
        entries.contains { entry in
            entry.uuid == gtid.uuid && entry.tag == gtid.tag
                && entry.intervals.contains { $0.start <= gtid.gno && gtid.gno < $0.end }
        }
    }

    /// Whether every GTID of this set is in `other` (the intervals of one uuid and tag may be split over several
    /// entries on either side).
    public func isSubset(of other: GTIDSet) -> Bool {
        let covering = other.mergedIntervals()
        for (key, intervals) in mergedIntervals() {
            let available = covering[key] ?? []
            for interval in intervals
            where !available.contains(where: { $0.start <= interval.start && interval.end <= $0.end }) {
                return false
            }
        }
        return true
    }

    /// The intervals of each uuid and tag, sorted and merged where they touch or overlap.
    func mergedIntervals() -> [EntryKey: [Interval]] {
        var grouped: [EntryKey: [Interval]] = [:]
        for entry in entries {
            grouped[EntryKey(uuid: entry.uuid, tag: entry.tag), default: []].append(contentsOf: entry.intervals)
        }
        return grouped.mapValues { intervals in
            var merged: [Interval] = []
            for interval in intervals.sorted(by: { $0.start < $1.start }) {
                if let last = merged.last, interval.start <= last.end {
                    merged[merged.count - 1].end = max(last.end, interval.end)
                } else {
                    merged.append(interval)
                }
            }
            return merged
        }
    }

    /// A uuid and tag: the intervals of one GTID source.
    struct EntryKey: Hashable {
        var uuid: [UInt8]
        var tag: String?
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var trimmed = self
        while let first = trimmed.first, first.isWhitespace { trimmed.removeFirst() }
        while let last = trimmed.last, last.isWhitespace { trimmed.removeLast() }
        return trimmed
    }
}
