import Foundation
import Testing

/// `parse --schema-from binlog`: the schema registry, fed only by the DDL in the files read, must give binlogs
/// written without column metadata (MariaDB's default `binlog_row_metadata`, and `log_bin_compress=ON`) exactly
/// the records the server itself describes with `binlog_row_metadata=FULL` — names, text vs binary, charsets,
/// ENUM/SET labels, signedness — for the same statements (the shared workload's three variants).
@Suite("parse --schema-from binlog", .enabled(if: SharedFixtures.root != nil, "../shared/fixtures is not there"))
struct SchemaFromBinlogTests {
    @Test(
        "records without metadata, completed by the registry, equal the FULL-metadata records",
        arguments: [MariaDBVariant.minimalMetadata, .compressed])
    func registryCompletesMinimalMetadata(variant: MariaDBVariant) throws {
        let full = try ParseRun.parse(MariaDBVariant.fullMetadata.binlogs)
        #expect(full.status == 0, "\(full.summary)")
        let completed = try ParseRun.parse(variant.binlogs, ["--schema-from", "binlog"])
        #expect(completed.status == 0, "\(completed.summary)")
        #expect(!completed.stderr.contains("warning"), "the workload's DDL is all understood: \(completed.stderr)")
        let expected = try full.records()
        let records = try completed.records()
        #expect(records.count == expected.count)
        #expect(records.count > 200, "the workload has \(records.count) row changes")
        var problems: [String] = []
        for (ours, theirs) in zip(records, expected) {
            if ours.op != theirs.op || ours.tableKey != theirs.tableKey || ours.before != theirs.before
                || ours.after != theirs.after
            {
                problems.append("\(ours.key) (\(ours.tableKey)): ours \(ours) vs FULL metadata \(theirs)")
            }
        }
        expectNoProblems(problems, "\(variant.rawValue) --schema-from binlog")
    }

    @Test("without the option, the same files name columns by ordinal")
    func withoutRegistryColumnsAreOrdinals() throws {
        let run = try ParseRun.parse(MariaDBVariant.minimalMetadata.binlogs)
        let first = try #require(try run.records().first { $0.after != nil })
        #expect(first.after?.entries.allSatisfy { $0.key.hasPrefix("@") } == true)
    }
}
