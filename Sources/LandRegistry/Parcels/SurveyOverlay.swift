import Foundation
import GRDB
import LandGeometry

// MARK: - The overlay of two survey versions
//
// Not matched by code: every parcel of the later version is intersected with the parcels of the earlier version
// its box meets (R*Tree candidates, then GEOS), one later parcel at a time, so memory holds one parcel's
// neighbourhood, never a layer. A row in both versions (an unchanged parcel) meets itself: its whole stored area,
// without GEOS; an earlier parcel inside a later one counts its stored areas; only the rest is clipped and measured
// (planar, and ellipsoidal on CGCS2000). Pieces of 0 area (neighbours touching along an edge) are dropped.

/// A piece of the overlay: earlier parcel ∩ later parcel. Areas in m².
public struct SurveyOverlayPiece: Sendable {
    public let fromFid: Int64
    public let toFid: Int64
    public let fromLandUse: String?
    public let toLandUse: String?
    public let toCode: String
    /// The later parcel's village (the live village zone it overlaps most), when asked for.
    public let village: String?
    public let planarAreaM2: Double
    public let ellipsoidalAreaM2: Double
    /// The piece itself, when the caller's `wantsGeometry` asked for it (store CRS).
    public let geometry: Geometry?
}

/// A polygon that reports something already (a violation spot, an approval), with its date (YYYY-MM-DD) when it
/// has one that counts.
public struct ReportedPolygon: Sendable {
    public let kind: String
    public let code: String
    public let date: String?
    public let geometry: Geometry
    public init(kind: String, code: String, date: String?, geometry: Geometry) {
        self.kind = kind; self.code = code; self.date = date; self.geometry = geometry
    }
}

extension Registry {
    /// Visits every piece of the overlay of survey versions `from` and `to` (years), later parcel by later parcel.
    /// The later parcels are cut into `workers` runs of fids, each overlaid on its own thread with its own
    /// read-only connection, GEOS and PROJ; `visit` is called under a lock, one piece at a time, in no set order.
    /// - Parameter wantsGeometry: whether a piece between these land uses keeps its geometry (called on the
    ///   workers: it must only read).
    /// - Throws: `NotFound` for a year the store has no version of; the first error a worker met.
    public func surveyOverlay(
        from: Int, to: Int, villages: Bool, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        wantsGeometry: @escaping (_ fromLandUse: String?, _ toLandUse: String?) -> Bool = { _, _ in false },
        _ visit: (SurveyOverlayPiece) throws -> Void
    ) throws {
        let (tFrom, tTo, fids) = try dbQueue.read { db in
            let tTo = try SurveyVersion.moment(db, year: to)
            return (
                try SurveyVersion.moment(db, year: from), tTo,
                try Row.fetchOne(
                    db, sql: "SELECT min(fid), max(fid), count(*) FROM parcels WHERE \(SurveyVersion.conditionSQL)",
                    arguments: [tTo, tTo])
            )
        }
        guard let fids, let lo: Int64 = fids[0], let hi: Int64 = fids[1] else { return }
        let threads = max(1, min(workers, fids[2] as Int))
        let step = (hi - lo) / Int64(threads) + 1
        let storeCRS = self.storeCRS, path = self.path
        // `visit` runs under `lock` only, and `wantsGeometry` only reads: both may be called from the workers.
        let shared = Unchecked((wants: wantsGeometry, error: Error?.none))
        withoutActuallyEscaping(visit) { visit in
            let sharedVisit = Unchecked(visit)
            DispatchQueue.concurrentPerform(iterations: threads) { w in
                let range = (lo + Int64(w) * step)...min(hi, lo + Int64(w + 1) * step - 1)
                do {
                    let reader = try DatabaseQueue(path: path, configuration: Registry.configuration(readonly: true))
                    try reader.read { db in
                        try Self.overlayRun(
                            db, fids: range, tFrom: tFrom, tTo: tTo, villages: villages, storeCRS: storeCRS,
                            wants: shared.value.wants
                        ) { piece in
                            try sharedVisit.lock.withLock {
                                if shared.value.error != nil { return }
                                try sharedVisit.value(piece)
                            }
                        }
                    }
                } catch {
                    shared.lock.withLock { if shared.value.error == nil { shared.value.error = error } }
                }
            }
        }
        if let e = shared.value.error { throw e }
    }

    /// One worker's part of the overlay: the later parcels with fids in `fids`.
    private static func overlayRun(
        _ db: Database, fids: ClosedRange<Int64>, tFrom: String, tTo: String, villages: Bool, storeCRS: CRS,
        wants wantsGeometry: (String?, String?) -> Bool, _ visit: (SurveyOverlayPiece) throws -> Void
    ) throws {
        let geos = GEOSContext()
        let areas = try AreaCalculator(crs: storeCRS)
        let clipper = try BlobOverlay(context: geos)
        let candidates = try db.makeStatement(
            sql: """
                SELECT p.fid, p.geom, p.land_use, p.planar_area_m2, p.ellipsoidal_area_m2
                FROM rtree_parcels_geom r JOIN parcels p ON p.fid = r.id
                WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?
                  AND p.created_at <= ? AND (p.retired_at IS NULL OR p.retired_at > ?)
                """)
        let villageOf = villages ? try VillageLookup(db) : nil
        let later = try Row.fetchCursor(
            db,
            sql: """
                SELECT fid, code, geom, land_use, planar_area_m2, ellipsoidal_area_m2 FROM parcels
                WHERE fid BETWEEN ? AND ? AND \(SurveyVersion.conditionSQL) ORDER BY fid
                """, arguments: [fids.lowerBound, fids.upperBound, tTo, tTo])
        while let b = try later.next() {
            let bFid: Int64 = b["fid"], bCode: String = b["code"], bUse: String? = b["land_use"]
            let bGeometry = try decodeGeometry(b["geom"])
            guard let e = bGeometry.envelope else { continue }
            let prepared = try geos.prepare(bGeometry)
            let village = try villageOf?.village(of: bGeometry, prepared: prepared, geos: geos)
            let rows = try Row.fetchAll(candidates, arguments: [e.maxX, e.minX, e.maxY, e.minY, tFrom, tFrom])
            for a in rows {
                let aFid: Int64 = a["fid"], aUse: String? = a["land_use"]
                let keep = wantsGeometry(aUse, bUse)
                var planar: Double = a["planar_area_m2"], ellipsoidal: Double = a["ellipsoidal_area_m2"]
                var piece: Geometry? = nil
                if aFid == bFid {
                    if keep { piece = bGeometry }
                } else {
                    let met = try a.withUnsafeData(named: "geom") { blob -> BlobPiece in
                        guard let blob else { return .none }
                        return try blob.withUnsafeBytes { try clipper.piece(of: prepared, geoPackageBlob: $0) }
                    }
                    switch met {
                    case .none: continue
                    case .inside:
                        if keep { piece = try decodeGeometry(a["geom"]) }
                    case .piece(let clipped):
                        planar = clipped.planarArea
                        ellipsoidal = try areas.ellipsoidalArea(clipped)
                        if keep { piece = clipped }
                    }
                }
                try visit(
                    SurveyOverlayPiece(
                        fromFid: aFid, toFid: bFid, fromLandUse: aUse, toLandUse: bUse, toCode: bCode,
                        village: village, planarAreaM2: planar, ellipsoidalAreaM2: ellipsoidal, geometry: piece))
            }
        }
    }

    /// Land-use code prefixes and their farmland-ledger class (landuse_balance_classes), longest prefix first.
    public func landUseBalanceClasses() throws -> [(prefix: String, balanceClass: String)] {
        try dbQueue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT code, class FROM landuse_balance_classes ORDER BY length(code) DESC, code"
            ).map { ($0["code"], $0["class"]) }
        }
    }

    /// Every live approval (批文, any kind) as a reported polygon dated by its approval date.
    public func approvalsAsReportedPolygons() throws -> [ReportedPolygon] {
        try dbQueue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT code, approval_date, geom FROM approvals WHERE retired_at IS NULL ORDER BY fid"
            ).map {
                ReportedPolygon(
                    kind: "approval", code: $0["code"], date: $0["approval_date"],
                    geometry: try decodeGeometry($0["geom"]))
            }
        }
    }

    /// Every live violation spot as a reported polygon (any status; date nil: a spot counts whatever its date).
    public func spotsAsReportedPolygons() throws -> [ReportedPolygon] {
        try dbQueue.read { db in
            try Row.fetchAll(db, sql: "SELECT code, geom FROM spots WHERE retired_at IS NULL ORDER BY fid").map {
                ReportedPolygon(kind: "spot", code: $0["code"], date: nil, geometry: try decodeGeometry($0["geom"]))
            }
        }
    }
}

/// The live village zone a parcel overlaps most (villages are few and large: each prepared once).
private final class VillageLookup {
    private let zones: [(code: String, geometry: Geometry, envelope: Envelope)]
    private var prepared: [Int: PreparedGeometry] = [:]

    init(_ db: Database) throws {
        zones = try Row.fetchAll(
            db, sql: "SELECT code, geom FROM zones WHERE kind = 'village' AND retired_at IS NULL ORDER BY code"
        ).compactMap { row in
            let g = try decodeGeometry(row["geom"])
            return g.envelope.map { (row["code"], g, $0) }
        }
    }

    func village(of g: Geometry, prepared parcel: PreparedGeometry, geos: GEOSContext) throws -> String? {
        guard let e = g.envelope else { return nil }
        var best: (code: String, area: Double)? = nil
        for (i, z) in zones.enumerated() where z.envelope.intersects(e) {
            let zone = try prepared[i] ?? geos.prepare(z.geometry)
            prepared[i] = zone
            if try zone.contains(g) { return z.code }
            let shared = try parcel.intersectionArea(with: z.geometry)
            if shared > 0, shared > (best?.area ?? 0) { best = (z.code, shared) }
        }
        return best?.code
    }
}
