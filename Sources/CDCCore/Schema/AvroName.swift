/// Avro's name rules: `[A-Za-z_][A-Za-z0-9_]*`. Every other character becomes `_`, a leading digit gets a `_`
/// prefix, and names that collide after that get `_2`, `_3`, … in column order.
public enum AvroName {
    public static func sanitize(_ name: String) -> String {
        var result = ""
        for scalar in name.unicodeScalars {
            let value = scalar.value
            let isLetter = (value >= 65 && value <= 90) || (value >= 97 && value <= 122) || value == 95
            let isDigit = value >= 48 && value <= 57
            if result.isEmpty && isDigit { result.append("_") }
            result.unicodeScalars.append(isLetter || isDigit ? scalar : "_")
        }
        return result.isEmpty ? "_" : result
    }

    /// Sanitized, distinct names for `names`, in order.
    public static func unique(_ names: [String]) -> [String] {
        var used = Set<String>()
        var result: [String] = []
        for name in names {
            let base = sanitize(name)
            var candidate = base
            var suffix = 2
            while used.contains(candidate.lowercased()) {
                candidate = "\(base)_\(suffix)"
                suffix += 1
            }
            used.insert(candidate.lowercased())
            result.append(candidate)
        }
        return result
    }
}
