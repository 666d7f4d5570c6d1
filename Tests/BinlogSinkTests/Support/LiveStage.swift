/// One step of a workload whose tables change shape: DDL (if any) first, then DML. After the step the test knows
/// each checked table's shape (`tables`) and reads its content from the server, so the records of the step can be
/// checked column set by column set and value by value (LiveStagedRun).
struct LiveStage: Sendable {
    /// What the step's DDL does to the rows a consumer holds, besides changing shapes.
    enum Effect: Sendable {
        /// RENAME TABLE: the rows move to the new name.
        case rename(from: String, to: String)
        /// TRUNCATE TABLE: the rows go, without row events.
        case truncate(String)
    }

    var name: String
    /// `;`-separated statements, run in one session after `USE` of the workload's database.
    var sql: String
    /// Every checked table as it is after the step (columns in table order; a table whose rows are replayed by
    /// primary key).
    var tables: [LiveTable]
    /// Applied to the replayed rows before the step's records (the step's DDL comes first).
    var effects: [Effect] = []

    func table(_ name: String) -> LiveTable? { tables.first { $0.name == name } }
}
