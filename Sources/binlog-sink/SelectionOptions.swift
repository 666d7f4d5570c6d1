import ArgumentParser
import CDCCore

/// Which tables and columns come out: the options `run` and `parse` share.
struct SelectionOptions: ParsableArguments {
    @Option(name: .customLong("include"), help: "Only tables matching this db.table glob (repeatable).")
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: "Skip tables matching this db.table glob (repeatable).")
    var excludes: [String] = []

    @Option(
        name: .customLong("exclude-column"),
        help: "Leave out columns matching this db.table.column glob (repeatable).")
    var excludeColumns: [String] = []

    @Option(
        name: .customLong("mask-column"),
        help: "Replace values of columns matching this db.table.column glob by their SHA-256 (repeatable).")
    var maskColumns: [String] = []

    var tableFilter: TableFilter { TableFilter(includes: includes, excludes: excludes) }
    var columnFilter: ColumnFilter { ColumnFilter(excludes: excludeColumns, masks: maskColumns) }

    func validate() throws {
        for pattern in includes + excludes where !pattern.contains(".") {
            throw ValidationError("table glob '\(pattern)' must have the form db.table (e.g. shop.* or *.orders)")
        }
        for pattern in excludeColumns + maskColumns where pattern.split(separator: ".").count < 3 {
            throw ValidationError(
                "column glob '\(pattern)' must have the form db.table.column (e.g. shop.customers.email or *.*.ssn)")
        }
    }
}
