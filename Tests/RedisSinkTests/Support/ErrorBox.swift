/// An error handed back from another thread.
final class ErrorBox: @unchecked Sendable {
    var error: (any Error)?
}
