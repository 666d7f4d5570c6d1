import Foundation
import Testing

@testable import StateStore

/// The initial snapshot's record in the state: begun, checkpointed per table, finished together with the position.
@Suite struct SnapshotRunTests {
    @Test func snapshotRunLifecycle() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try StateStore.open(directory: temp.path)
        #expect(try store.snapshotRun() == nil)
        let run = SnapshotRun(
            position: BinlogFilePosition(file: "mysql-bin.000003", offset: 1234), startedAtMilliseconds: 77)
        // A leftover of an earlier, abandoned snapshot is dropped when a new one begins.
        try store.saveSnapshotProgress(
            SnapshotProgress(database: "old", table: "t", lastChunkKey: nil, rows: 1, finished: false))
        try store.beginSnapshotRun(run)
        #expect(try store.snapshotRun() == run)
        #expect(try store.snapshotProgress().isEmpty)

        let progress = SnapshotProgress(
            database: "shop", table: "orders", lastChunkKey: Array("`id` > 500".utf8), rows: 500, finished: false,
            chunks: 5)
        try store.saveSnapshotCheckpoint(progress, run: run)
        #expect(try store.snapshotProgress() == [progress])
        #expect(try store.loadPosition() == nil, "no stream position before the snapshot finishes")

        var position = SavedPosition(binlog: run.position)
        position.serverID = 1
        try store.finishSnapshotRun(run, position: position)
        let finished = try store.snapshotRun()
        #expect(finished?.finished == true)
        #expect(finished?.finishedAtMilliseconds != nil)
        #expect(finished?.position == run.position)
        #expect(try store.loadPosition()?.binlog == run.position)
        #expect(try store.loadPosition()?.serverID == 1)

        try store.clearSnapshotProgress()
        #expect(try store.snapshotRun() == nil)
    }

    @Test func stateFormatIsThree() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try StateStore.open(directory: temp.path)
        #expect(try store.database.pragma("user_version") == String(StateStoreSchema.currentVersion))
        let columns = try store.database.query("SELECT name FROM pragma_table_info('snapshot_progress')").map {
            try $0.string(0)
        }
        #expect(columns.contains("chunk_count"))
    }
}
