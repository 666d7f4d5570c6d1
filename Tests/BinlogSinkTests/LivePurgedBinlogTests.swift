import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// A binlog the saved position needs, purged while binlog-sink was stopped (regression: the error was exit 2 with the
// advice `--start earliest`, which a state holding a position ignores). Now: exit 4 naming the binlog, the oldest
// one the server has and the two ways on; the state and the files untouched; and both ways work — a re-snapshot into
// a new state ends equal to SELECT, `position set` to the oldest binlog resumes. On a MariaDB of the test's own
// ($BINLOG_SINK_TEST_MYSQL_PORT2): PURGE on the shared one would take binlogs other tests read. Run by the normal
// suite and by scripts/chaos.

extension LiveServer {
    @Suite(
        "Live purged binlog: the error and the documented recovery",
        .serialized,
        .enabled(
            if: LiveThrowawayServer.port != nil && LiveThrowawayServer.clientExecutable != nil,
            "needs BINLOG_SINK_TEST_MYSQL_PORT2 and the mariadb client (scripts/test provides both)")
    )
    struct LivePurgedBinlogTests {
        @Test(
            "binlog purged while the tool was stopped: a clear error naming the file and the recovery; re-snapshot ends equal to SELECT"
        )
        func purgedBinlog() throws {
            let bench = try LiveRecoveryBench()
            let client = bench.client
            let start = try LiveBinlogPoint.current(client)
            let state = bench.scratch.appendingPathComponent("state").path
            let output = bench.scratch.appendingPathComponent("out")
            let base = [
                "run", "--source", bench.source, "--sink", "file:\(output.path)", "--include", "\(bench.database).*",
                "--until", "now",
            ]
            try bench.write(batches: 20)
            let first = try BinlogSinkCLI.run(base + ["--state", state, "--start", start.description])
            #expect(first.status == 0, "\(first.stderr.suffix(1500))")
            let saved = try #require(try LiveSavedPosition.show(state: state))
            let filesBefore = LiveRecoveryBench.contents(output)

            // Stopped; the server moves on and purges the binlog the saved position is in.
            try bench.write(batches: 20)
            try client.run("FLUSH BINARY LOGS")
            try bench.write(batches: 20)
            try client.run("FLUSH BINARY LOGS")
            let current = try client.currentBinlog()
            // The server keeps a binlog a dump thread still reads (the run's, until it notices the run is gone).
            var oldest = ""
            let deadline = Date().addingTimeInterval(30)
            repeat {
                try client.run("PURGE BINARY LOGS TO '\(current)'")
                oldest = try #require(try client.lines("SHOW BINARY LOGS").first?.first)
                if oldest != current { usleep(200_000) }
            } while oldest != current && Date() < deadline
            #expect(oldest == current && oldest != saved.position.file)

            let failed = try BinlogSinkCLI.run(base + ["--state", state])
            let message = failed.stderr
            #expect(
                failed.status == 4,
                "exit \(failed.status) (docs/operations.md: 4, the state needs a binlog that is gone)")
            #expect(message.contains(saved.position.file), "the error names the purged binlog: \(message.suffix(1500))")
            #expect(
                message.contains(oldest), "the error names the oldest binlog the server has: \(message.suffix(1500))")
            #expect(
                message.contains("--snapshot initial") && message.contains("position set"),
                "the error gives the recovery commands: \(message.suffix(1500))")
            #expect(try LiveSavedPosition.show(state: state) == saved, "the saved position changed")
            #expect(LiveRecoveryBench.contents(output) == filesBefore, "the files already written changed")
            let status = try BinlogSinkCLI.run(["status", "--state", state, "--source", bench.source])
            #expect(status.status == 4 && status.stdoutText.contains("MISSING"), "status: \(status.stdoutText)")

            // The documented recovery (docs/operations.md): a new state and output, re-snapshot, then stream.
            let newState = bench.scratch.appendingPathComponent("state2").path
            let newOutput = bench.scratch.appendingPathComponent("out2")
            let recovery = [
                "run", "--source", bench.source, "--sink", "file:\(newOutput.path)", "--include", "\(bench.database).*",
                "--state", newState,
            ]
            let resnapshot = try BinlogSinkCLI.run(recovery + ["--snapshot", "initial", "--until", "now"])
            #expect(resnapshot.status == 0, "\(resnapshot.stderr.suffix(1500))")
            try bench.write(batches: 10)
            let resumed = try BinlogSinkCLI.run(recovery + ["--until", "now"])
            #expect(resumed.status == 0, "\(resumed.stderr.suffix(1500))")
            let (problems, records) = try bench.problems(output: newOutput, since: nil)
            expectNoProblems(problems, "after the re-snapshot")
            ChaosSettings.record(

                "scenario=purged-binlog exit=\(failed.status) recovery=re-snapshot records=\(records) ok=\(problems.isEmpty)"
            )

            // The other documented way on: move the saved position to the oldest binlog (the purged changes are lost
            // to this state, which the error says) and resume.
            let moved = try BinlogSinkCLI.run([
                "position", "set", "--state", state, "--file", oldest, "--pos", "4", "--yes",
            ])
            #expect(moved.status == 0, "\(moved.stderr)")
            let after = try BinlogSinkCLI.run(base + ["--state", state])
            #expect(after.status == 0, "after position set: \(after.stderr.suffix(1500))")
        }
    }
}
