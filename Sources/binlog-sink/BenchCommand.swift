import ArgumentParser
import CDCCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the throughput benchmark side by side with MariaDB's own decoder, one process per measurement so
/// each peak RSS is that program's alone. Prints a Markdown table for BENCHMARKS.md.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure decode and parse throughput against mariadb-binlog on one binlog file.",
        discussion: """
            Measures, median of --runs: decode-only (every row decoded, nothing rendered), parse to JSON Lines \
            into /dev/null, and `mariadb-binlog --base64-output=DECODE-ROWS -vv FILE > /dev/null`. Make a large \
            file with ../shared/tools/run_all.sh bulk (FIXTURES_OUT=DIR).
            """
    )

    @Argument(help: "The binlog file to measure.")
    var file: String

    @Option(help: "Runs per measurement (the median is reported).")
    var runs = 3

    @Option(help: "The reference decoder.")
    var reference = "mariadb-binlog"

    func validate() throws {
        if runs < 1 || runs > 50 { throw ValidationError("--runs must be between 1 and 50") }
    }

    struct Sample {
        var seconds: Double
        var peakRSSKiB: Int
        var status: Int32
    }

    func run() throws {
        let me = Self.executablePath()
        var info = stat()
        guard stat(file, &info) == 0 else {
            ErrorReporter.printError("\(file): cannot stat: \(String(cString: strerror(errno)))")
            throw ExitCode(2)
        }
        let megabytes = Double(info.st_size) / 1_048_576
        // Count the rows once (and prove the file decodes).
        let count = try Self.spawn([me, "parse", "--decode-only", "--stats", file], captureStderr: true)
        guard count.sample.status == 0, let rows = Self.records(in: count.stderr) else {
            ErrorReporter.printError("\(file): decode failed:\n\(count.stderr)")
            throw ExitCode(1)
        }
        let measurements: [(String, [String])] = [
            ("binlog-sink decode-only", [me, "parse", "--decode-only", file]),
            ("binlog-sink parse → JSON Lines", [me, "parse", "--output", "/dev/null", file]),
            (
                "\(reference) --base64-output=DECODE-ROWS -vv",
                [reference, "--no-defaults", "--base64-output=DECODE-ROWS", "-vv", file]
            ),
        ]
        var results: [(String, Sample)] = []
        for (name, argv) in measurements {
            var samples: [Sample] = []
            for _ in 0..<runs {
                let result = try Self.spawn(argv, captureStderr: false)
                if result.sample.status != 0 {
                    ErrorReporter.printError("\(argv.joined(separator: " ")) exited with \(result.sample.status)")
                    throw ExitCode(1)
                }
                samples.append(result.sample)
            }
            samples.sort { $0.seconds < $1.seconds }
            results.append((name, samples[samples.count / 2]))
        }
        let referenceSeconds = results[2].1.seconds
        print("file: \(file) (\(Self.fixed(megabytes, 1)) MiB, \(rows) row changes), median of \(runs) runs")
        print("")
        print("| measurement | seconds | rows/s | MiB/s | peak RSS | vs \(reference) |")
        print("|---|---:|---:|---:|---:|---:|")
        for (name, sample) in results {
            let rate = Double(rows) / sample.seconds
            print(
                "| \(name) | \(Self.fixed(sample.seconds, 3)) | \(Int(rate)) | \(Self.fixed(megabytes / sample.seconds, 1)) | \(sample.peakRSSKiB / 1024) MiB | \(Self.fixed(referenceSeconds / sample.seconds, 2))× |"
            )
        }
    }

    static func records(in stats: String) -> Int? {
        for line in stats.split(separator: "\n") where line.hasPrefix("records: ") {
            let number = line.dropFirst("records: ".count).prefix { $0.isNumber }
            return Int(number)
        }
        return nil
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return "\(rounded)"
    }

    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return CommandLine.arguments[0]
    }

    /// posix_spawn with stdout to /dev/null; wait4 gives the child's own peak RSS.
    static func spawn(_ argv: [String], captureStderr: Bool) throws -> (sample: Sample, stderr: String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var pipeFDs: [Int32] = [-1, -1]
        if captureStderr {
            guard pipe(&pipeFDs) == 0 else { throw ExitCode(2) }
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
            posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        }
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let clock = ContinuousClock()
        let started = clock.now
        let status = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
        guard status == 0 else {
            ErrorReporter.printError("cannot run \(argv[0]): \(String(cString: strerror(status)))")
            throw ExitCode(2)
        }
        var captured: [UInt8] = []
        if captureStderr {
            close(pipeFDs[1])
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let got = chunk.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, 65536) }
                if got <= 0 { break }
                captured.append(contentsOf: chunk[0..<got])
            }
            close(pipeFDs[0])
        }
        var waitStatus: Int32 = 0
        var usage = rusage()
        _ = wait4(pid, &waitStatus, 0, &usage)
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let exited = (waitStatus & 0x7f) == 0 ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        return (
            Sample(seconds: seconds, peakRSSKiB: Int(usage.ru_maxrss), status: exited),
            String(decoding: captured, as: UTF8.self)
        )
    }
}
