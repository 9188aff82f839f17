import LandGeometryCore

// MARK: - Features
//
// Policy: a feature is read strictly (RFC 7946 + RFC 8259). Coordinates must be finite numbers; positions need at
// least two of them and anything after the second (Z, M) is dropped. "geometry": null (or no "geometry" member)
// gives a feature without geometry; the importer decides what that means. Ring closure, ring length and validity
// are not checked here: that is the geometry layer's job, which can say what is wrong in GEOS's terms.

/// The byte text of one feature, cut out of the stream by a cheap scanner (string- and escape-aware brace
/// matching), not yet parsed.
public struct RawFeature: Sendable {
    /// 0-based position of the feature in the file.
    public let index: Int
    /// 1-based line of the feature's opening '{'.
    public let line: Int
    /// The feature's JSON text, from its '{' to its '}'.
    public let bytes: [UInt8]

    public init(index: Int, line: Int, bytes: [UInt8]) {
        self.index = index
        self.line = line
        self.bytes = bytes
    }
}

/// One GeoJSON feature.
public struct GeoJSONFeature: Sendable {
    /// 0-based position in the file.
    public let index: Int
    /// The feature's "id" member, if any.
    public let id: JSONValue?
    /// The "properties" member (empty for null or absent).
    public let properties: JSONObject
    /// The geometry; nil for "geometry": null.
    public let geometry: Geometry?

    public init(index: Int, id: JSONValue?, properties: JSONObject, geometry: Geometry?) {
        self.index = index
        self.id = id
        self.properties = properties
        self.geometry = geometry
    }
}

/// Parses the text of one feature. Pure and thread-safe: many threads may parse at once.
public enum GeoJSONFeatureParser {
    /// The deepest nesting of arrays and objects accepted inside a feature (the feature object itself is level 1).
    public static let maxDepth = 64

    /// Parses `raw` into a feature.
    /// - Parameter file: the file name to put in errors.
    /// - Throws: `GeoJSONError` naming the file, the feature's index (and id when it was read before the problem),
    ///   the line and the problem.
    public static func parse(_ raw: RawFeature, file: String) throws -> GeoJSONFeature {
        try raw.bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONByteReader(buffer, maxDepth: maxDepth, endDescription: "the end of the feature")
            do {
                let (id, properties, geometry) = try reader.parseFeature()
                return GeoJSONFeature(index: raw.index, id: id, properties: properties, geometry: geometry)
            } catch let failure as JSONSyntaxFailure {
                var newlines = 0
                for i in 0..<min(failure.offset, buffer.count) where buffer[i] == 0x0A { newlines += 1 }
                throw GeoJSONError(
                    file: file, featureIndex: raw.index, featureID: reader.featureID.map(describeID),
                    line: raw.line + newlines, message: failure.message)
            }
        }
    }

    /// How an id is named in messages: strings as they are, numbers as their lexeme, anything else as JSON.
    static func describeID(_ id: JSONValue) -> String {
        id.stringValue ?? id.serialized
    }
}

/// Where in a feature a geometry is, for messages: "geometry (Polygon)", "geometry.geometries[2] (Point)".
struct GeoJSONGeometryPath {
    var collectionIndices: [Int] = []
    var type: String = ""

    var text: String {
        var s = "geometry"
        for i in collectionIndices { s += ".geometries[\(i)]" }
        if !type.isEmpty { s += " (\(type))" }
        return s
    }
}

extension JSONByteReader {
    /// Reads one feature object, which must be the whole text.
    mutating func parseFeature() throws -> (JSONValue?, JSONObject, Geometry?) {
        skipWhitespace()
        let start = pos
        guard peek() == UInt8(ascii: "{") else { throw fail("expected a feature object, found \(found())") }
        var properties = JSONObject()
        var geometry: Geometry? = nil
        var typeSeen = false
        try readMembers(duplicatePrefix: { "" }) { reader, key in
            switch key {
            case "type":
                guard reader.peek() == UInt8(ascii: "\"") else {
                    throw reader.fail("expected \"type\": \"Feature\", found \(reader.found())")
                }
                let type = try reader.parseString()
                guard type == "Feature" else {
                    throw reader.fail("expected \"type\": \"Feature\", found \(JSONValue.string(type).serialized)")
                }
                typeSeen = true
            case "id":
                reader.featureID = try reader.parseValue()
            case "properties":
                if reader.peek() == UInt8(ascii: "{") {
                    properties = try reader.parseObject()
                } else if reader.peek() == UInt8(ascii: "n") {
                    _ = try reader.parseValue()
                } else {
                    throw reader.fail("\"properties\" must be an object or null, found \(reader.found())")
                }
            case "geometry":
                if reader.peek() == UInt8(ascii: "n") {
                    _ = try reader.parseValue()
                    geometry = nil
                } else {
                    geometry = try reader.parseGeometry(GeoJSONGeometryPath())
                }
            default:
                try reader.skipValue()
            }
        }
        skipWhitespace()
        guard atEnd else { throw fail("unexpected \(found()) after the end of the feature object") }
        guard typeSeen else {
            throw JSONSyntaxFailure(message: "not a Feature: no \"type\": \"Feature\" member", offset: start)
        }
        return (featureID, properties, geometry)
    }

    static let geometryTypes: Set<String> = [
        "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"
    ]

    /// Reads a geometry object at the cursor.
    mutating func parseGeometry(_ path: GeoJSONGeometryPath) throws -> Geometry {
        guard peek() == UInt8(ascii: "{") else {
            throw fail("\(path.text): expected a geometry object or null, found \(found())")
        }
        let start = pos
        var path = path
        var type: String? = nil
        var coordinatesOffset: Int? = nil
        var geometriesOffset: Int? = nil
        var result: Geometry? = nil
        try readMembers(duplicatePrefix: { "\(path.text): " }) { reader, key in
            switch key {
            case "type":
                guard reader.peek() == UInt8(ascii: "\"") else {
                    throw reader.fail("\(path.text): \"type\" must be a string, found \(reader.found())")
                }
                let typeOffset = reader.pos
                let name = try reader.parseString()
                guard JSONByteReader.geometryTypes.contains(name) else {
                    throw JSONSyntaxFailure(
                        message: "\(path.text): unknown geometry type \(JSONValue.string(name).serialized)",
                        offset: typeOffset)
                }
                type = name
                path.type = name
            case "coordinates":
                if let type, type != "GeometryCollection" {
                    result = try reader.parseCoordinates(type: type, path)
                } else {
                    coordinatesOffset = reader.pos
                    try reader.skipValue()
                }
            case "geometries":
                if type == "GeometryCollection" {
                    result = try reader.parseGeometries(path)
                } else {
                    geometriesOffset = reader.pos
                    try reader.skipValue()
                }
            default:
                try reader.skipValue()
            }
        }
        guard let type else {
            throw JSONSyntaxFailure(message: "\(path.text): geometry has no \"type\"", offset: start)
        }
        if result == nil {
            // "coordinates" / "geometries" came before "type": read them again now that the type is known, at
            // the depth they were first met (inside this object).
            depth += 1
            defer { depth -= 1 }
            let end = pos
            if type == "GeometryCollection" {
                guard let geometriesOffset else {
                    throw JSONSyntaxFailure(
                        message: "\(path.text): GeometryCollection has no \"geometries\"",
                        offset: start)
                }
                pos = geometriesOffset
                result = try parseGeometries(path)
            } else {
                guard let coordinatesOffset else {
                    throw JSONSyntaxFailure(message: "\(path.text): \(type) has no \"coordinates\"", offset: start)
                }
                pos = coordinatesOffset
                result = try parseCoordinates(type: type, path)
            }
            pos = end
        }
        return result!
    }

    private mutating func parseGeometries(_ path: GeoJSONGeometryPath) throws -> Geometry {
        guard peek() == UInt8(ascii: "[") else {
            throw fail("\(path.text): \"geometries\" must be an array, found \(found())")
        }
        var members: [Geometry] = []
        try readArray(
            {
                var memberPath = path
                memberPath.collectionIndices.append(members.count)
                memberPath.type = ""
                members.append(try $0.parseGeometry(memberPath))
            }, separatorProblem: { "\(path.text): expected ',' or ']'" + ($0 ? "" : " after a geometry") })
        return .geometryCollection(members)
    }

    private mutating func parseCoordinates(type: String, _ path: GeoJSONGeometryPath) throws -> Geometry {
        switch type {
        case "Point":
            return .point(try parsePosition(path))
        case "MultiPoint":
            return .multiPoint(try parsePositionList(path, "an array of positions"))
        case "LineString":
            return .lineString(try parsePositionList(path, "an array of positions"))
        case "MultiLineString":
            return .multiLineString(
                try parseList(path, "an array of lines") {
                    try $0.parsePositionList(path, "a line (an array of positions)")
                })
        case "Polygon":
            let rings = try parseList(path, "an array of rings") {
                try $0.parsePositionList(path, "a ring (an array of positions)")
            }
            return .polygon(JSONByteReader.polygon(rings))
        case "MultiPolygon":
            let polygons = try parseList(path, "an array of polygons") {
                try $0.parseList(path, "a polygon (an array of rings)") {
                    try $0.parsePositionList(path, "a ring (an array of positions)")
                }
            }
            return .multiPolygon(polygons.map(JSONByteReader.polygon))
        default:
            throw fail("\(path.text): unknown geometry type \(JSONValue.string(type).serialized)")
        }
    }

    private static func polygon(_ rings: [[XY]]) -> Polygon {
        guard let exterior = rings.first else { return Polygon(exterior: []) }
        return Polygon(exterior: exterior, holes: Array(rings.dropFirst()))
    }

    /// Reads an array whose elements `element` reads.
    private mutating func parseList<T>(
        _ path: GeoJSONGeometryPath, _ what: String,
        _ element: (inout JSONByteReader) throws -> T
    ) throws -> [T] {
        guard peek() == UInt8(ascii: "[") else {
            throw fail("\(path.text): coordinates: expected \(what), found \(found())")
        }
        var list: [T] = []
        try readArray(
            { list.append(try element(&$0)) },
            separatorProblem: { _ in "\(path.text): coordinates: expected ',' or ']'" })
        return list
    }

    /// Reads an array of positions into one exactly sized array.
    private mutating func parsePositionList(_ path: GeoJSONGeometryPath, _ what: String) throws -> [XY] {
        guard peek() == UInt8(ascii: "[") else {
            throw fail("\(path.text): coordinates: expected \(what), found \(found())")
        }
        positionScratch.removeAll(keepingCapacity: true)
        try readArray(
            {
                let xy = try $0.parsePosition(path)
                $0.positionScratch.append(xy)
            }, separatorProblem: { "\(path.text): coordinates: expected ',' or ']'" + ($0 ? "" : " after a position") })
        return Array(positionScratch)
    }

    /// Reads a position [x, y, …]: at least two finite numbers; the rest are checked and dropped.
    private mutating func parsePosition(_ path: GeoJSONGeometryPath) throws -> XY {
        guard peek() == UInt8(ascii: "[") else {
            throw fail("\(path.text): coordinates: expected a position [x, y], found \(found())")
        }
        let start = pos
        var count = 0
        var x = 0.0
        var y = 0.0
        try readArray(
            { reader in
                guard let b = reader.peek(), b == UInt8(ascii: "-") || b &- 0x30 < 10 else {
                    throw reader.fail("\(path.text): coordinates: expected a number, found \(reader.found())")
                }
                let numberStart = reader.pos
                let v = try reader.parseDouble()
                guard v.isFinite else {
                    throw JSONSyntaxFailure(
                        message:
                            "\(path.text): coordinates: number \(reader.excerpt(numberStart, reader.pos)) is out of range (not finite)",
                        offset: numberStart)
                }
                if count == 0 { x = v } else if count == 1 { y = v }
                count += 1
            }, separatorProblem: { _ in "\(path.text): coordinates: expected ',' or ']' in a position" })
        guard count >= 2 else {
            throw JSONSyntaxFailure(
                message: "\(path.text): coordinates: a position needs at least 2 numbers, found \(count)",
                offset: start)
        }
        return XY(x, y)
    }
}
