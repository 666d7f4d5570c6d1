/// `${VAR}` references in a connector file's values, replaced by the environment's values (so secrets stay out of the
/// file). `${VAR:-default}` gives `default` when VAR is unset or empty; `$$` is a literal `$`; a `$` before anything
/// else is itself. `$NAME` without braces is refused, not left alone: it is almost always a forgotten pair of braces.
/// One pass: a value taken from the environment is never expanded again.
public enum EnvironmentExpander {
    public struct Expansion: Sendable, Hashable {
        public var value: String
        /// The value held at least one `${…}` reference.
        public var usedEnvironment: Bool

        public init(value: String, usedEnvironment: Bool) {
            self.value = value
            self.usedEnvironment = usedEnvironment
        }
    }

    public static func expand(_ text: String, environment: [String: String]) -> Result<Expansion, ExpansionFailure> {
        guard text.contains("$") else { return .success(Expansion(value: text, usedEnvironment: false)) }
        var output = ""
        var used = false
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "$", index + 1 < scalars.count else {
                output.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            let next = scalars[index + 1]
            if next == "$" {
                output += "$"
                index += 2
            } else if next == "{" {
                guard let close = scalars[(index + 2)...].firstIndex(of: "}") else {
                    return .failure(ExpansionFailure("unterminated ${ (close it with }, or write $$ for a literal $)"))
                }
                let body = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
                var name = body
                var fallback: String?
                if let range = body.range(of: ":-") {
                    name = String(body[..<range.lowerBound])
                    fallback = String(body[range.upperBound...])
                }
                guard isVariableName(name) else {
                    return .failure(
                        ExpansionFailure(
                            "${\(body)}: not a variable name (letters, digits and _, not starting with a digit)"))
                }
                if let value = environment[name], !(fallback != nil && value.isEmpty) {
                    output += value
                } else if let fallback {
                    output += fallback
                } else {
                    return .failure(
                        ExpansionFailure(
                            "environment variable \(name) is not set (set it, or write ${\(name):-default})"))
                }
                used = true
                index = close + 1
            } else if next == "_" || isASCIILetter(next) {
                let name = String(
                    String.UnicodeScalarView(
                        scalars[(index + 1)...].prefix { $0 == "_" || isASCIILetter($0) || ("0"..."9").contains($0) }))
                return .failure(ExpansionFailure("$\(name): write ${\(name)} for the variable, or $$ for a literal $"))
            } else {
                output += "$"
                index += 1
            }
        }
        return .success(Expansion(value: output, usedEnvironment: used))
    }

    public struct ExpansionFailure: Error, Sendable, Hashable {
        public var message: String
        init(_ message: String) { self.message = message }
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || isASCIILetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || isASCIILetter($0) || ("0"..."9").contains($0) }
    }

    static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }
}
