import Foundation

/// The chaos suite's verification of what a sink holds against the source's own record of what was committed (the
/// offline `parse` of the binlogs): every expected record delivered at least once (`missing` must stay empty), none
/// that was not expected, and every duplicate copy counted and attributed.
///
/// The sink is read as append-ordered streams (file streams, Redis streams, Kafka partitions) with the length of each
/// stream after every trial, so each copy is known to come from one run: a copy of a record an earlier run delivered is "after the checkpoint"
/// when it is at or after the checkpoint this run resumed from (at-least-once as documented) and "before the
/// checkpoint" otherwise (a bug: the checkpoint covered a record it re-sends); a copy of a record the same run had
/// already delivered is "within a run" (a sink's re-send after a lost connection). The checkpoint saved at each
/// kill is also checked never to be ahead of the sink: every record before it must be in what the sink held then.
struct ChaosVerification {
    let expected: [BinlogRecord]
    let expectedKeys: Set<String>
    private(set) var copies: [String: Int] = [:]
    private(set) var first: [String: BinlogRecord] = [:]
    private(set) var problems: [String] = []
    private(set) var afterCheckpoint = 0
    private(set) var withinRun = 0
    private(set) var beforeCheckpoint = 0
    var hashRows: Int?

    init(expected: [BinlogRecord]) {
        self.expected = expected
        expectedKeys = Set(expected.map(\.key))
    }

    /// The de-duplicated records (first copies) in binlog order.
    var delivered: [BinlogRecord] {
        first.values.sorted { ($0.file, $0.pos, $0.row) < ($1.file, $1.pos, $1.row) }
    }

    var missing: Set<String> { hashRows == nil ? expectedKeys.subtracting(first.keys) : [] }
    var unexpected: Set<String> { Set(first.keys).subtracting(expectedKeys) }
    var duplicates: Int { copies.values.reduce(0) { $0 + $1 - 1 } }

    var duplicateSummary: String {
        if let hashRows { return "hashes=\(hashRows) duplicates=n/a" }
        return "duplicates=\(duplicates) after_checkpoint=\(afterCheckpoint) within_run=\(withinRun) "
            + "before_checkpoint=\(beforeCheckpoint)"
    }

    private mutating func count(_ record: BinlogRecord) -> Bool {
        copies[record.key, default: 0] += 1
        if first[record.key] == nil {
            first[record.key] = record
            return true
        }
        return false
    }

    private mutating func finish() {
        let lost = missing
        if !lost.isEmpty {
            problems.append("\(lost.count) committed changes never delivered, e.g. \(lost.sorted().prefix(5))")
        }
        let extra = unexpected
        if !extra.isEmpty {
            problems.append("\(extra.count) records that are not in the binlogs, e.g. \(extra.sorted().prefix(5))")
        }
    }

    /// Append-ordered streams with `ends[i].lengths`: each stream's length after trial i's kill.
    mutating func addStreams(_ streams: [String: [BinlogRecord]], ends: [LiveChaosTests.TrialEnd]) {
        for (name, records) in streams {
            var seenBefore = Set<String>()  // delivered by earlier runs
            var previousEnd = 0
            let bounds = ends.map { min($0.lengths[name] ?? 0, records.count) } + [records.count]
            for (run, bound) in bounds.enumerated() {
                let resume = run == 0 ? nil : ends[run - 1].saved?.boundary
                var seenHere = Set<String>()
                let end = max(bound, previousEnd)
                for record in records[previousEnd..<end] {
                    let isFirst = count(record)
                    if !isFirst {
                        if seenHere.contains(record.key) {
                            withinRun += 1
                        } else if seenBefore.contains(record.key),
                            let resume, LiveBinlogPoint(record) >= resume
                        {
                            afterCheckpoint += 1
                        } else {
                            beforeCheckpoint += 1
                            problems.append(
                                "\(name): run \(run + 1) delivered \(record.key) again although it resumed from "
                                    + "\(resume.map(\.description) ?? "the start") (before the checkpoint)")
                        }
                    }
                    seenHere.insert(record.key)
                }
                seenBefore.formUnion(seenHere)
                previousEnd = end
            }
            // The first copies in binlog order.
            var firstSeen = Set<String>()
            let firstCopies = records.filter { firstSeen.insert($0.key).inserted }
            for (previous, record) in zip(firstCopies, firstCopies.dropFirst())
            where (record.file, record.pos, record.row) <= (previous.file, previous.pos, previous.row) {
                problems.append("\(name): first copies out of binlog order at \(previous.key) → \(record.key)")
                break
            }
        }
        // Each checkpoint saved at a kill was never ahead of the sink.
        for (index, end) in ends.enumerated() {
            guard let boundary = end.saved?.boundary else { continue }
            var there = Set<String>()
            for (name, records) in streams {
                there.formUnion(records.prefix(end.lengths[name] ?? 0).map(\.key))
            }
            let ahead = expected.filter { LiveBinlogPoint($0) < boundary && !there.contains($0.key) }
            if !ahead.isEmpty {
                problems.append(
                    "trial \(index + 1): the checkpoint \(boundary) saved at the kill covers \(ahead.count) records "
                        + "the sink did not hold, e.g. \(ahead.prefix(3).map(\.key))")
            }
        }
        finish()
    }

    /// Records applied by primary key `id` into rows (a dictionary: RecordReplayer scans and copies its row list per
    /// record, quadratic at the tens of thousands of records a chaos run makes); what does not apply cleanly (an
    /// insert of a key that exists, an update or delete whose before image is not the row held) is a problem.
    static func materialize(_ records: [BinlogRecord]) -> (rows: [JSONObject], problems: [String]) {
        var rows: [String: JSONObject] = [:]
        var problems: [String] = []
        func id(_ image: JSONObject?) -> String? { image?["id"].map(\.description) }
        for record in records {
            switch record.op {
            case .insert, .read:
                guard let key = id(record.after), let after = record.after else {
                    problems.append("\(record.key): no id in the after image")
                    continue
                }
                if record.op == .insert, rows[key] != nil {
                    problems.append("\(record.key): insert of existing id \(key)")
                }
                rows[key] = after
            case .update:
                guard let old = id(record.before), let new = id(record.after), let after = record.after else {
                    problems.append("\(record.key): no id in the images")
                    continue
                }
                if rows[old] != record.before {
                    problems.append("\(record.key): update whose before image is not the row held for id \(old)")
                }
                rows[old] = nil
                rows[new] = after
            case .delete:
                guard let key = id(record.before) else {
                    problems.append("\(record.key): no id in the before image")
                    continue
                }
                if rows.removeValue(forKey: key) == nil {
                    problems.append("\(record.key): delete of missing id \(key)")
                }
            }
        }
        return (Array(rows.values), problems)
    }
}
