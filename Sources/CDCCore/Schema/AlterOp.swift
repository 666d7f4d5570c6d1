/// One alteration of an `ALTER TABLE` statement that changes what rows look like. Index, constraint, partition
/// and table-option clauses are not represented: they do not change the row image.
public enum AlterOp: Sendable, Equatable, Codable {
    case addColumn(ColumnSchema, ColumnPosition)
    case dropColumn(String)
    /// MODIFY: same name, new definition.
    case modifyColumn(ColumnSchema, ColumnPosition)
    /// CHANGE old new definition.
    case changeColumn(old: String, ColumnSchema, ColumnPosition)
    case renameColumn(from: String, to: String)
    case renameTable(TableName)
    case addPrimaryKey([String])
    case dropPrimaryKey
    /// CONVERT TO CHARACTER SET: every character column and the table default change.
    case convertCharset(charset: String?, collation: String?)
    /// [DEFAULT] CHARACTER SET / COLLATE: the table default only (existing columns keep theirs).
    case defaultCharset(charset: String?, collation: String?)
}
