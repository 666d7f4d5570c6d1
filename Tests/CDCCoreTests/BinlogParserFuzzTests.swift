import BinlogCompression
import BinlogDecoder
import CDCCore
import Foundation
import TestSupport
import Testing

/// Damaged binlogs through the whole parse pipeline (BinlogFileReader → EventDecoder → RowCursor → RecordRenderer,
/// i.e. `BinlogParser` writing to /dev/null): every fixture binlog, mutated at random, must end in a `CDCError` or a
/// clean run — never a trap or a hang. A trap kills the test process, so this test passing is the proof.
///
/// Deterministic for a seed (`BINLOG_SINK_FUZZ_SEED`, default below) and bounded by time (`BINLOG_SINK_FUZZ_SECONDS`,
/// default 12): a faster machine runs more of the same sequence. The input being parsed is kept at
/// `$TMPDIR/binlog-sink-fuzz-<pid>/input.000001` (with `input.txt` saying how it was made) until the run ends
/// cleanly, so the input that crashed a run is there: add it to `FuzzRegressions` (verifyChecksums false when
/// `input.txt` says "checksums 1", which the parse command cannot switch off) and `regressions` replays it.
@Suite struct BinlogParserFuzzTests {
    static var seconds: Double {
        ProcessInfo.processInfo.environment["BINLOG_SINK_FUZZ_SECONDS"].flatMap(Double.init) ?? 12
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["BINLOG_SINK_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xB1_0C_5EED
    }

    struct Seed {
        var name: String
        var bytes: [UInt8]
        var frames: [Range<Int>]
    }

    static func seeds() throws -> [Seed] {
        var seeds = [Seed(name: "MariaDBShopBinlog", bytes: try Hex.bytes(MariaDBShopBinlog.hex), frames: [])]
        for file in Fixtures.binlogFiles() {
            seeds.append(Seed(name: file, bytes: try Fixtures.bytes(file), frames: []))
        }
        for index in seeds.indices { seeds[index].frames = BinlogMutator.frames(seeds[index].bytes) }
        return seeds
    }

    @Test(.timeLimit(.minutes(3)))
    func mutatedBinlogsNeverTrap() throws {
        let seeds = try Self.seeds()
        if !Fixtures.available { print("BinlogParserFuzzTests: fixtures not found, fuzzing the built-in binlog only") }
        // Per process: other test runs on this machine fuzz at the same time.
        let directory =
            FileManager.default.temporaryDirectory.path
            + "/binlog-sink-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let inputPath = directory + "/input.000001"
        let notePath = directory + "/input.txt"
        var random = SeededRandom(seed: Self.seed)
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(Self.seconds * 1000))
        var iterations = 0
        var outcomes: [String: Int] = [:]
        var slowest: (Duration, String) = (.zero, "")
        while clock.now < deadline {
            let seed = seeds[iterations % seeds.count]
            iterations += 1
            var bytes = BinlogMutator.window(seed.bytes, frames: seed.frames, budget: 96 << 10, using: &random)
            var steps: [String] = []
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                steps.append(BinlogMutator.mutate(&bytes, using: &random))
            }
            var options = BinlogParser.Options()
            let checksums = Int.random(in: 0..<4, using: &random)
            if checksums == 0 { BinlogMutator.resealChecksums(&bytes) }
            options.verifyChecksums = checksums != 1
            switch Int.random(in: 0..<8, using: &random) {
            case 0: options.eventsMode = true
            case 1: options.decodeOnly = true
            default: break
            }
            let note =
                "seed \(Self.seed) iteration \(iterations): \(seed.name), \(bytes.count) bytes, "
                + "checksums \(checksums), events \(options.eventsMode), decodeOnly \(options.decodeOnly): "
                + steps.joined(separator: "; ")
            guard FileManager.default.createFile(atPath: inputPath, contents: Data(bytes)),
                FileManager.default.createFile(atPath: notePath, contents: Data(note.utf8))
            else {
                Issue.record("cannot write \(inputPath)")
                return
            }
            let started = clock.now
            let output = try OutputWriter.file("/dev/null")
            let parser = BinlogParser(options: options, output: output, decompressor: SystemDecompressor())
            do {
                try parser.run(paths: [inputPath])
                outcomes["ok", default: 0] += 1
            } catch {
                // The only error type the pipeline has; a decode error says where.
                if error.code == .decode {
                    #expect(error.decodeError != nil, "\(note)")
                    outcomes["decode." + (error.decodeError?.code.rawValue ?? "?"), default: 0] += 1
                } else {
                    outcomes[error.code.rawValue, default: 0] += 1
                }
            }
            let elapsed = clock.now - started
            if elapsed > slowest.0 { slowest = (elapsed, note) }
            #expect(elapsed < .seconds(5), "slow input: \(note)")
        }
        try? FileManager.default.removeItem(atPath: directory)
        print(
            "BinlogParserFuzzTests: \(iterations) inputs from \(seeds.count) binlogs in \(Self.seconds) s; "
                + "outcomes \(outcomes.sorted { $0.key < $1.key }); slowest \(slowest.0): \(slowest.1)")
        #expect(iterations >= seeds.count)
    }

    /// Inputs that trapped before a fix: now a `CDCError` (or a clean run), through the same pipeline.
    @Test(arguments: FuzzRegressions.cases)
    func regressions(_ regression: FuzzRegressions.Case) throws {
        let files = try TemporaryFiles()
        let path = try files.write("input.000001", try Hex.bytes(regression.hex))
        var options = BinlogParser.Options()
        options.verifyChecksums = regression.verifyChecksums
        let parser = BinlogParser(
            options: options, output: try OutputWriter.file("/dev/null"),
            decompressor: SystemDecompressor())
        do {
            try parser.run(paths: [path])
        } catch {
            #expect(error.code == .decode && error.decodeError != nil, "\(regression.found)")
        }
    }
}
