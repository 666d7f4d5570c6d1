import BinlogCompression
import BinlogDecoder
import CDCCore
import TestSupport
import Testing

/// Binlog files whose length fields lie (issue 6), through the file reader and the whole parse pipeline: each stops
/// with a `CDCError` naming the file, the offset of the bad event and what was wrong, after the records before it —
/// not memory exhaustion, a stack overflow or a trap. The single-event path is HostileLengthTests (decoder), the
/// command line HostileInputCLITests.
@Suite struct HostileBinlogFileTests {
    @Test(arguments: HostileBinlog.fileCases)
    func parserStopsWithFileAndOffset(_ hostile: HostileBinlog.FileCase) throws {
        let files = try TemporaryFiles()
        let path = try files.write("mysql-bin.000001", hostile.bytes)
        let records = try TemporaryFiles()
        let output = try records.write("records.jsonl", [])
        let parser = BinlogParser(
            options: BinlogParser.Options(), output: try OutputWriter.file(output), decompressor: SystemDecompressor())
        do {
            try parser.run(paths: [path])
            Issue.record("\(hostile.name) parsed without an error")
        } catch {
            let decodeError = try #require(error.decodeError, "\(error)")
            #expect(error.code == .decode && error.file == path)
            #expect(decodeError.offset == UInt64(hostile.offset), "\(error)")
            #expect(decodeError.code.rawValue == hostile.code, "\(error)")
            #expect(error.description.contains(path) && error.description.contains("at offset \(hostile.offset): "))
            #expect(error.description.contains(hostile.message), "\(error)")
        }
        // The good row before a bad one was written.
        let written = try records.read("records.jsonl")
        #expect(written.split(separator: "\n").count == hostile.recordsBefore)
    }

    @Test("the file reader refuses a 4 GB event_size from the header alone")
    func fileReader4GB() throws {
        let hostile = try #require(HostileBinlog.fileCases.first { $0.name == "event-size-4GB" })
        let files = try TemporaryFiles()
        let reader = try BinlogFileReader(path: try files.write("mysql-bin.000001", hostile.bytes))
        do {
            while try reader.next() != nil {}
            Issue.record("4 GB event accepted")
        } catch {
            #expect(error.decodeError?.code == .badEventSize && error.decodeError?.offset == UInt64(hostile.offset))
        }
    }
}
