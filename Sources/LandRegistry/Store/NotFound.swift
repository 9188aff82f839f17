import Foundation

/// No live record with this code.
public struct NotFound: Error, LocalizedError {
    public let what: String
    public let code: String
    public init(what: String, code: String) { self.what = what; self.code = code }
    public var errorDescription: String? { "no \(what) with code \(code)" }
}
