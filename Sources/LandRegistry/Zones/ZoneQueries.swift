import Foundation
import GRDB
import LandGeometry

extension Registry {
    /// Live zones of one kind with their geometries, in the store CRS, by code.
    public func zonesWithGeometry(kind: ZoneKind) throws -> [(zone: Zone, geometry: Geometry)] {
        try dbQueue.read { db in
            let request = Zone.all().live().filter(Zone.Columns.kind == kind.rawValue).order(Zone.Columns.code)
                .select(Zone.databaseSelection + [Column("geom")])
            return try Row.fetchAll(db, request).map { row in
                (
                    try UnreadableRow.decode(row, file: path, table: Zone.databaseTableName),
                    try decodeGeometry(try UnreadableRow.value(row, "geom", file: path, table: Zone.databaseTableName))
                )
            }
        }
    }

    /// Live zones, optionally of one kind.
    public func zones(kind: ZoneKind? = nil) throws -> [Zone] {
        try dbQueue.read { db in
            var request = Zone.all().live()
            if let kind { request = request.filter(Zone.Columns.kind == kind.rawValue) }
            return try request.order(Zone.Columns.kind, Zone.Columns.code).fetchAllNamingBadRow(db, file: path)
        }
    }
}
