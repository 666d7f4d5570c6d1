import BinlogDecoder
import TestSupport
import Testing

/// Inputs the `event` fuzz target (single events after a format description, Fuzz/event/main.swift) found, replayed
/// the way it runs them: each trapped, hung or allocated without a bound before its fix and now ends in a
/// `DecodeError`.
@Suite struct SingleEventFuzzTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        /// What was wrong before the fix.
        let found: String
        let hex: String
        /// The error its bad event must end in now, and a part of its message.
        let code: DecodeError.Code
        let message: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "mariadb-compressed-length-729MB",
            found:
                "oom-e590ddb4: a MariaDB compressed event whose header claims 729,193,901 bytes uncompressed "
                + "from a 314-byte input: zlib's output buffer was allocated (and zeroed) at that size",
            hex: """
                0006f15365a501000000dc000000200600000000050000005b24ae05090000230000000000010100002054000000000603737464
                042d002d002d00810f0044696374696f6e61720000000000006364635f74797065730081a4789c2d8eb10ac2301884779fe2c614
                b288142787d4fc2dc1f8476232742a420908d28ad6f737361edcf2dd0000002e0000000000010009636463847479706573000974
                5f72656e616d65640002030f022800026267bd5976f15365190100000029000000c57471dcd1930a84a01a4b2c5886f4986f0bc4
                06abee230c07b0cb8ed6e2e2cd59f91e27a792eabf82e5d05ac408ed621e9148c3f35da8d8cb5d95a30000002a1f2821a9d8d6b2
                ce287d59f91e27a792eabf82e5d05ac408ed621e91484a0391afa663d2122fe42b769dad40dc19a68399a659375f843a29d84ea3
                921d
                """,
            code: .malformed, message: "(zlib inflates at most 1032:1)")
    ]

    @Test(arguments: cases)
    func regressions(_ regression: Case) throws {
        let errors = SingleEventReplay.run(try Hex.bytes(regression.hex))
        let matching = errors.filter { $0.code == regression.code && $0.message.contains(regression.message) }
        #expect(matching.count == 1, "\(regression.found): \(errors)")
    }
}
