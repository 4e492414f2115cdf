/// What a test needs from outside the package and lacks (a tool, a Debian package, a built executable); a failure
/// with a message that says what to install or build, never a skip.
public struct ToolMissing: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}
