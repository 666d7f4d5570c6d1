import ConnectorConfig
import Testing

@Suite("EnvironmentExpander: ${VAR}, ${VAR:-default}, $$")
struct EnvironmentExpanderTests {
    let environment = ["HOST": "db.internal", "EMPTY": "", "DOLLAR": "a$b${HOST}"]

    func expand(_ text: String) -> Result<EnvironmentExpander.Expansion, EnvironmentExpander.ExpansionFailure> {
        EnvironmentExpander.expand(text, environment: environment)
    }

    @Test("references are replaced, text around them kept")
    func replaces() throws {
        let expansion = try expand("mysql://cdc@${HOST}:3306").get()
        #expect(expansion.value == "mysql://cdc@db.internal:3306")
        #expect(expansion.usedEnvironment)
        #expect(try expand("plain").get() == EnvironmentExpander.Expansion(value: "plain", usedEnvironment: false))
    }

    @Test("a default applies when the variable is unset or empty; an empty set variable without default is empty")
    func defaults() throws {
        #expect(try expand("${NOPE:-x:y}").get().value == "x:y")
        #expect(try expand("${EMPTY:-fallback}").get().value == "fallback")
        #expect(try expand("${HOST:-fallback}").get().value == "db.internal")
        #expect(try expand("[${EMPTY}]").get().value == "[]")
    }

    @Test("$$ is a literal $, a lone $ stays, values from the environment are not expanded again")
    func escapes() throws {
        #expect(try expand("pa$$word").get().value == "pa$word")
        #expect(try expand("cost: 5$ or $5 or $").get().value == "cost: 5$ or $5 or $")
        #expect(try expand("${DOLLAR}").get().value == "a$b${HOST}")
    }

    @Test("an unset variable, a bad name, an unterminated reference and $NAME are errors naming the variable")
    func failures() {
        #expect(failure("${NOPE}")?.contains("NOPE is not set") == true)
        #expect(failure("${1X}")?.contains("not a variable name") == true)
        #expect(failure("${HOST")?.contains("unterminated") == true)
        #expect(failure("$HOST/x")?.contains("write ${HOST}") == true)
    }

    func failure(_ text: String) -> String? {
        if case .failure(let failure) = expand(text) { return failure.message }
        return nil
    }
}
