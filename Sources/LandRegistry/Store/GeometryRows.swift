import Foundation
import GRDB
import LandGeometry

// MARK: - Geometry reads shared by queries, analyses and exports

/// Decodes a GeoPackage geometry blob read from the store.
func decodeGeometry(_ blob: Data) throws -> Geometry {
    try blob.withUnsafeBytes { try GeoPackageBinary.decode($0).geometry }
}

/// The geometry blob of a feature row: a NULL geometry (another program emptied it; GDAL and QGIS allow that)
/// throws `UnreadableRow` naming the store, table and row instead of trapping.
func geometryBlob(_ row: Row, _ db: Database, table: String) throws -> Data {
    try UnreadableRow.value(row, "geom", as: Data.self, file: db.storeFile, table: table)
}

/// Decodes the geometry blobs of `fids` in `table` (a feature layer of ours).
func geometries(_ db: Database, table: String, fids: [Int64]) throws -> [Int64: Geometry] {
    var out: [Int64: Geometry] = [:]
    for chunk in stride(from: 0, to: fids.count, by: 500) {
        let ids = fids[chunk..<min(fids.count, chunk + 500)]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT fid, geom FROM \(table) WHERE fid IN (\(ids.map(String.init).joined(separator: ",")))")
        while let row = try rows.next() {
            let fid = try UnreadableRow.value(row, "fid", as: Int64.self, file: db.storeFile, table: table)
            out[fid] = try decodeGeometry(try geometryBlob(row, db, table: table))
        }
    }
    return out
}

/// The union of the live rows with this code (a code may name several zones of different kinds: all of them).
func liveGeometry(_ db: Database, table: String, code: String) throws -> Geometry? {
    let rows = try Row.fetchAll(
        db, sql: "SELECT fid, code, geom FROM \(table) WHERE code = ? AND retired_at IS NULL", arguments: [code])
    let polygons = try rows.flatMap { row -> [Polygon] in
        try decodeGeometry(try geometryBlob(row, db, table: table)).polygons ?? []
    }
    return polygons.isEmpty ? nil : .multiPolygon(polygons)
}

extension Envelope {
    /// The box as a closed counter-clockwise ring.
    var ring: Ring {
        [XY(minX, minY), XY(maxX, minY), XY(maxX, maxY), XY(minX, maxY), XY(minX, minY)]
    }
}
