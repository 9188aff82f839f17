import Foundation

/// A GeoJSON input is wrong (or could not be read). Names the file, the feature (0-based index and id when known),
/// the line and the problem, e.g.
/// `parcels.geojson: feature 17 (id 330110-0042): geometry: coordinates: expected a number, found a string at line 88`.
public struct GeoJSONError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path as given to the reader.
    public let file: String
    /// 0-based position of the feature in the file; nil for problems outside any feature.
    public let featureIndex: Int?
    /// The feature's "id" (strings as is, numbers as their lexeme) when it was read before the problem.
    public let featureID: String?
    /// 1-based line of the problem, when known.
    public let line: Int?
    /// What is wrong, without the file / feature / line prefix.
    public let message: String

    public init(file: String, featureIndex: Int? = nil, featureID: String? = nil, line: Int? = nil, message: String) {
        self.file = file
        self.featureIndex = featureIndex
        self.featureID = featureID
        self.line = line
        self.message = message
    }

    public var description: String {
        var s = file + ": "
        if let featureIndex {
            s += "feature \(featureIndex)"
            if let featureID { s += " (id \(featureID))" }
            s += ": "
        }
        s += message
        if let line { s += " at line \(line)" }
        return s
    }
}

extension GeoJSONError: LocalizedError {
    public var errorDescription: String? { description }
}
