import Foundation
import Testing

/// The shared, read-only binlog fixtures: `$BINLOG_SINK_FIXTURES`, else `../shared/fixtures` next to the package.
/// Suites that need them are disabled with `Fixtures.skipMessage` when the folder is absent.
enum Fixtures {
    static let root: String? = {
        if let path = ProcessInfo.processInfo.environment["BINLOG_SINK_FIXTURES"], !path.isEmpty {
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        // Tests/CDCCoreTests/Support/<this file> -> package root -> its parent.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    static var available: Bool { root != nil }
    static let skipMessage: Comment =
        "shared fixtures not found (../shared/fixtures or $BINLOG_SINK_FIXTURES): skipping"

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func path(_ relative: String) throws -> String {
        guard let root else { throw Missing(description: "fixtures folder not found") }
        return root + "/" + relative
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        let file = try path(relative)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Missing(description: "fixture not found: \(file)")
        }
        return [UInt8](data)
    }

    static func text(_ relative: String) throws -> String {
        String(decoding: try bytes(relative), as: UTF8.self)
    }

    /// Every binlog of `mysql/` and `mariadb/*/` (relative paths, sorted), not the notes beside them.
    static func binlogFiles() -> [String] {
        guard let root else { return [] }
        let manager = FileManager.default
        var files: [String] = []
        let notes = [".txt", ".md", ".json", ".rc"]
        for name in (try? manager.contentsOfDirectory(atPath: root + "/mysql")) ?? []
        where !notes.contains(where: { name.hasSuffix($0) }) && name != "SHA256SUMS" {
            files.append("mysql/" + name)
        }
        for variant in (try? manager.contentsOfDirectory(atPath: root + "/mariadb")) ?? [] {
            for name in (try? manager.contentsOfDirectory(atPath: root + "/mariadb/" + variant)) ?? []
            where name.hasPrefix("mysql-bin.") && !notes.contains(where: { name.hasSuffix($0) }) {
                files.append("mariadb/\(variant)/\(name)")
            }
        }
        return files.sorted()
    }
}
