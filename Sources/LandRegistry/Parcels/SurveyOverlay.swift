import Foundation
import GRDB
import LandGeometry

// MARK: - The overlay of two survey versions
//
// Not matched by code, but not blind either: a row live in both versions is the same polygon in both, so it meets
// itself at its whole stored area (no GEOS) and meets no other row live in both (a version is a partition of the
// subdistrict: an overlap between two such rows is there in both versions and is not a change, so it is not
// counted). GEOS is needed only around what changed, in two passes: every row new in the later version against the
// earlier version's rows its R*Tree box meets, and every row gone by the later version against the later rows that
// were in both. A change survey touches a few per cent of a district, so most of the work is one scan of stored
// areas; a survey that replaced everything costs what overlaying every pair costs.
//
// Candidates are read by R*Tree and clipped by GEOS straight from their blobs (BlobOverlay); a candidate inside the
// driving row counts its stored areas; only other pieces are measured (planar, and ellipsoidal on CGCS2000). Pieces
// of 0 area (neighbours touching along an edge) are dropped. Memory holds one row's neighbourhood, never a layer.

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

/// Which pieces of the overlay carry their later parcel's village.
public enum OverlayVillages: Sendable {
    case none
    /// Every piece (reports grouped by village).
    case every
    /// Only the pieces `wantsGeometry` keeps (a village per listed polygon).
    case keptPieces
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

/// The three kinds of rows that drive the overlay; each SQL condition takes (tFrom, tTo) as `?` in the order given.
private enum OverlayPass: CaseIterable {
    /// Rows live in both versions: each is its own piece.
    case inBoth
    /// Rows of the later version created after the earlier one: clipped against the earlier version.
    case newLater
    /// Rows of the earlier version retired by the later one: clipped against the rows in both.
    case goneEarlier

    var driverSQL: String {
        switch self {
        case .inBoth: return "created_at <= ?1 AND (retired_at IS NULL OR retired_at > ?2)"
        case .newLater: return "created_at > ?1 AND created_at <= ?2 AND (retired_at IS NULL OR retired_at > ?2)"
        case .goneEarlier: return "created_at <= ?1 AND retired_at > ?1 AND retired_at <= ?2"
        }
    }

    /// The candidates a driving row meets (alias p), or nil when it meets none but itself.
    var candidateSQL: String? {
        switch self {
        case .inBoth: return nil
        case .newLater: return "p.created_at <= ?1 AND (p.retired_at IS NULL OR p.retired_at > ?1)"
        case .goneEarlier: return "p.created_at <= ?1 AND (p.retired_at IS NULL OR p.retired_at > ?2)"
        }
    }
}

extension Registry {
    /// Visits every piece of the overlay of survey versions `from` and `to` (years). The driving rows of each pass
    /// are cut into chunks of fids (about `chunkRows` rows each), overlaid on worker threads, each with its own
    /// read-only connection, GEOS and PROJ. `visit` is called on one thread at a time, chunk after chunk in pass
    /// and fid order — the same order on every run and every machine, so that sums over the pieces come out the
    /// same to the last digit (a worker holds its chunk's pieces until the chunks before it are visited).
    /// - Parameter wantsGeometry: whether a piece between these land uses keeps its geometry (called on the
    ///   workers: it must only read).
    /// - Throws: `NotFound` for a year the store has no version of; the first error a worker met.
    public func surveyOverlay(
        from: Int, to: Int, villages: OverlayVillages, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        chunkRows: Int = 4096,
        wantsGeometry: @escaping (_ fromLandUse: String?, _ toLandUse: String?) -> Bool = { _, _ in false },
        _ visit: (SurveyOverlayPiece) throws -> Void
    ) throws {
        let (tFrom, tTo, chunks) = try dbQueue.read { db in
            let tFrom = try SurveyVersion.moment(db, year: from), tTo = try SurveyVersion.moment(db, year: to)
            var chunks: [(OverlayPass, ClosedRange<Int64>)] = []
            for pass in OverlayPass.allCases {
                guard
                    let r = try Row.fetchOne(
                        db, sql: "SELECT min(fid), max(fid), count(*) FROM parcels WHERE \(pass.driverSQL)",
                        arguments: [tFrom, tTo]),
                    let lo: Int64 = r[0], let hi: Int64 = r[1]
                else { continue }
                // Fid spans of about chunkRows driving rows (fids of one version are interleaved with others').
                let count: Int64 = r[2]
                let span = max(1, (hi - lo + 1) * Int64(max(1, chunkRows)) / max(1, count))
                var start = lo
                while start <= hi {
                    chunks.append((pass, start...min(hi, start + span - 1)))
                    start += span
                }
            }
            return (tFrom, tTo, chunks)
        }
        let storeCRS = self.storeCRS, file = self.databaseFile
        // A store with no file of its own (a PostGIS store's snapshot, in memory) is overlaid on one thread, through
        // its own connection: the same chunks in the same order, so the same sums.
        let ownConnections = FileManager.default.fileExists(atPath: file)
        let shared = ownConnections ? nil : dbQueue
        // Shared by the workers, under `turn`: the next chunk to take, the next to visit, the first error.
        final class Progress: @unchecked Sendable {
            let turn = NSCondition()
            var nextToTake = 0, nextToVisit = 0
            var error: Error?
        }
        let progress = Progress()
        withoutActuallyEscaping(visit) { visit in
            let sharedVisit = Unchecked(visit)
            let wants = Unchecked(wantsGeometry)
            DispatchQueue.concurrentPerform(iterations: max(1, min(ownConnections ? workers : 1, chunks.count))) { _ in
                do {
                    let reader =
                        try shared ?? DatabaseQueue(path: file, configuration: Registry.configuration(readonly: true))
                    try reader.read { db in
                        let run = try OverlayRun(
                            db, tFrom: tFrom, tTo: tTo, villages: villages, storeCRS: storeCRS, wants: wants.value)
                        while true {
                            progress.turn.lock()
                            let k = progress.nextToTake
                            progress.nextToTake += 1
                            let stop = progress.error != nil || k >= chunks.count
                            progress.turn.unlock()
                            if stop { return }
                            var pieces: [SurveyOverlayPiece] = []
                            try run.drive(chunks[k].0, fids: chunks[k].1) { pieces.append($0) }
                            // Chunks are taken in order, so the one this waits for is being worked on.
                            progress.turn.lock()
                            defer { progress.turn.unlock() }
                            while progress.nextToVisit != k && progress.error == nil { progress.turn.wait() }
                            if progress.error != nil { return }
                            do {
                                for piece in pieces { try sharedVisit.value(piece) }
                            } catch {
                                progress.error = error
                            }
                            progress.nextToVisit += 1
                            progress.turn.broadcast()
                        }
                    }
                } catch {
                    progress.turn.lock()
                    if progress.error == nil { progress.error = error }
                    progress.turn.broadcast()
                    progress.turn.unlock()
                }
            }
        }
        if let e = progress.error { throw e }
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

/// One worker's overlay: its connection's statements, GEOS, PROJ and village look-up.
private final class OverlayRun {
    private let db: Database
    private let tFrom: String, tTo: String
    private let villages: OverlayVillages
    private let wants: (String?, String?) -> Bool
    private let geos = GEOSContext()
    private let areas: AreaCalculator
    private let clipper: BlobOverlay
    private let villageOf: VillageLookup?
    /// The village of a later row met as a candidate (pass goneEarlier), by fid.
    private var candidateVillage: [Int64: String?] = [:]

    init(
        _ db: Database, tFrom: String, tTo: String, villages: OverlayVillages, storeCRS: CRS,
        wants: @escaping (String?, String?) -> Bool
    ) throws {
        self.db = db; self.tFrom = tFrom; self.tTo = tTo; self.villages = villages; self.wants = wants
        areas = try AreaCalculator(crs: storeCRS)
        clipper = try BlobOverlay(context: geos)
        villageOf = villages == .none ? nil : try VillageLookup(db)
    }

    private func needsVillage(_ fromUse: String?, _ toUse: String?) -> Bool {
        switch villages {
        case .none: return false
        case .every: return true
        case .keptPieces: return wants(fromUse, toUse)
        }
    }

    private func village(of g: Geometry, prepared: PreparedGeometry? = nil) throws -> String? {
        try villageOf?.village(of: g, prepared: prepared ?? geos.prepare(g), geos: geos)
    }

    func drive(_ pass: OverlayPass, fids: ClosedRange<Int64>, _ visit: (SurveyOverlayPiece) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT fid, code, land_use, planar_area_m2, ellipsoidal_area_m2, geom FROM parcels
                WHERE fid BETWEEN ?3 AND ?4 AND \(pass.driverSQL) ORDER BY fid
                """, arguments: [tFrom, tTo, fids.lowerBound, fids.upperBound])
        guard let candidateSQL = pass.candidateSQL else {
            while let r = try rows.next() {
                let use: String? = r["land_use"]
                let keep = wants(use, use), withVillage = needsVillage(use, use)
                let g = keep || withVillage ? try decodeGeometry(r["geom"]) : nil
                try visit(
                    SurveyOverlayPiece(
                        fromFid: r["fid"], toFid: r["fid"], fromLandUse: use, toLandUse: use, toCode: r["code"],
                        village: try withVillage ? g.flatMap { try village(of: $0) } : nil,
                        planarAreaM2: r["planar_area_m2"], ellipsoidalAreaM2: r["ellipsoidal_area_m2"],
                        geometry: keep ? g : nil))
            }
            return
        }
        let candidates = try db.makeStatement(
            sql: """
                SELECT p.fid, p.code, p.geom, p.land_use, p.planar_area_m2, p.ellipsoidal_area_m2
                FROM rtree_parcels_geom r JOIN parcels p ON p.fid = r.id
                WHERE r.minx <= ?3 AND r.maxx >= ?4 AND r.miny <= ?5 AND r.maxy >= ?6 AND \(candidateSQL)
                """)
        let driverIsLater = pass == .newLater
        while let d = try rows.next() {
            let dFid: Int64 = d["fid"], dUse: String? = d["land_use"]
            let dGeometry = try decodeGeometry(d["geom"])
            guard let e = dGeometry.envelope else { continue }
            let prepared = try geos.prepare(dGeometry)
            // A new later row's village, looked up once (new rows are the few that changed).
            let dVillage = driverIsLater && villages != .none ? try village(of: dGeometry, prepared: prepared) : nil
            for c in try Row.fetchAll(candidates, arguments: [tFrom, tTo, e.maxX, e.minX, e.maxY, e.minY]) {
                let cFid: Int64 = c["fid"], cUse: String? = c["land_use"]
                let (fromUse, toUse) = driverIsLater ? (cUse, dUse) : (dUse, cUse)
                let keep = wants(fromUse, toUse)
                var planar: Double = c["planar_area_m2"], ellipsoidal: Double = c["ellipsoidal_area_m2"]
                var piece: Geometry? = nil
                let met = try c.withUnsafeData(named: "geom") { blob -> BlobPiece in
                    guard let blob else { return .none }
                    return try blob.withUnsafeBytes { try clipper.piece(of: prepared, geoPackageBlob: $0) }
                }
                switch met {
                case .none: continue
                case .inside:
                    if keep { piece = try decodeGeometry(c["geom"]) }
                case .piece(let clipped):
                    planar = clipped.planarArea
                    ellipsoidal = try areas.ellipsoidalArea(clipped)
                    if keep { piece = clipped }
                }
                // The piece's village is its later parcel's: the driver's, or (pass goneEarlier) the candidate's.
                var pieceVillage: String? = nil
                if needsVillage(fromUse, toUse) {
                    if driverIsLater {
                        pieceVillage = dVillage
                    } else if let known = candidateVillage[cFid] {
                        pieceVillage = known
                    } else {
                        pieceVillage = try village(of: decodeGeometry(c["geom"]))
                        candidateVillage[cFid] = pieceVillage
                    }
                }
                try visit(
                    SurveyOverlayPiece(
                        fromFid: driverIsLater ? cFid : dFid, toFid: driverIsLater ? dFid : cFid,
                        fromLandUse: fromUse, toLandUse: toUse, toCode: driverIsLater ? d["code"] : c["code"],
                        village: pieceVillage, planarAreaM2: planar, ellipsoidalAreaM2: ellipsoidal, geometry: piece))
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
