import BinlogCompression
import BinlogDecoder
import CDCCore

#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer target `decoder`: the input is a whole binlog file. It goes through the production pipeline —
/// `BinlogParser` (BinlogFileReader → EventDecoder → RowCursor → RecordRenderer) — once as records and once as
/// `--events`, checksums not verified so that damage reaches the decoders. Errors are fine; traps and hangs are not.
let inputPath = "/dev/shm/binlog-sink-fuzz-\(getpid()).000001"
let removeInputAtExit: Int32 = atexit { unlink(inputPath) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = removeInputAtExit
    let descriptor = open(inputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard descriptor >= 0 else { return 0 }
    var written = 0
    while written < size {
        let count = write(descriptor, data + written, size - written)
        if count <= 0 { break }
        written += count
    }
    close(descriptor)
    for eventsMode in [false, true] {
        var options = BinlogParser.Options()
        options.verifyChecksums = false
        options.eventsMode = eventsMode
        guard let output = try? OutputWriter.file("/dev/null") else { return 0 }
        let parser = BinlogParser(
            options: options, output: output, decompressor: SystemDecompressor(),
            crc32: SystemDecompressor.crc32)
        do {
            try parser.run(paths: [inputPath])
        } catch {
            _ = error.description
        }
    }
    return 0
}
