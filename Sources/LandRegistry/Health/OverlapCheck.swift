import Foundation
import GRDB
import LandGeometry

// MARK: - Live parcels that overlap
//
// Parcels of one survey tile the land: neighbours share edges, they do not share area. Candidate pairs come from
// a self-join of the parcels' R*Tree (boxes that meet, each pair once); GEOS measures each candidate's
// intersection, with the first parcel of a group prepared once for all its neighbours. Neighbours that only touch
// measure 0; a pair is a finding when its intersection exceeds the tolerance. Areas are planar in the store CRS
// (m² in a projected CRS), or ellipsoidal when the store CRS is geographic. Invalid geometries were reported by
// the validity check; GEOS may refuse to intersect them, and such pairs are skipped here.

enum OverlapCheck {
    static func run(
        _ db: Database, liveParcels: [Int64: (code: String, geometry: Geometry)], storeCRS: CRS,
        options: HealthCheckOptions
    ) throws -> (findings: Findings<ParcelOverlap>, candidatePairs: Int) {
        var findings = Findings<ParcelOverlap>(limit: options.listLimit)
        guard try db.tableExists("rtree_parcels_geom") else { return (findings, 0) }
        // Pairs grouped by their first parcel (the cursor is ordered by a.id), live ones only.
        var groups: [(a: Int64, bs: [Int64])] = []
        var pairs = 0
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT a.id, b.id FROM rtree_parcels_geom a JOIN rtree_parcels_geom b
                  ON b.minx <= a.maxx AND b.maxx >= a.minx AND b.miny <= a.maxy AND b.maxy >= a.miny AND b.id > a.id
                ORDER BY a.id
                """)
        while let row = try cursor.next() {
            let a: Int64 = row[0], b: Int64 = row[1]
            guard liveParcels[a] != nil, liveParcels[b] != nil else { continue }
            pairs += 1
            if groups.last?.a == a { groups[groups.count - 1].bs.append(b) } else { groups.append((a, [b])) }
        }
        if groups.isEmpty { return (findings, 0) }
        let pairGroups = groups

        let threads = max(1, min(options.workers, pairGroups.count))
        let found = Unchecked([ParcelOverlap]())
        let workers = Unchecked(try (0..<threads).map { _ in try GeometryCheckWorker(storeCRS: storeCRS) })
        let tolerance = options.overlapToleranceM2
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            let worker = workers.value[w] // each worker is used by this one thread
            var local: [ParcelOverlap] = []
            for g in stride(from: w, to: pairGroups.count, by: threads) {
                let (a, bs) = pairGroups[g]
                guard let first = liveParcels[a], let prepared = try? worker.geos.prepare(first.geometry) else {
                    continue
                }
                for b in bs {
                    guard let second = liveParcels[b],
                        let planar = try? prepared.intersectionArea(with: second.geometry), planar > 0
                    else { continue }
                    var area = planar
                    if storeCRS.isGeographic {
                        guard let shared = try? prepared.intersection(with: second.geometry),
                            let ellipsoidal = try? worker.areas.ellipsoidalArea(shared)
                        else { continue }
                        area = ellipsoidal
                    }
                    if area > tolerance {
                        local.append(
                            ParcelOverlap(fidA: a, codeA: first.code, fidB: b, codeB: second.code, overlapAreaM2: area))
                    }
                }
            }
            found.lock.withLock { found.value += local }
        }
        for o in found.value.sorted(by: { ($0.fidA, $0.fidB) < ($1.fidA, $1.fidB) }) { findings.add(o) }
        return (findings, pairs)
    }
}
