import Foundation
import Testing

// `--exclude-column` and `--mask-column` on a real binlog (the MariaDB full-metadata fixture): excluded columns are
// gone from every image, masked values are the SHA-256 of the value as the unmasked run renders it, and everything
// else is unchanged.
@Suite struct ColumnFilterCLITests {
    /// The digest as coreutils' sha256sum computes it (an implementation independent of the tool's).
    static func sha256(_ text: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    @Test func excludedAndMaskedColumns() throws {
        guard let fixtures = SharedFixtures.root else { return }
        let binlog = fixtures.appendingPathComponent("mariadb/full-metadata/mysql-bin.000001")
        let plain = try ParseRun.parse([binlog], ["--include", "cdc_types.t_int"])
        let filtered = try ParseRun.parse(
            [binlog],
            [
                "--include", "cdc_types.t_int", "--mask-column", "cdc_types.t_int.ti", "--exclude-column",
                "cdc_types.*.si*",
            ])
        #expect(plain.status == 0 && filtered.status == 0, "\(filtered.summary)")
        let before = try plain.records()
        let after = try filtered.records()
        try #require(before.count == after.count && !before.isEmpty)
        for (original, masked) in zip(before, after) {
            for (originalImage, maskedImage) in [(original.after, masked.after), (original.before, masked.before)] {
                guard let originalImage, let maskedImage else {
                    #expect(originalImage == nil && maskedImage == nil)
                    continue
                }
                #expect(!maskedImage.keys.contains("si") && !maskedImage.keys.contains("siu"), "\(masked)")
                #expect(
                    maskedImage.keys == originalImage.keys.filter { $0 != "si" && $0 != "siu" }, "\(masked.key)")
                for key in maskedImage.keys where key != "ti" {
                    #expect(maskedImage[key] == originalImage[key], "\(masked.key) \(key)")
                }
                if case .number(let text)? = originalImage["ti"] {
                    #expect(maskedImage["ti"] == .string(try Self.sha256(text)), "\(masked.key)")
                } else {
                    #expect(maskedImage["ti"] == originalImage["ti"], "null stays null: \(masked.key)")
                }
            }
        }
    }
}
