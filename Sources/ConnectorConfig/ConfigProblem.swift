/// One thing wrong (or worth a warning) in a connector file, with where it is.
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    /// Where in the file; nil when the problem is the file as a whole.
    public var location: ConfigLocation?
    /// The dotted key the problem is about (`sink.kafka.topic`), when there is one.
    public var key: String?
    public var message: String

    public init(location: ConfigLocation?, key: String?, message: String) {
        self.location = location
        self.key = key
        self.message = message
    }

    /// `LINE:COLUMN: KEY: MESSAGE`, the parts that are known; callers put the file name in front.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        if let key { text += "\(key): " }
        return text + message
    }
}
