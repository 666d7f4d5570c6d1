import Foundation
import Testing

@testable import StateStore

#if canImport(Glibc)
    import Glibc
#endif

@Suite("State directory permissions")
struct StatePermissionsTests {
    @Test("a directory the store creates is private and reported clean, whatever the umask")
    func createdDirectoryHasNoWarnings() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let previous = umask(0)
        defer { umask(previous) }
        let store = try StateStore.open(directory: temp.path + "/state")
        try store.save(position: SavedPosition(binlog: BinlogFilePosition(file: "f.000001", offset: 4)))
        #expect(try TemporaryDirectory.permissions(temp.path + "/state") == 0o700)
        #expect(try TemporaryDirectory.permissions(temp.path + "/state/state.sqlite-wal") == 0o600)
        #expect(store.permissionWarnings.isEmpty, "\(store.permissionWarnings)")
        #expect(StatePermissions.warnings(directory: temp.path + "/state").isEmpty)
    }

    @Test("an existing group/world-readable directory and database are reported with the chmod, and left as they are")
    func openDirectoryIsReported() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let directory = temp.path + "/shared"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        do {
            let store = try StateStore.open(directory: directory)
            try store.save(position: SavedPosition(binlog: BinlogFilePosition(file: "f.000001", offset: 4)))
            #expect(store.permissionWarnings.count == 1, "\(store.permissionWarnings)")
            let warning = store.permissionWarnings.first ?? ""
            #expect(warning.contains("state directory \(directory)") && warning.contains("mode 755"), "\(warning)")
            #expect(warning.contains("chmod 700 \(directory)"), "\(warning)")
        }
        #expect(try TemporaryDirectory.permissions(directory) == 0o755, "the directory was changed")

        // A database file someone made readable (e.g. copied with cp -p from elsewhere).
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory + "/state.sqlite")
        let store = try StateStore.open(directory: directory)
        let warnings = store.permissionWarnings
        #expect(
            warnings.contains {
                $0.contains("state file \(directory)/state.sqlite ") && $0.contains("mode 644")
                    && $0.contains("chmod 600 \(directory)/state.sqlite")
            }, "\(warnings)")
        #expect(!warnings.contains { $0.contains("state directory") }, "\(warnings)")
    }

    @Test("read-only opens (status, position show) report nothing")
    func readOnlyReportsNothing() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        do { _ = try StateStore.open(directory: temp.path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temp.path)
        let reader = try StateStore.open(directory: temp.path, mode: .readOnly)
        #expect(reader.permissionWarnings.isEmpty)
        #expect(StatePermissions.warnings(directory: temp.path).count == 1)
    }
}
