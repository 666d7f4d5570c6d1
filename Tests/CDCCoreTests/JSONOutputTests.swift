import CDCCore
import Foundation
import Testing

/// Numbers, padded fields and base64 written straight into the record buffer, against Swift's and Foundation's own.
@Suite struct JSONOutputTests {
    static func text(_ body: (inout OutputBuffer) -> Void) -> String {
        var out = OutputBuffer(capacity: 16)
        body(&out)
        return String(decoding: out.array, as: UTF8.self)
    }

    @Test func integers() {
        var random = SeededRandom(seed: 7)
        var values: [UInt64] = [
            0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, UInt64(UInt32.max), UInt64.max, UInt64.max - 1,
        ]
        values += (0..<2000).map { _ in
            UInt64.random(in: 0...UInt64.max, using: &random) >> UInt64.random(in: 0...63, using: &random)
        }
        for value in values {
            #expect(Self.text { JSONOutput.append(value, into: &$0) } == String(value))
        }
        for value: Int64 in [0, -1, 1, Int64.min, Int64.max, -9_223_372_036_854_775_807, -8_388_608] {
            #expect(Self.text { JSONOutput.append(value, into: &$0) } == String(value))
        }
    }

    @Test func padded() {
        let cases: [(UInt64, Int, String)] = [
            (0, 2, "00"), (7, 2, "07"), (99, 2, "99"), (100, 2, "100"), (5, 4, "0005"),
            (2024, 4, "2024"), (12345, 4, "12345"), (3, 6, "000003"), (123456, 6, "123456"),
            (0, 1, "0"), (838, 2, "838"), (0, 3, "000"),
        ]
        for (value, width, expected) in cases {
            #expect(
                Self.text { JSONOutput.appendPadded(value, width: width, into: &$0) } == expected,
                "\(value) width \(width)")
        }
    }

    /// Floats: the shortest text that round-trips (Swift's `description`), `null` for what JSON has no number for.
    @Test func floatingPoint() {
        #expect(Self.text { JSONOutput.append(Float(1.1), into: &$0) } == "1.1")
        #expect(Self.text { JSONOutput.append(Float.nan, into: &$0) } == "null")
        #expect(Self.text { JSONOutput.append(-Float.infinity, into: &$0) } == "null")
        #expect(Self.text { JSONOutput.append(Double.nan, into: &$0) } == "null")
        #expect(Self.text { JSONOutput.append(Double.infinity, into: &$0) } == "null")
        var random = SeededRandom(seed: 11)
        for _ in 0..<2000 {
            let float = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &random))
            let double = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &random))
            if float.isFinite {
                let text = Self.text { JSONOutput.append(float, into: &$0) }
                #expect(Float(text) == float, "\(text)")
                #expect(text == float.description)
                #expect(
                    (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil,
                    "\(text)")
            }
            if double.isFinite {
                let text = Self.text { JSONOutput.append(double, into: &$0) }
                #expect(Double(text) == double, "\(text)")
                #expect(text == double.description)
            }
        }
        // The longest texts and the edges: the same as `description`, byte for byte.
        let doubles: [Double] = [
            0, -0.0, 1, -1, 0.1, 1e-7, 1e16, 123_456_789_012_345_680, -Double.leastNonzeroMagnitude,
            Double.leastNormalMagnitude, -Double.greatestFiniteMagnitude, 1.5e-300,
            142857.14285714287, -1.7976931348623157e308, 9.999999999999999e22,
        ]
        for double in doubles {
            #expect(Self.text { JSONOutput.append(double, into: &$0) } == double.description)
        }
        let floats: [Float] = [
            0, -0.0, 1.1, -Float.leastNonzeroMagnitude, Float.greatestFiniteMagnitude, -3.4028235e38, 1e-7, 16_777_216,
        ]
        for float in floats {
            #expect(Self.text { JSONOutput.append(float, into: &$0) } == float.description)
        }
    }

    /// Base64 against Foundation's, with BINARY(n)'s zero padding.
    @Test func base64() {
        var random = SeededRandom(seed: 13)
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            for padTo in [0, length, length + 1, length + 2, length + 3, 100] {
                let padded = bytes + [UInt8](repeating: 0, count: max(0, padTo - length))
                let expected = "\"" + Data(padded).base64EncodedString() + "\""
                let actual = Self.text { out in
                    bytes.withUnsafeBytes { JSONOutput.appendBase64($0, padTo: padTo, into: &out) }
                }
                #expect(actual == expected, "length \(length) padTo \(padTo)")
            }
        }
    }

    @Test func literals() {
        #expect(Self.text { JSONOutput.appendLiteral("{\"op\":", into: &$0) } == "{\"op\":")
    }
}
