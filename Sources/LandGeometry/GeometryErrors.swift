// MARK: - Error families
//
// Policy: two families. `GEOSError` means the library failed on input it accepted; `GeometryInputError` means
// the input itself is wrong (a ring not closed, too few points, a non-finite coordinate, malformed WKB).
// CRS problems are `CRSError` (see CRS.swift).

/// GEOS failed. `message` is what GEOS's error (or notice) handler said, never printed to the terminal.
public struct GEOSError: Error, CustomStringConvertible {
    /// The operation that failed, e.g. "intersection" or "make valid".
    public let operation: String
    /// The text GEOS reported, or a short explanation when it said nothing.
    public let message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "GEOS \(operation) failed: \(message)" }
}

/// The geometry given is wrong in itself: GEOS or a decoder cannot take it as it is.
public struct GeometryInputError: Error, CustomStringConvertible {
    /// What is wrong, e.g. "ring 0 is not closed".
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
