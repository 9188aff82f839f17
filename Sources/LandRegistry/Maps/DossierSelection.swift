import Foundation
import GRDB
import LandGeometry

// MARK: - What a spot dossier holds
//
// `landreg dossier spots` prints one A4 page per spot after a cover page. It reads in two steps so memory does not
// grow with the number of spots: the selection (one pass over the spots' rows, keeping only their codes and the
// cover's totals), then one spot at a time as its page is drawn (its row, its events, their evidence).
// With an as-of day every spot is taken as it stood then (the replay of the as-of reports, StateAsOf.swift): its
// lifecycle columns, whether it existed, whether it was overdue; its history stops at that day.
//
// Evidence is what the spot's events carry (file path and SHA-256, recorded when the step was taken) and the
// spot's field photos (`spots evidence add`, Related Tables media): the page lists every photo and shows the first
// `DossierSpot.photosShown`, whose bytes alone are read (a page holds at most that many photos in memory).

/// Which spots a dossier is of.
public enum DossierSelector: Sendable {
    /// These codes, in this order (each must be a live spot).
    case codes([String])
    /// The live spots a `spots list` filter keeps, by batch and code.
    case filter(SpotFilter)
}

/// The cover page's figures: the selection's counts and areas (ellipsoidal, m²; pages convert to 亩).
public struct DossierSummary: Codable, Sendable {
    public struct StatusCount: Codable, Sendable {
        public let status: SpotStatus
        public var spots: Int
        public var areaM2: Double
    }
    public var spots = 0
    /// Every status, in lifecycle order (zero counts included, so the cover's table has a fixed shape).
    public var byStatus: [StatusCount] = SpotStatus.allCases.map { StatusCount(status: $0, spots: 0, areaM2: 0) }
    public var areaM2 = 0.0
    public var farmlandM2 = 0.0
    public var basicFarmlandM2 = 0.0
    /// Σ area still to rectify (`Spot.unrectifiedAreaM2`, the rectification report's remaining area).
    public var remainingM2 = 0.0
    /// Illegal or rectifying past the deadline on `stateDay`.
    public var overdue = 0
    /// The day statuses and overdue are judged on (the as-of day, else today).
    public var stateDay: String
    /// The as-of day, when the dossier shows the spots as they stood then.
    public var asOf: String?

    mutating func add(_ spot: Spot) {
        spots += 1
        areaM2 += spot.ellipsoidalAreaM2
        farmlandM2 += spot.farmlandAreaM2
        basicFarmlandM2 += spot.basicFarmlandAreaM2
        remainingM2 += spot.unrectifiedAreaM2
        if spot.isOverdue(asOf: stateDay) { overdue += 1 }
        let i = SpotStatus.allCases.firstIndex(of: spot.status)!
        byStatus[i].spots += 1
        byStatus[i].areaM2 += spot.ellipsoidalAreaM2
    }
}

/// The spots of a dossier: their codes in page order, the cover's totals, and the as-of states pages read.
public struct DossierSelection: Sendable {
    public let codes: [String]
    public let summary: DossierSummary
    /// The lifecycle state of every spot on the as-of day (nil: as they are now).
    let statesThen: [Int64: SpotStateAsOf]?
}

/// A file that backs a step of the spot's lifecycle.
public struct DossierEvidence: Codable, Sendable {
    /// As recorded (relative to the store's evidence folder when it was copied there).
    public let path: String
    public let sha256: String
    /// The event that recorded it: its id, action and effective day.
    public let eventID: Int64?
    public let action: EventAction
    public let effectiveDate: String
}

/// One dossier page's data: the spot (as it stood on the as-of day), its events oldest first, their evidence.
public struct DossierSpot: Sendable {
    /// How many photos a page shows (the rest are listed).
    public static let photosShown = 3

    public let spot: Spot
    public let events: [Event]
    public let evidence: [DossierEvidence]
    /// The spot's photos added up to the as-of day, oldest first.
    public let photos: [SpotPhoto]
    /// The JPEG bytes of the first `photosShown` photos, checked against their SHA-256.
    public let shownPhotoBytes: [Data]
    public let overdue: Bool
}

extension Registry {
    /// The dossier's spots and the cover's figures, in one pass over the spot rows.
    /// - Throws: `NotFound` naming an unknown code (or a spot not yet detected on the as-of day), or the zone of
    ///   a filter; `DossierSelectionError.empty` when nothing is selected.
    public func dossierSelection(_ selector: DossierSelector, asOf: String?) throws -> DossierSelection {
        try dbQueue.read { db in
            let statesThen = try asOf.map { try spotStates(db, asOf: $0) }
            var summary = DossierSummary(stateDay: asOf ?? Clock.today(), asOf: asOf)
            var codes: [String] = []
            switch selector {
            case .codes(let wanted):
                var seen = Set<String>()
                for code in wanted where seen.insert(code).inserted {
                    guard let now = try Spot.all().live().code(code).fetchOne(db) else {
                        throw NotFound(what: "live spot", code: code)
                    }
                    guard let spot = Self.spot(now, then: statesThen) else {
                        throw NotFound(
                            what:
                                "spot existing on \(asOf ?? "") (detected \(now.detectedDate ?? now.createdAt.prefix(10).description))",
                            code: code)
                    }
                    summary.add(spot)
                    codes.append(code)
                }
            case .filter(let filter):
                if let zone = filter.zoneCode, try Zone.all().live().code(zone).isEmpty(db) {
                    throw NotFound(what: "live zone", code: zone)
                }
                var request = Spot.all().live()
                if let batch = filter.batch { request = request.filter(Spot.Columns.batch == batch) }
                if let zone = filter.zoneCode {
                    request = request.filter(
                        literal: "EXISTS (SELECT 1 FROM json_each(\(Spot.Columns.zoneCodes)) WHERE value = \(zone))")
                }
                // Status and overdue are judged on the spot as it stood on the day, so they filter after the replay.
                let cursor = try request.order(Spot.Columns.batch, Spot.Columns.code).fetchCursor(db)
                while let now = try cursor.next() {
                    guard let spot = Self.spot(now, then: statesThen) else { continue }
                    if let status = filter.status, spot.status != status { continue }
                    if filter.overdue, !spot.isOverdue(asOf: summary.stateDay) { continue }
                    summary.add(spot)
                    codes.append(spot.code)
                }
            }
            guard !codes.isEmpty else { throw DossierSelectionError.empty(selector, asOf: asOf) }
            return DossierSelection(codes: codes, summary: summary, statesThen: statesThen)
        }
    }

    /// One page's data: the spot with this code as the selection sees it, its events (up to the as-of day) and
    /// their evidence. - Throws: `NotFound` when the spot is no longer live.
    public func dossierSpot(code: String, in selection: DossierSelection) throws -> DossierSpot {
        try dbQueue.read { db in
            guard let now = try Spot.all().live().code(code).fetchOne(db),
                let spot = Self.spot(now, then: selection.statesThen)
            else { throw NotFound(what: "live spot", code: code) }
            var events = try Event.filter(Column("entity") == EventEntity.spot && Column("entity_code") == code)
                .order(Column("id")).fetchAll(db)
            if let day = selection.summary.asOf { events = events.filter { $0.effectiveDate <= day } }
            let evidence = events.compactMap { e in
                e.evidencePath.map {
                    DossierEvidence(
                        path: $0, sha256: e.evidenceSHA256 ?? "", eventID: e.id, action: e.action,
                        effectiveDate: e.effectiveDate)
                }
            }
            // A photo belongs to the dossier of a day from its evidence event's effective date on.
            let photoEvents = Set(events.filter { $0.action == .evidence }.compactMap(\.id))
            let photos = try Self.spotPhotos(db, code: code, file: path).filter { photoEvents.contains($0.eventID) }
            let shown = try photos.prefix(DossierSpot.photosShown).map { try Self.spotPhotoBytes(db, $0, file: path) }
            return DossierSpot(
                spot: spot, events: events, evidence: evidence, photos: photos, shownPhotoBytes: shown,
                overdue: spot.isOverdue(asOf: selection.summary.stateDay))
        }
    }

    /// The spot as it stood then (nil: it did not exist then), or as it is.
    private static func spot(_ now: Spot, then states: [Int64: SpotStateAsOf]?) -> Spot? {
        guard let states else { return now }
        return states[now.fid].map(now.asItStood)
    }
}

/// A dossier with no page.
public enum DossierSelectionError: Error, LocalizedError {
    case empty(DossierSelector, asOf: String?)

    public var errorDescription: String? {
        guard case .empty(let selector, let asOf) = self else { return nil }
        var what: [String] = []
        if case .filter(let f) = selector {
            if let b = f.batch { what.append("batch \(b)") }
            if let s = f.status { what.append("status \(s.rawValue)") }
            if f.overdue { what.append("overdue on \(f.asOf)") }
            if let z = f.zoneCode { what.append("zone \(z)") }
        }
        let filter = what.isEmpty ? "" : " with " + what.joined(separator: ", ")
        let day = asOf.map { " on \($0)" } ?? ""
        return "no live spot\(filter)\(day): the dossier would be empty (nothing was written)"
    }
}

extension SpotStatus {
    /// The status as the store's spots style labels it ("整改中 rectifying"): the words maps and dossiers print.
    public var label: String { StyleTables.spotStatus(self).label }
}
