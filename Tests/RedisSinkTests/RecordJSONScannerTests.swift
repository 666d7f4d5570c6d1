import Testing

@testable import RedisSink

@Suite("Record JSON scanner (hash mode)")
struct RecordJSONScannerTests {
    private func columns(_ image: [ImageColumn]?, in bytes: [UInt8]) -> [String]? {
        image.map { $0.map { "\($0.name)=\(String(decoding: bytes[$0.value], as: UTF8.self))" } }
    }

    @Test("before and after split into names and raw values")
    func images() throws {
        let text =
            #"{"op":"update","db":"d","table":"t","before":{"id":7,"s":"a\"b","j":{"x": [1, {"y": null}]}},"#
            + #""after":{"id":7,"s":"\u00e9\ud83d\ude00","n":-1.5e-3,"t":true,"f":false,"z":null},"#
            + #""source":{"server_id":1,"file":"f","pos":4,"row":0,"gtid":null,"ts":1},"key":"f:4:0"}"#
        let bytes = Array(text.utf8)
        let images = try RecordJSONScanner.images(of: bytes[...])
        #expect(columns(images.before, in: bytes) == ["id=7", #"s="a\"b""#, #"j={"x": [1, {"y": null}]}"#])
        #expect(
            columns(images.after, in: bytes) == [
                "id=7", #"s="\u00e9\ud83d\ude00""#, "n=-1.5e-3", "t=true", "f=false", "z=null",
            ])
        let quoted = try #require(images.before?[1].quotedName)
        #expect(String(decoding: bytes[quoted], as: UTF8.self) == #""s""#)
    }

    @Test("null images, escaped names, a slice that does not start at 0")
    func nullsAndSlices() throws {
        let text = #"xx{"op":"insert","before":null,"after":{"a\"b\u0041":1}}yy"#
        let bytes = Array(text.utf8)
        let images = try RecordJSONScanner.images(of: bytes[2..<(bytes.count - 2)])
        #expect(images.before == nil)
        #expect(images.after?.first?.name == #"a"bA"#)
        #expect(columns(images.after, in: bytes) == [#"a"bA=1"#])
    }

    @Test(
        "anything but one well-formed JSON object is refused",
        arguments: [
            "", "[]", "{", #"{"after":{"a":1,}}"#, #"{"after":{"a":01}}"#, #"{"after":{"a":1.}}"#,
            #"{"after":{"a":.5}}"#,
            #"{"after":{"a":tru}}"#, #"{"after":{"a":"x}}"#, #"{"after":{"a":"\x"}}"#, #"{"after":{"a":"\ud800"}}"#,
            #"{"after":[1]}"#, #"{"after":{"a":1}} x"#, #"{"after":{"a":1}}{}"#, "{\"after\":{\"a\":\"\u{1}\"}}",
            #"{"after" {"a":1}}"#, #"{"after":{"a":[1 2]}}"#, #"{after:{}}"#, #"{"after":{"a":-}}"#,
            #"{"after":{"a":1e}}"#,
        ])
    func refused(_ text: String) {
        #expect(throws: RecordScanError.self) { try RecordJSONScanner.images(of: Array(text.utf8)[...]) }
    }

    @Test("nesting is bounded")
    func depth() {
        let deep = #"{"after":{"a":"# + String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000) + "}}"
        #expect(throws: RecordScanError.self) { try RecordJSONScanner.images(of: Array(deep.utf8)[...]) }
        let fine = #"{"after":{"a":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}}"
        #expect(throws: Never.self) { try RecordJSONScanner.images(of: Array(fine.utf8)[...]) }
    }
}
