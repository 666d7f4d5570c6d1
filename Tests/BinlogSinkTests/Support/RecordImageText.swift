/// The exact bytes of a top-level member of a JSON record line (`"after":{…}`), for byte-for-byte comparisons
/// of rendered values between records of different origins.
enum RecordImageText {
    /// The raw text of the value of top-level key `key` in the object `line`, nil when absent.
    static func member(_ key: String, of line: [UInt8]) -> String? {
        var index = 0
        func skipString() {
            index += 1  // opening quote
            while index < line.count, line[index] != 34 {
                index += line[index] == 92 ? 2 : 1
            }
            index += 1
        }
        func skipValue() {
            guard index < line.count else { return }
            switch line[index] {
            case 34: skipString()
            case 123, 91:
                var depth = 0
                repeat {
                    if line[index] == 34 {
                        skipString()
                        continue
                    }
                    if line[index] == 123 || line[index] == 91 { depth += 1 }
                    if line[index] == 125 || line[index] == 93 { depth -= 1 }
                    index += 1
                } while index < line.count && depth > 0
            default:
                while index < line.count, line[index] != 44, line[index] != 125 { index += 1 }
            }
        }
        guard line.first == 123 else { return nil }
        index = 1
        let wanted = Array(key.utf8)
        while index < line.count, line[index] == 34 {
            let nameStart = index + 1
            skipString()
            let name = Array(line[nameStart..<(index - 1)])
            index += 1  // colon
            let valueStart = index
            skipValue()
            if name == wanted { return String(decoding: line[valueStart..<index], as: UTF8.self) }
            if index < line.count, line[index] == 44 { index += 1 }
        }
        return nil
    }
}
