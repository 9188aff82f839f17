import Foundation

/// No live record with this code (or none where one was looked for).
public struct NotFound: Error, LocalizedError {
    public let what: String
    public let code: String
    /// Where the record was looked for when it is not by code ("in batch 2099-01"); nil: by `code`.
    public let place: String?
    public init(what: String, code: String) { self.what = what; self.code = code; place = nil }
    /// None found `place` ("no live spot in batch 2099-01"); `code` is the key looked up.
    public init(what: String, code: String, place: String) { self.what = what; self.code = code; self.place = place }
    public var errorDescription: String? { place.map { "no \(what) \($0)" } ?? "no \(what) with code \(code)" }
}
