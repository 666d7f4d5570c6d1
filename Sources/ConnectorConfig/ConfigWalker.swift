import Yams

/// The loader's traversal of a composed YAML tree: sections are walked, leaf keys become arguments through
/// `ConfigKeyMap`, and every problem is collected with its place.
struct ConfigWalker {
    private let flags: [String: ConfigFlag]
    private let environment: [String: String]
    /// Keys without a flag are skipped, not reported.
    private let lenient: Bool
    private(set) var arguments: [ConfigArgument] = []
    private(set) var problems: [ConfigProblem] = []
    private(set) var secrets: [ConfigProblem] = []
    private var visited = 0
    private var sinkQueries: [(key: String, name: String, value: String, location: ConfigLocation)] = []

    init(flags: [ConfigFlag], environment: [String: String], lenient: Bool = false) {
        self.lenient = lenient
        var byName: [String: ConfigFlag] = [:]
        for flag in flags where !ConfigKeyMap.reservedFlags.contains(flag.name) { byName[flag.name] = flag }
        self.flags = byName
        self.environment = environment
    }

    mutating func walkRoot(_ root: Node) {
        guard case .mapping(let mapping) = root else {
            if !isNull(root) {
                fail(
                    root.mark, nil, "a connector file is a mapping of sections (source:, sink:, …), not a single value")
            }
            return
        }
        walkSection(mapping, path: "")
    }

    private mutating func walkSection(_ mapping: Node.Mapping, path: String) {
        var seen: [String: ConfigLocation] = [:]
        for (keyNode, value) in mapping {
            guard count() else { return }
            guard case .scalar(let keyScalar) = keyNode else {
                fail(keyNode.mark, path.isEmpty ? nil : path, "a key must be a plain name, not a collection")
                continue
            }
            let name = keyScalar.string
            let key = path.isEmpty ? name : path + "." + name
            let location = place(keyNode.mark)
            if let first = seen[name] {
                problems.append(
                    ConfigProblem(
                        location: location, key: key, message: "duplicate key (first given at line \(first.line))"))
                continue
            }
            seen[name] = location
            if ConfigKeyMap.sections[key] != nil {
                switch value {
                case .mapping(let inner): walkSection(inner, path: key)
                case .scalar where isNull(value): break
                case .scalar:
                    if let shorthand = ConfigKeyMap.shorthands[key] {
                        leaf(key + "." + shorthand, value: value, location: location)
                    } else {
                        fail(value.mark, key, "is a section: give it a mapping of keys (\(knownKeys(in: key)))")
                    }
                default:
                    fail(value.mark, key, "is a section: give it a mapping of keys (\(knownKeys(in: key)))")
                }
            } else {
                leaf(key, value: value, location: location)
            }
        }
    }

    private mutating func leaf(_ key: String, value: Node, location: ConfigLocation) {
        if isNull(value) { return }
        if let query = ConfigKeyMap.sinkQueryKeys[key] {
            guard !lenient || flags["sink"] != nil else { return }
            guard case .scalar = value, let text = expandScalar(value, key: key) else {
                if case .scalar = value {} else { fail(value.mark, key, "expects a single value") }
                return
            }
            sinkQueries.append((key, query, text, location))
            return
        }
        guard let flag = resolveFlag(key, location: location) else { return }
        switch (flag.kind, value) {
        case (.flag, .scalar):
            guard let text = expandScalar(value, key: key) else { return }
            guard text == "true" || text == "false" else {
                fail(value.mark, key, "expects true or false, not '\(text)'")
                return
            }
            append(key, flag, [text], location)
        case (.flag, _):
            fail(value.mark, key, "expects true or false")
        case (_, .scalar):
            guard let text = expandScalar(value, key: key) else { return }
            append(key, flag, [text], location)
        case (_, .sequence(let sequence)) where flag.isRepeating:
            var values: [String] = []
            for item in sequence {
                guard count() else { return }
                guard case .scalar = item else {
                    fail(item.mark, key, "expects a list of single values, not nested collections")
                    return
                }
                guard let text = expandScalar(item, key: key) else { return }
                values.append(text)
            }
            append(key, flag, values, location)
        case (_, .mapping(let mapping)) where flag.isRepeating && flag.kind == .option:
            // name: value pairs become `name=value` arguments (`sink.kafka.properties`).
            var values: [String] = []
            for (nameNode, item) in mapping {
                guard count() else { return }
                guard case .scalar(let name) = nameNode, case .scalar = item else {
                    fail(nameNode.mark, key, "expects name: value pairs of single values")
                    return
                }
                guard let text = expandScalar(item, key: key + "." + name.string, secretName: name.string) else {
                    return
                }
                values.append(name.string + "=" + text)
            }
            append(key, flag, values, location)
        case (_, .sequence):
            fail(value.mark, key, "expects a single value, not a list")
        case (_, .mapping):
            fail(value.mark, key, "expects a single value, not a mapping")
        }
    }

    /// The flag `key` stands for, or nil after recording why there is none.
    private mutating func resolveFlag(_ key: String, location: ConfigLocation) -> ConfigFlag? {
        if let name = ConfigKeyMap.flagName(forKey: key), let flag = flags[name] {
            let canonical = ConfigKeyMap.key(forFlag: name)
            if canonical == key { return flag }
            if lenient { return nil }
            problems.append(
                ConfigProblem(location: location, key: key, message: "unknown key here: write it as \(canonical)"))
            return nil
        }
        if lenient { return nil }
        let section = ConfigKeyMap.section(ofKey: key)
        let name = key.split(separator: ".").last.map(String.init) ?? key
        var message = "unknown key"
        if !section.isEmpty { message += " in \(section)" }
        let candidates = knownKeyList(in: section)
        if let suggestion = candidates.min(by: { distance($0, name) < distance($1, name) }),
            distance(suggestion, name) <= max(2, name.count / 3)
        {
            message += ": did you mean \(suggestion)?"
        } else if !candidates.isEmpty {
            message += " (known here: \(candidates.joined(separator: ", ")))"
        } else {
            message += " (this command has no key in \(section))"
        }
        problems.append(ConfigProblem(location: location, key: key, message: message))
        return nil
    }

    /// The keys (and subsections) that may appear directly in `section` for this command.
    private func knownKeyList(in section: String) -> [String] {
        var names: Set<String> = []
        for flag in flags.keys {
            let key = ConfigKeyMap.key(forFlag: flag)
            if ConfigKeyMap.section(ofKey: key) == section {
                names.insert(String(key.split(separator: ".").last ?? Substring(key)))
            }
        }
        for (key, _) in ConfigKeyMap.sinkQueryKeys where ConfigKeyMap.section(ofKey: key) == section {
            names.insert(String(key.split(separator: ".").last ?? Substring(key)))
        }
        for key in ConfigKeyMap.sections.keys where ConfigKeyMap.section(ofKey: key) == section && key != section {
            names.insert(String(key.split(separator: ".").last ?? Substring(key)))
        }
        return names.sorted()
    }

    private func knownKeys(in section: String) -> String {
        let keys = knownKeyList(in: section)
        return keys.isEmpty ? "none for this command" : keys.joined(separator: ", ")
    }

    private mutating func append(_ key: String, _ flag: ConfigFlag, _ values: [String], _ location: ConfigLocation) {
        // `source: URL` and `source.url:` (or a dotted key beside its nested form) are the same key.
        if let first = arguments.first(where: { $0.flag.name == flag.name }) {
            problems.append(
                ConfigProblem(
                    location: location, key: key, message: "given twice (first at line \(first.location.line))"))
            return
        }
        arguments.append(ConfigArgument(key: key, flag: flag, values: values, location: location))
    }

    /// The scalar's text with `${VAR}` expanded, or nil after recording the problem; notes literal secrets.
    private mutating func expandScalar(_ node: Node, key: String, secretName: String? = nil) -> String? {
        guard case .scalar(let scalar) = node else { return nil }
        switch EnvironmentExpander.expand(scalar.string, environment: environment) {
        case .success(let expansion):
            if !expansion.usedEnvironment, let what = Self.secretKind(expansion.value, name: secretName ?? key) {
                secrets.append(ConfigProblem(location: place(node.mark), key: key, message: what))
            }
            return expansion.value
        case .failure(let failure):
            fail(node.mark, key, failure.message)
            return nil
        }
    }

    /// What makes a literal value look like a secret, if anything does.
    static func secretKind(_ value: String, name: String) -> String? {
        if let scheme = value.range(of: "://") {
            let rest = value[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
                return "a password written in a URL (take it from ${VAR} or a password file)"
            }
        }
        var pairName = name.lowercased()
        var pairValue = value
        if let equals = value.firstIndex(of: "=") {
            pairName = value[..<equals].lowercased()
            pairValue = String(value[value.index(after: equals)...])
        }
        let words = ["password", "passwd", "secret", "token", "auth", "jaas"]
        if !pairValue.isEmpty, !pairName.hasSuffix("file"), !pairName.hasSuffix("location"),
            words.contains(where: { pairName.contains($0) })
        {
            return "a literal secret (\(pairName)): take it from ${VAR} instead"
        }
        return nil
    }

    /// Puts `sink.redis.mode` (and the like) into the sink URL's query.
    mutating func applySinkQueries() {
        for query in sinkQueries {
            guard let index = arguments.lastIndex(where: { $0.flag.name == "sink" }),
                var url = arguments[index].values.first
            else {
                problems.append(
                    ConfigProblem(
                        location: query.location, key: query.key, message: "needs sink.url (redis://HOST:PORT)"))
                continue
            }
            guard url.hasPrefix("redis://") || url.hasPrefix("rediss://") else {
                problems.append(
                    ConfigProblem(
                        location: query.location, key: query.key, message: "only applies to a redis:// sink.url"))
                continue
            }
            if url.contains("?\(query.name)=") || url.contains("&\(query.name)=") {
                problems.append(
                    ConfigProblem(
                        location: query.location, key: query.key,
                        message: "sink.url already has ?\(query.name)=: give it in one place"))
                continue
            }
            url += (url.contains("?") ? "&" : "?") + query.name + "=" + query.value
            arguments[index].values = [url]
        }
        problems.sort {
            ($0.location?.line ?? 0, $0.location?.column ?? 0) < ($1.location?.line ?? 0, $1.location?.column ?? 0)
        }
    }

    private mutating func count() -> Bool {
        visited += 1
        if visited == ConnectorConfigLoader.maximumNodes {
            problems.append(
                ConfigProblem(
                    location: nil, key: nil,
                    message: "more than \(ConnectorConfigLoader.maximumNodes) values (aliases that repeat a subtree?)"))
        }
        return visited < ConnectorConfigLoader.maximumNodes
    }

    private mutating func fail(_ mark: Mark?, _ key: String?, _ message: String) {
        problems.append(ConfigProblem(location: mark.map(place), key: key, message: message))
    }

    private func place(_ mark: Mark?) -> ConfigLocation {
        ConfigLocation(line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    private func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// Levenshtein distance, for "did you mean".
    private func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
