import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// The output and state directories on a full or read-only filesystem: a small tmpfs mounted for the test (root
// only: without root there is no way to make a real ENOSPC/EROFS, and `ulimit -f` kills the writer with SIGXFSZ
// instead of failing its write; a filesystem cannot be made read-only while a process has a file open for writing
// on it, so the read-only case is set up between runs). Each fault must stop the run with a clear error (naming the path and the cause)
// and a non-zero exit, never a crash; the saved position must still be readable and never ahead of the files; and
// once space returns (remount with a larger size, or read-write again) a resumed run must end with every committed
// change delivered and the files replaying to SELECT.

extension LiveChaosTests {
    static func shell(_ command: String) throws {
        try LiveThrowawayServer.bash(command, timeout: 60)
    }

    /// A tmpfs of `size` mounted at a new directory; unmounted (lazily) by `unmount`.
    static func mountTmpfs(_ directory: URL, size: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try shell("mount -t tmpfs -o size=\(size),mode=0755 tmpfs \(LiveThrowawayServer.quote(directory.path))")
    }

    static func unmount(_ directory: URL) {
        _ = try? shell("umount -l \(LiveThrowawayServer.quote(directory.path))")
    }

    /// Runs `run … --until never` until it exits by itself (at most `timeout` s).
    static func runUntilItFails(_ arguments: [String], timeout: TimeInterval) throws -> (
        status: Int32, crashed: Bool, stderr: String
    ) {
        let run = try LiveBackgroundRun(arguments + ["--until", "never"])
        let deadline = Date().addingTimeInterval(timeout)
        while run.process.isRunning && Date() < deadline { usleep(100_000) }
        let stillRunning = run.process.isRunning
        let status = run.stop(SIGKILL, timeout: 1)
        let crashed = !stillRunning && run.process.terminationReason == .uncaughtSignal
        return (stillRunning ? -1 : status, crashed, run.stderr)
    }

    /// Every record before the saved checkpoint is in the files (the checkpoint is never ahead of the files).
    static func checkpointCovered(_ bench: LiveRecoveryBench, output: URL, state: String, since start: LiveBinlogPoint)
        throws -> [String]
    {
        guard let saved = try LiveSavedPosition.show(state: state) else { return [] }
        let files = try LiveFileSinkOutput(output, layout: .perTable)
        var there = Set<String>()
        for lines in files.streams.values { there.formUnion(files.records(lines).records.map(\.key)) }
        let binlogs = try bench.client.closedBinlogs(since: start.file)
        let parsed = try BinlogSinkCLI.run(
            ["parse"] + binlogs + ["--start-position", "\(start.pos)", "--include", "\(bench.database).*"])
        let expected = try BinlogRecord.parseAll(parsed.stdout)
        let ahead = expected.filter { LiveBinlogPoint($0) < saved.boundary && !there.contains($0.key) }
        return ahead.isEmpty
            ? []
            : ["the checkpoint \(saved) covers \(ahead.count) records not in the files: \(ahead.prefix(3).map(\.key))"]
    }

    @Test(
        "output and state directories on a full or read-only filesystem: clear error, non-zero exit, state intact, clean resume",
        .enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func fullAndReadOnlyFilesystem() throws {
        let bench = try LiveRecoveryBench()
        let start = try LiveBinlogPoint.current(bench.client)
        let mount = bench.scratch.appendingPathComponent("fs")
        try Self.mountTmpfs(mount, size: "256k")
        defer { Self.unmount(mount) }
        let output = mount.appendingPathComponent("out")
        let state = bench.scratch.appendingPathComponent("state").path
        let arguments = [
            "run", "--source", bench.source, "--start", start.description, "--state", state,
            "--sink", "file:\(output.path)", "--include", "\(bench.database).*", "--checkpoint-interval", "0.2",
        ]
        var findings: [String] = []

        // 1. The output filesystem fills up under a continuous workload.
        let database = bench.database
        var workload: LiveLoopWorkload? = LiveLoopWorkload(client: bench.client, pause: 5_000) {
            LiveServer.LiveRestartTests.batchSQL(database: database, batch: 1_000_000 + $0)
        }
        let full = try Self.runUntilItFails(arguments, timeout: 120)
        workload?.stop()
        workload = nil
        #expect(!full.crashed, "the run crashed on a full disk: \(full.stderr.suffix(1500))")
        #expect(
            full.status == 2, "exit \(full.status) on a full disk (docs/operations.md: 2): \(full.stderr.suffix(1500))")
        #expect(
            full.stderr.contains("No space left on device") && full.stderr.contains(output.path),
            "the error names the path and the cause: \(full.stderr.suffix(1500))")
        findings.append("full: exit \(full.status): \(Self.lastError(full.stderr))")
        expectNoProblems(
            try Self.checkpointCovered(bench, output: output, state: state, since: start), "after the disk filled up")
        // Still full: a second run fails the same way. It may deliver a few more records first (dropping the torn
        // last line the first run left frees a little space, and a checkpoint may follow), but its checkpoint never
        // moves back and never gets ahead of the files.
        let savedFull = try LiveSavedPosition.show(state: state)
        let again = try BinlogSinkCLI.run(arguments + ["--until", "now"], timeout: 120)
        #expect(again.status == 2, "still full: exit \(again.status): \(again.stderr.suffix(800))")
        let savedAgain = try LiveSavedPosition.show(state: state)
        if let before = savedFull?.boundary {
            #expect(
                savedAgain.map { !($0.boundary < before) } ?? false,
                "a failing run moved the checkpoint back: \(String(describing: savedFull)) → \(String(describing: savedAgain))"
            )
        }
        expectNoProblems(
            try Self.checkpointCovered(bench, output: output, state: state, since: start),
            "after a second run on a full disk")

        // Space returns: the resumed run delivers everything.
        try Self.shell("mount -o remount,size=64m \(LiveThrowawayServer.quote(mount.path))")
        let resumed = try BinlogSinkCLI.run(arguments + ["--until", "now"], timeout: 120)
        #expect(resumed.status == 0, "after space returned: \(resumed.stderr.suffix(1500))")
        var (problems, records) = try bench.problems(output: output, since: start)
        expectNoProblems(problems, "after the disk was enlarged")

        // 2. The output filesystem read-only (remounted while no run writes: Linux refuses to make a filesystem
        // read-only while a process has a file open for writing on it, so a disk turning read-only under a running
        // writer is not something a test can make).
        try Self.shell("mount -o remount,ro \(LiveThrowawayServer.quote(mount.path))")
        try bench.write(batches: 20)
        let savedReadOnly = try LiveSavedPosition.show(state: state)
        let filesReadOnly = LiveRecoveryBench.contents(output)
        let readOnly = try BinlogSinkCLI.run(arguments + ["--until", "now"], timeout: 120)
        #expect(readOnly.status == 2, "exit \(readOnly.status) on a read-only disk: \(readOnly.stderr.suffix(1500))")
        #expect(
            readOnly.stderr.contains("Read-only file system") && readOnly.stderr.contains(output.path),
            "the error names the path and the cause: \(readOnly.stderr.suffix(1500))")
        #expect(try LiveSavedPosition.show(state: state) == savedReadOnly, "a failing run moved the checkpoint")
        #expect(LiveRecoveryBench.contents(output) == filesReadOnly, "the files changed on a read-only disk")
        findings.append("read-only: exit \(readOnly.status): \(Self.lastError(readOnly.stderr))")
        try Self.shell("mount -o remount,rw \(LiveThrowawayServer.quote(mount.path))")
        let afterReadOnly = try BinlogSinkCLI.run(arguments + ["--until", "now"], timeout: 120)
        #expect(afterReadOnly.status == 0, "after read-write again: \(afterReadOnly.stderr.suffix(1500))")
        (problems, records) = try bench.problems(output: output, since: start)
        expectNoProblems(problems, "after the disk was read-write again")

        // 3. The state directory on a full filesystem, then on a read-only one.
        let stateMount = bench.scratch.appendingPathComponent("statefs")
        try Self.mountTmpfs(stateMount, size: "1m")
        defer { Self.unmount(stateMount) }
        let movedState = stateMount.appendingPathComponent("state")
        try Self.shell("cp -a \(LiveThrowawayServer.quote(state)) \(LiveThrowawayServer.quote(movedState.path))")
        let stateArguments = arguments.map { $0 == state ? movedState.path : $0 }
        let savedBefore = try LiveSavedPosition.show(state: movedState.path)
        try Self.shell(
            "dd if=/dev/zero of=\(LiveThrowawayServer.quote(stateMount.appendingPathComponent("filler").path)) bs=4k 2>/dev/null || true"
        )
        try bench.write(batches: 30)
        let stateFull = try BinlogSinkCLI.run(stateArguments + ["--until", "now"], timeout: 120)
        #expect(stateFull.status != 0, "the run succeeded with its state on a full disk")
        #expect(
            stateFull.status == 4 || stateFull.status == 2,
            "exit \(stateFull.status) with a full state disk: \(stateFull.stderr.suffix(1500))")
        #expect(
            stateFull.stderr.contains(movedState.path) && stateFull.stderr.contains("No space left on device"),
            "the error names the state and the cause: \(stateFull.stderr.suffix(1500))")
        findings.append("state full: exit \(stateFull.status): \(Self.lastError(stateFull.stderr))")
        try FileManager.default.removeItem(at: stateMount.appendingPathComponent("filler"))
        try Self.shell("mount -o remount,ro \(LiveThrowawayServer.quote(stateMount.path))")
        try bench.write(batches: 10)
        let stateReadOnly = try BinlogSinkCLI.run(stateArguments + ["--until", "now"], timeout: 120)
        #expect(
            stateReadOnly.status == 4 || stateReadOnly.status == 2,
            "exit \(stateReadOnly.status) with a read-only state disk: \(stateReadOnly.stderr.suffix(1500))")
        #expect(
            stateReadOnly.stderr.contains(movedState.path),
            "the error names the state: \(stateReadOnly.stderr.suffix(1500))")
        findings.append("state read-only: exit \(stateReadOnly.status): \(Self.lastError(stateReadOnly.stderr))")
        try Self.shell("mount -o remount,rw \(LiveThrowawayServer.quote(stateMount.path))")
        #expect(try LiveSavedPosition.show(state: movedState.path) == savedBefore, "the saved position changed")
        let stateResumed = try BinlogSinkCLI.run(stateArguments + ["--until", "now"], timeout: 120)
        #expect(stateResumed.status == 0, "with the state writable again: \(stateResumed.stderr.suffix(1500))")
        (problems, records) = try bench.problems(output: output, since: start)
        expectNoProblems(problems, "after the state disk was fixed")
        ChaosSettings.record("scenario=filesystem records=\(records) ok=\(problems.isEmpty)")
        for finding in findings { ChaosSettings.record("scenario=filesystem \(finding)") }
    }

    /// The last `error` line of a run's stderr (the message the user sees).
    static func lastError(_ stderr: String) -> String {
        let line = stderr.split(separator: "\n").last { $0.contains("error") } ?? Substring(stderr.suffix(300))
        return String(line.prefix(400))
    }
}
