import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Throughput benchmark (see BENCHMARKS.md).")
    func run() throws {}
}
