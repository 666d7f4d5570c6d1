import Foundation

/// The per-file table of `mysql/INDEX.md` (written from the files by the fixtures' own tools, not by binlog-sink):
/// server version, checksum algorithm and notes of each MySQL fixture.
struct FixtureIndex {
    struct Entry {
        var file: String
        var serverVersion: String
        /// "CRC32", "NONE", "NONE(pre-5.6.1 FDE)" or "–".
        var checksum: String
        var eventCounts: String
        var notes: String
    }

    var entries: [Entry] = []

    init() throws {
        let text = try Fixtures.text("mysql/INDEX.md")
        for line in text.split(separator: "\n") where line.hasPrefix("| ") && !line.hasPrefix("| file") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            // "", file, bytes, version, cksum, events, rows, notes, expectations, ""
            guard cells.count >= 9 else { continue }
            entries.append(
                Entry(
                    file: cells[1], serverVersion: cells[3], checksum: cells[4], eventCounts: cells[5],
                    notes: cells[7]))
        }
    }
}
