import ConnectorConfig
import Testing

@Suite("ConnectorConfigLoader: YAML connector files to command-line arguments")
struct ConnectorConfigLoaderTests {
    /// The shape of `run`'s flags (the executable reads the real ones from ArgumentParser; the end-to-end tests in
    /// BinlogSinkTests use those).
    static let flags: [ConfigFlag] = [
        ConfigFlag(name: "source", kind: .option), ConfigFlag(name: "server-id", kind: .option),
        ConfigFlag(name: "password-file", kind: .option), ConfigFlag(name: "tls", kind: .option),
        ConfigFlag(name: "start", kind: .option), ConfigFlag(name: "until", kind: .option),
        ConfigFlag(name: "sink", kind: .option), ConfigFlag(name: "format", kind: .option),
        ConfigFlag(name: "state", kind: .option), ConfigFlag(name: "checkpoint-interval", kind: .option),
        ConfigFlag(name: "file-layout", kind: .option), ConfigFlag(name: "topic", kind: .option),
        ConfigFlag(name: "kafka-property", kind: .option, isRepeating: true),
        ConfigFlag(name: "tombstones", kind: .flag), ConfigFlag(name: "stats", kind: .flag),
        ConfigFlag(name: "redis-maxlen", kind: .option), ConfigFlag(name: "redis-user", kind: .option),
        ConfigFlag(name: "redis-tls-ca", kind: .option), ConfigFlag(name: "redis-tls-cert", kind: .option),
        ConfigFlag(name: "redis-tls-key", kind: .option),
        ConfigFlag(name: "include", kind: .option, isRepeating: true),
        ConfigFlag(name: "exclude", kind: .option, isRepeating: true),
        ConfigFlag(name: "mask-column", kind: .option, isRepeating: true),
        ConfigFlag(name: "files", kind: .positional, isRepeating: true),
        ConfigFlag(name: "config", kind: .option), ConfigFlag(name: "help", kind: .flag),
    ]

    func load(_ text: String, environment: [String: String] = [:]) -> Result<ConnectorConfig, ConfigFileError> {
        ConnectorConfigLoader.load(Array(text.utf8), flags: Self.flags, environment: environment)
    }

    func commandLine(_ text: String, environment: [String: String] = [:]) throws -> [String] {
        try load(text, environment: environment).get().commandLine
    }

    func problems(_ text: String, environment: [String: String] = [:]) -> [ConfigProblem] {
        if case .failure(let error) = load(text, environment: environment) { return error.problems }
        return []
    }

    @Test("sections nest, keys become flags in file order, lists repeat, mappings become name=value")
    func nesting() throws {
        let text = """
            # a connector
            source:
              url: mysql://cdc@db:3306
              server_id: 4242
              start: earliest
            tables:
              include: [shop.*, "crm.customers"]
              exclude: shop.tmp
            sink:
              url: kafka://k1:9092,k2:9092
              kafka:
                topic: cdc.{db}.{table}
                tombstones: true
                properties:
                  compression.type: lz4
                  acks: all
            format: json
            stats: false
            checkpoint_interval: 2.5
            state: ~
            """
        #expect(
            try commandLine(text) == [
                "--source=mysql://cdc@db:3306", "--server-id=4242", "--start=earliest", "--include=shop.*",
                "--include=crm.customers", "--exclude=shop.tmp", "--sink=kafka://k1:9092,k2:9092",
                "--topic=cdc.{db}.{table}", "--tombstones", "--kafka-property=compression.type=lz4",
                "--kafka-property=acks=all", "--format=json", "--checkpoint-interval=2.5",
            ])
        let arguments = try load(text).get().arguments
        #expect(arguments.first?.key == "source.url")
        #expect(arguments.first?.location == ConfigLocation(line: 3, column: 3))
        #expect(arguments.first(where: { $0.key == "stats" })?.values == ["false"])
    }

    @Test("section shorthands: source: URL, sink: URL; positional values come last")
    func shorthands() throws {
        #expect(
            try commandLine("source:\n  files: [a.000001, b.000002]\nsink: stdout\nformat: json\n") == [
                "--sink=stdout", "--format=json", "a.000001", "b.000002",
            ])
        #expect(try commandLine("source: mariadb://u@h\n") == ["--source=mariadb://u@h"])
    }

    @Test("${VAR} is expanded in values; an unset variable is an error naming its line")
    func environment() throws {
        let text = "source:\n  url: mysql://${USER_NAME}@${HOST:-localhost}:3306\nstate: /var/lib/${NAME}\n"
        #expect(
            try commandLine(text, environment: ["USER_NAME": "cdc", "NAME": "x"]) == [
                "--source=mysql://cdc@localhost:3306", "--state=/var/lib/x",
            ])
        let found = problems(text, environment: ["USER_NAME": "cdc"])
        #expect(found.count == 1)
        #expect(found.first?.location?.line == 3)
        #expect(found.first?.key == "state")
        #expect(found.first?.message.contains("NAME is not set") == true)
        // Comments and keys are never expanded.
        #expect(try commandLine("# ${NOT_EXPANDED}\nformat: json # ${NOR_THIS}\n") == ["--format=json"])
    }

    @Test("unknown keys are rejected with their line and column, a suggestion or the known keys")
    func unknownKeys() {
        let found = problems(
            """
            source:
              url: mysql://u@h
              server-id: 5
            sink:
              kafka:
                topc: x
            bogus: 1
            """)
        #expect(found.map { $0.location?.line } == [3, 6, 7])
        #expect(found.first?.location?.column == 3)
        #expect(found.first?.key == "source.server-id")
        #expect(found.first?.message.contains("did you mean server_id?") == true)
        #expect(found.dropFirst().first?.message.contains("did you mean topic?") == true)
        #expect(found.last?.message.contains("known here:") == true)
    }

    @Test("a flag written in the wrong place names its key")
    func wrongPlace() {
        let found = problems("include: [a.b]\nsink:\n  topic: x\n")
        #expect(found.count == 2)
        #expect(found.first?.message.contains("write it as tables.include") == true)
        #expect(found.last?.message.contains("unknown key") == true)
    }

    @Test("type errors: lists for single values, mappings, non-Booleans for flags, sections given values")
    func typeErrors() {
        let found = problems(
            """
            format: [json, avro]
            stats: yes
            tables: shop.*
            source:
              url: {host: h}
            tables:
              include: [[a.b]]
            """)
        #expect(found.map { $0.location?.line } == [1, 2, 3, 5, 6])
        #expect(found[0].message.contains("not a list"))
        #expect(found[1].message.contains("true or false"))
        #expect(found[2].message.contains("is a section"))
        #expect(found[3].message.contains("not a mapping"))
        #expect(found[4].message.contains("duplicate key (first given at line 3)"))
    }

    @Test("false gives a flag's inversion when it has one (--no-NAME), else nothing")
    func inversion() throws {
        let flags = [
            ConfigFlag(name: "color", kind: .flag, inversion: "no-color"), ConfigFlag(name: "stats", kind: .flag),
        ]
        let load = { (text: String) in
            try ConnectorConfigLoader.load(Array(text.utf8), flags: flags, environment: [:]).get().commandLine
        }
        #expect(try load("color: false\nstats: false\n") == ["--no-color"])
        #expect(try load("color: true\nstats: true\n") == ["--color", "--stats"])
    }

    @Test("a dotted key is its nested form; giving one key both ways is an error")
    func dottedKeys() throws {
        #expect(
            try commandLine("sink.kafka.topic: t\nsource.url: mysql://u@h\n") == ["--topic=t", "--source=mysql://u@h"])
        let found = problems("source:\n  url: mysql://u@h\nsource.url: mysql://v@h\n")
        #expect(found.map(\.description) == ["3:1: source.url: given twice (first at line 2)"])
    }

    @Test("reserved flags (config, help) and hidden flags are not keys")
    func reserved() {
        #expect(problems("config: other.yaml\n").first?.message.contains("unknown key") == true)
        #expect(problems("help: true\n").first?.message.contains("unknown key") == true)
    }

    @Test("ignoring unknown keys: only the command's keys are read (and expanded)")
    func partial() throws {
        let text = "source:\n  url: mysql://u@h\n  bogus: 1\nsink:\n  url: ${UNSET}\n  redis: {mode: hash}\n"
        let flags = Self.flags.filter { $0.name == "source" }
        let config = try ConnectorConfigLoader.load(
            Array(text.utf8), flags: flags, environment: [:], ignoringUnknownKeys: true
        ).get()
        #expect(config.commandLine == ["--source=mysql://u@h"])
        // Read strictly: the unknown key, the unset variable, and the mode without a sink URL.
        #expect(problems(text).count == 3)
    }

    @Test("sink.redis.mode goes into the sink URL's query")
    func redisMode() throws {
        #expect(
            try commandLine("sink:\n  url: redis://h:6379/2\n  redis:\n    mode: hash\n    maxlen: 10\n") == [
                "--sink=redis://h:6379/2?mode=hash", "--redis-maxlen=10",
            ])
        #expect(problems("sink:\n  redis:\n    mode: hash\n").first?.message.contains("needs sink.url") == true)
        #expect(
            problems("sink:\n  url: kafka://h\n  redis:\n    mode: hash\n").first?.message.contains("redis://")
                == true)
        #expect(
            problems("sink:\n  url: redis://h?mode=stream\n  redis:\n    mode: hash\n").first?.location?.line == 4)
    }

    @Test("a rediss:// sink: mode into the URL, user and TLS files as flags")
    func redisTLS() throws {
        let text = """
            sink:
              url: rediss://cache:6380/1
              redis:
                mode: hash
                user: cdc
                tls_ca: /etc/cdc/ca.pem
                tls_cert: /etc/cdc/client.pem
                tls_key: /etc/cdc/client.key
            """
        #expect(
            try commandLine(text) == [
                "--sink=rediss://cache:6380/1?mode=hash", "--redis-user=cdc", "--redis-tls-ca=/etc/cdc/ca.pem",
                "--redis-tls-cert=/etc/cdc/client.pem", "--redis-tls-key=/etc/cdc/client.key",
            ])
    }

    @Test("YAML syntax errors carry libyaml's line and column")
    func syntax() {
        let found = problems("source:\n  url: mysql://u@h\n   bad: [\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("YAML syntax:") == true)
        #expect((found.first?.location?.line ?? 0) >= 3)
        #expect(problems("a: 'unterminated\n").first?.message.hasPrefix("YAML syntax:") == true)
    }

    @Test("an empty file or only comments gives no arguments; a single value is an error")
    func empty() throws {
        #expect(try commandLine("").isEmpty)
        #expect(try commandLine("# nothing yet\n").isEmpty)
        #expect(problems("just a string\n").first?.message.contains("mapping of sections") == true)
    }

    @Test("literal secrets are reported, ${VAR} and password files are not")
    func secrets() throws {
        let config = try load(
            """
            source:
              url: mysql://cdc:hunter2@db:3306
              password_file: /run/secrets/db
            sink:
              url: kafka://k:9092
              kafka:
                properties:
                  sasl.password: literal
                  sasl.username: cdc
                  ssl.key.password: ${KEY_PASSWORD}
            """, environment: ["KEY_PASSWORD": "x"]
        ).get()
        #expect(config.literalSecrets.map(\.key) == ["source.url", "sink.kafka.properties.sasl.password"])
        #expect(config.literalSecrets.map { $0.location?.line } == [2, 8])
        let clean = try load(
            "source:\n  url: mysql://${DB_USER}:${DB_PASSWORD}@db\n", environment: ["DB_USER": "a", "DB_PASSWORD": "b"]
        ).get()
        #expect(clean.literalSecrets.isEmpty)
        #expect(
            try load("sink:\n  kafka:\n    properties: [sasl.password=x]\n").get().literalSecrets.count == 1)
    }

    @Test("hostile input: not UTF-8, too big, too deep, alias bombs are refused without a crash")
    func hostile() {
        var bytes = Array("format: json\nstate: ".utf8)
        bytes += [0xFF, 0xFE, 0x0A]
        let notUTF8 = ConnectorConfigLoader.load(bytes, flags: Self.flags, environment: [:])
        if case .failure(let error) = notUTF8 {
            #expect(error.problems.first?.location?.line == 2)
        } else {
            Issue.record("invalid UTF-8 was accepted")
        }
        let big = [UInt8](repeating: 0x20, count: ConnectorConfigLoader.maximumBytes + 1)
        #expect(
            problems(String(decoding: big, as: UTF8.self)).first?.message.contains("at most") == true)
        let deep = "a: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(problems(deep).first?.message.contains("nested") == true)
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 0..<8 {
            let name = "l\(level)"
            let previous = level == 0 ? "a" : "l\(level - 1)"
            bomb += "\(name): &\(name) [*\(previous), *\(previous), *\(previous), *\(previous), *\(previous)]\n"
        }
        bomb += "tables:\n  include: [*l7, *l7]\n"
        let found = problems(bomb)
        #expect(!found.isEmpty)
    }

    /// Found while checking what the `config` fuzz target must reach: a block sequence nested 200,000 deep
    /// (`- - - … x`, two bytes a level, 400 KB) overflowed the stack in Yams' recursive composer (5,000 levels did under
    /// AddressSanitizer). Block nesting is now bounded like flow nesting, before libyaml sees the file.
    @Test("block collections nested deeper than 256 are refused before parsing; realistic indentation is not")
    func blockNesting() throws {
        for depth in [200_000, 5000, 257] {
            let found = problems(String(repeating: "- ", count: depth) + "x\n")
            #expect(found.count == 1 && found.first?.message.contains("nested more than 256 deep") == true, "\(depth)")
            #expect(found.first?.location?.line == 1)
        }
        let indented = "tables:\n" + String(repeating: " ", count: 300) + "include: x\n"
        #expect(problems(indented).first?.location?.line == 2)
        // 200 levels of sequences compose (and are then refused for what they are, not for their depth).
        let deep = problems("include:\n" + String(repeating: "- ", count: 200) + "x\n")
        #expect(deep.isEmpty == false && deep.allSatisfy { !$0.message.contains("nested more than") })
        #expect(
            try commandLine("source:\n  url: mysql://db\ntables:\n  include:\n    - shop.*\n    - crm.*\n")
                == ["--source=mysql://db", "--include=shop.*", "--include=crm.*"])
    }

    @Test("mutated connector files: every result is arguments placed inside the file, or problems; never a crash")
    func mutations() {
        let seed = Array(
            """
            source:
              url: mysql://${USER_NAME:-cdc}@db:3306
              server_id: 4242
            tables:
              include: [shop.*, "crm.*"]
              mask_columns: [shop.customers.email]
            sink:
              url: redis://h:6379/0
              redis: {mode: hash, maxlen: 10}
              kafka:
                properties: {acks: all}
                tombstones: true
            state: &dir /var/lib/x
            format: *dir
            stats: false
            """.utf8)
        let alphabet = Array("{}[]:,-?&*!|>'\"%@`#$\n\t ~=.aZ09\\".utf8)
        var generator = SplitMix64(seed: 0x5EED)
        var accepted = 0
        var rejected = 0
        var misplaced: [String] = []
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let position = Int(generator.next() % UInt64(bytes.count + 1))
                switch generator.next() % 4 {
                case 0 where position < bytes.count:
                    bytes[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1 where position < bytes.count: bytes.remove(at: position)
                case 2: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
                default: bytes.removeSubrange(position...)
                }
            }
            let lineCount = bytes.filter { $0 == 0x0A }.count + 1
            switch ConnectorConfigLoader.load(bytes, flags: Self.flags, environment: [:]) {
            case .success(let config):
                accepted += 1
                for argument in config.arguments
                where argument.location.line < 1 || argument.location.line > lineCount {
                    misplaced.append("\(argument.key) at \(argument.location) of \(lineCount) lines")
                }
            case .failure(let error):
                rejected += 1
                if error.problems.isEmpty { misplaced.append("a failure without problems") }
                for problem in error.problems {
                    if let line = problem.location?.line, line < 1 || line > lineCount + 1 {
                        misplaced.append("\(problem) of \(lineCount) lines")
                    }
                }
            }
        }
        #expect(accepted > 100 && rejected > 100, "accepted \(accepted), rejected \(rejected)")
        #expect(misplaced.isEmpty, "\(misplaced.prefix(5))")
    }
}

/// A small deterministic generator (SplitMix64), so a failing mutation can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
