/// Where ALTER TABLE puts an added, modified or changed column.
public enum ColumnPosition: Sendable, Equatable, Codable {
    /// Added columns go last; modified/changed columns stay where they are.
    case unchanged
    case first
    case after(String)
}
