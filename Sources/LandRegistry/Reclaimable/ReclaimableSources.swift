import Foundation
import GRDB
import LandGeometry

// MARK: - What can be won back: the records behind the reclaimable-area report (issue 5)
//
// farmland   — spots judged illegal, not yet rectified or closed (status illegal or rectifying), whose measure
//              restores land (rectification_measures.restores_land: demolish-restore, mixed): spot ∩ farmland
//              parcels, clipped with the same code as the spot import's farmland overlay;
// industrial — sites at stage assessed, planned or implementing whose mode is acquisition-storage, recovery or
//              re-greening: the site's geometry;
// capacity   — sites in mode capacity-increase at an open stage: planned FAR, land and floor area.
// As of a date, states come from the audit log (StateAsOf.swift); without one, from the current rows.

/// A spot whose farmland is to be restored.
public struct ReclaimableSpot: Sendable {
    public let code: String
    /// Spot ∩ farmland parcels, in the store CRS (may be empty when the spot covers no farmland).
    public let farmland: Geometry
    /// Reported recultivated area, m² (0 when none reported).
    public let recultivatedM2: Double
}

/// A site whose land is to be won back.
public struct ReclaimableSite: Sendable {
    public let code: String
    public let mode: String
    public let geometry: Geometry
    public let disposedM2: Double
}

/// A capacity-increase site: floor area that can still be added.
public struct CapacityIncreaseSite: Sendable {
    public let code: String
    public let plannedFAR: Double
    public let landAreaM2: Double
    public let floorAreaM2: Double
}

public struct ReclaimableRecords: Sendable {
    public let spots: [ReclaimableSpot]
    public let sites: [ReclaimableSite]
    public let capacitySites: [CapacityIncreaseSite]
}

extension Registry {
    /// Site modes whose land the office takes back.
    public static let reclaimingSiteModes: Set<String> = ["acquisition-storage", "recovery", "re-greening"]
    /// Site stages at which that land is still to be won.
    public static let reclaimingSiteStages: Set<String> = ["assessed", "planned", "implementing"]

    /// The spots and sites that make up reclaimable land, as of `asOf` (YYYY-MM-DD) or now.
    public func reclaimableRecords(asOf: String? = nil) throws -> ReclaimableRecords {
        try dbQueue.read { db in
            let spots = try reclaimableSpots(db, asOf: asOf)
            let (sites, capacity) = try reclaimableSites(db, asOf: asOf)
            return ReclaimableRecords(spots: spots, sites: sites, capacitySites: capacity)
        }
    }

    private func reclaimableSpots(_ db: Database, asOf: String?) throws -> [ReclaimableSpot] {
        let restoring = Set(
            try String.fetchAll(db, sql: "SELECT code FROM rectification_measures WHERE restores_land = 1"))
        let statesThen: [Int64: SpotStateAsOf]? = try asOf.map { try spotStates(db, asOf: $0) }
        let overlay = try FarmlandOverlayCalculator(db: db, storeCRS: storeCRS)
        var spots: [ReclaimableSpot] = []
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT fid, code, geom, status, judgement, basis, approval_doc, measure, deadline, restored_m2,
                       recultivated_m2, remaining_m2, closed_doc FROM spots
                WHERE retired_at IS NULL ORDER BY code
                """)
        while let row = try rows.next() {
            let spot = try UnreadableRow.decode(row, as: SpotSource.self, file: path, table: "spots")
            guard
                let state = try Self.stateThenOrNow(
                    statesThen, fid: spot.fid,
                    now: {
                        try UnreadableRow.decode(row, as: SpotStateAsOf.self, file: path, table: "spots")
                    })
            else { continue }
            guard state.judgement == .illegal, state.status == .illegal || state.status == .rectifying,
                let measure = state.measure, restoring.contains(measure)
            else { continue }
            let geometry = try decodeGeometry(spot.geom)
            guard let envelope = geometry.envelope else { continue }
            let farmland = try overlay.farmland(of: try overlay.prepare(geometry), envelope: envelope)
            spots.append(
                ReclaimableSpot(code: spot.code, farmland: farmland, recultivatedM2: state.recultivatedM2 ?? 0))
        }
        return spots
    }

    private func reclaimableSites(_ db: Database, asOf: String?) throws -> ([ReclaimableSite], [CapacityIncreaseSite]) {
        let statesThen: [Int64: SiteStateAsOf]? = try asOf.map { try siteStates(db, asOf: $0) }
        var sites: [ReclaimableSite] = []
        var capacity: [CapacityIncreaseSite] = []
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT fid, code, geom, stage, mode, disposed_m2, planned_far, floor_area_m2, ellipsoidal_area_m2 FROM sites
                WHERE retired_at IS NULL ORDER BY code
                """)
        while let row = try rows.next() {
            let site = try UnreadableRow.decode(row, as: SiteSource.self, file: path, table: "sites")
            guard
                let state = Self.stateThenOrNow(
                    statesThen, fid: site.fid,
                    now: {
                        SiteStateAsOf(stage: site.stage, mode: site.mode, disposedM2: site.disposedM2)
                    })
            else { continue }
            guard let mode = state.mode else { continue }
            if Self.reclaimingSiteModes.contains(mode) && Self.reclaimingSiteStages.contains(state.stage) {
                sites.append(
                    ReclaimableSite(
                        code: site.code, mode: mode, geometry: try decodeGeometry(site.geom),
                        disposedM2: state.disposedM2))
            }
            let open = state.stage != "completed" && state.stage != "cancelled"
            if mode == "capacity-increase", open, let far = site.plannedFAR {
                capacity.append(
                    CapacityIncreaseSite(
                        code: site.code, plannedFAR: far, landAreaM2: site.ellipsoidalAreaM2,
                        floorAreaM2: site.floorAreaM2 ?? 0))
            }
        }
        return (sites, capacity)
    }
}

// The columns of a spot and of a site the reclaimable sources read, with the geometry blob (records rather than
// row subscripts: a NULL where landreg always writes a value is an `UnreadableRow`, not a trap).

private struct SpotSource: Decodable, FetchableRecord {
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    var fid: Int64
    var code: String
    var geom: Data
}

private struct SiteSource: Decodable, FetchableRecord {
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    var fid: Int64
    var code: String
    var geom: Data
    var stage: String
    var mode: String?
    var disposedM2: Double
    var plannedFAR: Double?
    var floorAreaM2: Double?
    var ellipsoidalAreaM2: Double
}
