import Testing

/// Records a list of problems as issues, at most `limit` of them plus a count, so one broken decoder path does not
/// drown the report.
func expectNoProblems(
    _ problems: [String], _ context: String, limit: Int = 25, sourceLocation: SourceLocation = #_sourceLocation
) {
    for problem in problems.prefix(limit) {
        Issue.record("\(context): \(problem)", sourceLocation: sourceLocation)
    }
    if problems.count > limit {
        Issue.record("\(context): … and \(problems.count - limit) more problems", sourceLocation: sourceLocation)
    }
}
