import ArgumentParser
import CDCCore
import ConnectorConfig
import Foundation

/// The arguments a subcommand accepts, read from ArgumentParser's own JSON description of it (`_dumpHelp()`), so
/// connector files know every flag, including ones added later, without a list kept by hand.
struct CommandFlagTable {
    /// The flags a connector file may set (hidden ones and ArgumentParser's own left out).
    var flags: [ConfigFlag]
    /// Every long and short name (without dashes) → the flag's long name, and whether it takes a value.
    var names: [String: (flag: String, takesValue: Bool)]

    init(_ command: ParsableCommand.Type) throws(CDCError) {
        let dump = Data(command._dumpHelp().utf8)
        let info: DumpedToolInfo
        do {
            info = try JSONDecoder().decode(DumpedToolInfo.self, from: dump)
        } catch {
            throw CDCError(.usage, "cannot read the description of '\(command._commandName)': \(error)")
        }
        flags = []
        names = [:]
        for argument in info.command.arguments ?? [] {
            let long = argument.names?.first(where: { $0.kind == "long" })?.name
            let kind: ConfigFlag.Kind
            switch argument.kind {
            case "option": kind = .option
            case "flag": kind = .flag
            default: kind = .positional
            }
            guard let name = long ?? argument.preferredName?.name ?? argument.valueName else { continue }
            for other in argument.names ?? [] { names[other.name] = (name, kind == .option) }
            if argument.shouldDisplay, !ConfigKeyMap.reservedFlags.contains(name) {
                flags.append(ConfigFlag(name: name, kind: kind, isRepeating: argument.isRepeating))
            }
        }
        flags = Self.mergingInversions(flags)
        // The command line's --no-x overrides the file's x.
        for flag in flags { if let inversion = flag.inversion { names[inversion] = (flag.name, false) } }
    }

    /// `--x/--no-x` and `--enable-x/--disable-x` are two arguments in the description: one key (`x`, `enable_x`) whose
    /// `false` gives the negative form.
    static func mergingInversions(_ flags: [ConfigFlag]) -> [ConfigFlag] {
        var result = flags
        for negative in flags where negative.kind == .flag {
            let positive: String
            if negative.name.hasPrefix("no-") {
                positive = String(negative.name.dropFirst(3))
            } else if negative.name.hasPrefix("disable-") {
                positive = "enable-" + negative.name.dropFirst(8)
            } else {
                continue
            }
            guard let index = result.firstIndex(where: { $0.name == positive && $0.kind == .flag }) else { continue }
            result[index].inversion = negative.name
            result.removeAll { $0.name == negative.name }
        }
        return result
    }

    /// The flags (long names) a command line gives, and whether it gives positional values: the command line
    /// overrides the file for exactly these.
    func given(in arguments: [String]) -> (flags: Set<String>, positional: Bool) {
        var flags: Set<String> = []
        var positional = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                positional = positional || index < arguments.count
                break
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                guard let known = names[name] else { continue }
                flags.insert(known.flag)
                if known.takesValue, !body.contains("=") { index += 1 }
            } else if argument.hasPrefix("-"), argument.count > 1 {
                // -abc: short flags; the first that takes a value takes the rest or the next argument.
                for (offset, character) in argument.dropFirst().enumerated() {
                    guard let known = names[String(character)] else { break }
                    flags.insert(known.flag)
                    if known.takesValue {
                        if offset == argument.count - 2 { index += 1 }
                        break
                    }
                }
            } else {
                positional = true
            }
        }
        return (flags, positional)
    }
}

/// The part of ArgumentParser's ToolInfoV0 JSON the table reads (that module is not a product of the package).
private struct DumpedToolInfo: Decodable {
    struct Name: Decodable {
        var kind: String
        var name: String
    }

    struct Argument: Decodable {
        var kind: String
        var shouldDisplay: Bool
        var isRepeating: Bool
        var names: [Name]?
        var preferredName: Name?
        var valueName: String?
    }

    struct Command: Decodable {
        var arguments: [Argument]?
    }

    var command: Command
}
