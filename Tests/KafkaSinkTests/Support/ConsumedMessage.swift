import Foundation

/// One message read back with `kcat -C -J`.
struct ConsumedMessage: Equatable {
    var topic: String
    var partition: Int
    var offset: Int
    var key: String?
    /// nil for a tombstone.
    var value: String?
    var headers: [String: String]

    /// One line of `kcat -J` output: `{"topic":…,"partition":…,"offset":…,"headers":[name,value,…],"key":…,"payload":…}`.
    init?(json line: Substring) {
        guard let data = line.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let topic = object["topic"] as? String, let partition = object["partition"] as? Int,
            let offset = object["offset"] as? Int
        else { return nil }
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = object["key"] as? String
        self.value = object["payload"] as? String
        var headers: [String: String] = [:]
        if let list = object["headers"] as? [Any] {
            var index = 0
            while index + 1 < list.count {
                if let name = list[index] as? String { headers[name] = list[index + 1] as? String }
                index += 2
            }
        }
        self.headers = headers
    }
}
