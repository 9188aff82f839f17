import Foundation
import GRDB
import LandGeometry

// MARK: - SQL functions over GeoPackage geometry blobs
//
// The gpkg_rtree_index triggers call ST_IsEmpty and ST_MinX/MaxX/MinY/MaxY; GDAL registers the same names on
// its connections. Every landreg connection registers them in `prepareDatabase`. They read the envelope from
// the blob header when it is there (GDAL and landreg write one for every non-point geometry), so the
// trigger cost per row is a header read, not a WKB decode. NULL in, NULL out.

enum SpatialSQLFunctions {
    static func register(on db: Database) {
        db.add(function: isEmpty)
        db.add(function: minX)
        db.add(function: maxX)
        db.add(function: minY)
        db.add(function: maxY)
    }

    private static func withBlob<T>(_ value: DatabaseValue, _ body: (UnsafeRawBufferPointer) throws -> T?) rethrows -> T? {
        guard case .blob(let data) = value.storage else { return nil }
        return try data.withUnsafeBytes { try body($0) }
    }

    private static func envelopeFunction(_ name: String, _ pick: @escaping @Sendable (Envelope) -> Double) -> DatabaseFunction {
        DatabaseFunction(name, argumentCount: 1, pure: true) { values in
            try withBlob(values[0]) { blob in try GeoPackageBinary.envelope(of: blob).map(pick) }
        }
    }

    static let isEmpty = DatabaseFunction("ST_IsEmpty", argumentCount: 1, pure: true) { values in
        try withBlob(values[0]) { blob in try GeoPackageBinary.isEmpty(blob) ? 1 : 0 }
    }
    static let minX = envelopeFunction("ST_MinX") { $0.minX }
    static let maxX = envelopeFunction("ST_MaxX") { $0.maxX }
    static let minY = envelopeFunction("ST_MinY") { $0.minY }
    static let maxY = envelopeFunction("ST_MaxY") { $0.maxY }
}
