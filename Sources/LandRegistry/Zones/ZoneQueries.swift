import Foundation
import GRDB
import LandGeometry

extension Registry {
    /// Live zones of one kind with their geometries, in the store CRS.
    public func zonesWithGeometry(kind: ZoneKind) throws -> [(zone: Zone, geometry: Geometry)] {
        let zones = try self.zones(kind: kind)
        let shapes = try dbQueue.read { db in try geometries(db, table: "zones", fids: zones.map(\.fid)) }
        return zones.compactMap { z in shapes[z.fid].map { (z, $0) } }
    }

    /// Live zones, optionally of one kind.
    public func zones(kind: ZoneKind? = nil) throws -> [Zone] {
        try dbQueue.read { db in
            try Zone.fetchAll(db, sql: """
                SELECT fid, code, kind, name, planar_area_m2, ellipsoidal_area_m2, retired_at FROM zones
                WHERE retired_at IS NULL AND (?1 IS NULL OR kind = ?1) ORDER BY kind, code
                """, arguments: [kind?.rawValue])
        }
    }
}
