import CDCCore

/// `--format`: the record encoder.
enum FormatFactory {
    static func encoder(_ options: SinkOptions) throws(CDCError) -> any RecordEncoder {
        switch options.format {
        case "json":
            return JSONRecordEncoder()
        default:
            throw CDCError(.usage, "--format \(options.format) is not available yet: use --format json")
        }
    }
}
