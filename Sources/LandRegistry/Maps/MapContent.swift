import Foundation
import GRDB
import LandGeometry

// MARK: - What a map picture of the store shows
//
// `landreg map` draws in two reads: the subject (a spot, a site, a zone, a batch's spots, the whole district) gives
// the area to frame; once the picture's frame is fitted around it, every live parcel, zone, spot and site that
// meets the frame (R*Tree, then GEOS for those across its edge) is read with the legend class it is drawn in. The classes are the store's default
// QGIS styles (DefaultStyles, built from StyleTables), so a map picture and the store opened in QGIS agree.
// Spots and sites are drawn as they stood on the as-of day (the same replay as the as-of reports); a spot's
// farmland is spot ∩ live farmland parcels, the same overlay (and farmland definition) the spot import measures.

/// What a map is of.
public enum MapSubject: Sendable, Equatable {
    case spot(String), site(String), zone(String), batch(String), district
}

/// The layers a map draws, bottom to top.
public enum MapLayer: String, Sendable, CaseIterable {
    case parcels, sites, spots, farmland, zones, subject
}

/// One legend entry: a class of a layer's style, drawn with its symbol.
public struct MapLegendClass: Sendable, Hashable {
    public let layer: MapLayer
    public let label: String
    public let symbol: FillSymbol
    /// Position among the layer's classes (the style's order; legends list classes in it).
    public let order: Int
}

/// A feature to draw, in the store CRS.
public struct MapFeature: Sendable {
    public let code: String
    public let geometry: Geometry
    public let envelope: Envelope
    public let legend: MapLegendClass
    /// A second symbol drawn over the first (a spot overdue on the as-of day).
    public let mark: MapLegendClass?
}

/// The area a map frames and what it calls it.
public struct MapFraming: Sendable {
    public let subject: MapSubject
    /// The title line, in the office's words ("违法图斑 …").
    public let title: String
    /// The subject's bounding box, in the store CRS.
    public let envelope: Envelope
    /// The outlines drawn as the subject (a spot, a site, a zone, a batch's spots; none for the district).
    public let outlines: [Geometry]
}

/// Everything drawn in one frame.
public struct MapContent: Sendable {
    public var parcels: [MapFeature] = []
    public var zones: [MapFeature] = []
    public var spots: [MapFeature] = []
    public var sites: [MapFeature] = []
    /// Spot ∩ farmland of the spots drawn, hatched.
    public var farmland: [Geometry] = []
}

/// The map's own symbols (not layers of the store, so not in DefaultStyles): local choices.
public enum MapSymbols {
    /// The subject's outline: cyan, a colour no class of the default styles uses, so it stands out on any of them.
    public static let subject = MapLegendClass(
        layer: .subject, label: "制图对象 subject",
        symbol: FillSymbol(fill: nil, outline: RGB(0, 229, 255), outlineWidthMM: 1.0), order: 0)
    /// Spot ∩ farmland: dark green hatching over the spot's fill.
    public static let farmland = MapLegendClass(
        layer: .farmland, label: "图斑占用耕地 spot ∩ farmland",
        symbol: FillSymbol(fill: RGB(0, 100, 30), outline: RGB(0, 100, 30), outlineWidthMM: 0.2), order: 0)
}

/// Spots and sites as they stood on a day: the replay a map of that day reads, made once for the many maps of a
/// dossier (each map would otherwise replay the whole log).
public struct MapStatesAsOf: Sendable {
    public let day: String
    let spots: [Int64: SpotStateAsOf]
    let sites: [Int64: SiteStateAsOf]
}

extension Registry {
    /// The replay of spots and sites as they stood on `day`, for `mapFraming` and `mapContent`.
    public func mapStates(asOf day: String) throws -> MapStatesAsOf {
        try dbQueue.read { db in
            MapStatesAsOf(day: day, spots: try spotStates(db, asOf: day), sites: try siteStates(db, asOf: day))
        }
    }

    /// The subject's framing. `asOf`: a spot must have existed on that day (`states`: that day's replay, if made).
    /// - Throws: `NotFound` naming the code (or batch) when there is no such live record.
    public func mapFraming(_ subject: MapSubject, asOf: String?, states: MapStatesAsOf? = nil) throws -> MapFraming {
        try dbQueue.read { db in
            switch subject {
            case .spot(let code):
                guard
                    let spot = try Spot.all().live().code(code).fetchOne(db),
                    let g = try liveGeometry(db, table: "spots", code: code)
                else { throw NotFound(what: "live spot", code: code) }
                var status = spot.status
                if let asOf {
                    guard let then = try (states?.spots ?? spotStates(db, asOf: asOf))[spot.fid] else {
                        throw NotFound(
                            what:
                                "spot existing on \(asOf) (it was detected on \(spot.detectedDate ?? spot.createdAt.prefix(10).description))",
                            code: code)
                    }
                    status = then.status
                }
                return try framing(
                    subject, title: "违法图斑 \(code) · 批次 \(spot.batch) · \(StyleTables.spotStatus(status).label)", [g])
            case .site(let code):
                guard
                    let site = try Site.withHolderName().live().code(code).fetchOneNamingBadRow(db, file: path),
                    let g = try liveGeometry(db, table: "sites", code: code)
                else { throw NotFound(what: "live site", code: code) }
                return try framing(subject, title: "二次开发地块 \(code)" + (site.name.map { " \($0)" } ?? ""), [g])
            case .zone(let code):
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT kind, name FROM zones WHERE code = ? AND retired_at IS NULL ORDER BY fid",
                        arguments: [code]),
                    let g = try liveGeometry(db, table: "zones", code: code)
                else { throw NotFound(what: "live zone", code: code) }
                let kind =
                    ZoneKind(rawValue: row["kind"]).map { StyleTables.zoneKind($0).label } ?? (row["kind"] as String)
                let name: String? = row["name"]
                return try framing(subject, title: "\(kind) \(code)" + (name.map { " \($0)" } ?? ""), [g])
            case .batch(let batch):
                let rows = try Row.fetchAll(
                    db, sql: "SELECT geom FROM spots WHERE batch = ? AND retired_at IS NULL ORDER BY code",
                    arguments: [batch])
                guard !rows.isEmpty else { throw NotFound(what: "live spot", code: batch, place: "in batch \(batch)") }
                let outlines = try rows.map { row -> Geometry in try decodeGeometry(row["geom"]) }
                return try framing(subject, title: "监测批次 \(batch) · 违法图斑 \(outlines.count) 个", outlines)
            case .district:
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT min(r.minx) AS minx, min(r.miny) AS miny, max(r.maxx) AS maxx, max(r.maxy) AS maxy, count(*) AS n
                            FROM rtree_parcels_geom r JOIN parcels p ON p.fid = r.id WHERE p.retired_at IS NULL
                            """), let minX: Double = row["minx"]
                else {
                    throw NotFound(what: "live parcel", code: "district", place: "in the store (import parcels first)")
                }
                let n: Int = row["n"]
                return MapFraming(
                    subject: subject, title: "全域地块 · \(n) 个地块",
                    envelope: Envelope(minX: minX, minY: row["miny"], maxX: row["maxx"], maxY: row["maxy"]),
                    outlines: [])
            }
        }
    }

    private func framing(_ subject: MapSubject, title: String, _ outlines: [Geometry]) throws -> MapFraming {
        var e = Envelope.empty
        for g in outlines { if let ge = g.envelope { e.include(ge) } }
        guard !e.isEmpty else { throw GeometryInputError("the subject's geometry is empty") }
        return MapFraming(subject: subject, title: title, envelope: e, outlines: outlines)
    }

    /// The live features that meet `frame` (store CRS), each with its legend class; spots and sites
    /// as they stood on `asOf` (nil: as they are now), spots overdue on `asOf` (default today) marked. `states`:
    /// that day's replay when the caller made it (`mapStates(asOf:)`).
    public func mapContent(in frame: Envelope, asOf: String?, states: MapStatesAsOf? = nil) throws -> MapContent {
        try dbQueue.read { db in
            let box: StatementArguments = [frame.maxX, frame.minX, frame.maxY, frame.minY]
            func rows(_ table: String, _ columns: String) throws -> RowCursor {
                try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT \(columns), t.geom FROM rtree_\(table)_geom r JOIN \(table) t ON t.fid = r.id
                        WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? AND t.retired_at IS NULL
                        ORDER BY t.fid
                        """, arguments: box)
            }
            // A box meeting the frame is not yet a shape in it: those across the frame's edge are tested.
            let geos = GEOSContext()
            let frameShape = Geometry.polygon(Polygon(exterior: frame.ring))
            func feature(_ row: Row, code: String, _ legend: MapLegendClass, mark: MapLegendClass? = nil) throws
                -> MapFeature?
            {
                let g = try decodeGeometry(row["geom"])
                guard let e = g.envelope else { return nil }
                let inside =
                    e.minX >= frame.minX && e.maxX <= frame.maxX && e.minY >= frame.minY && e.maxY <= frame.maxY
                guard try inside || geos.intersects(g, frameShape) else { return nil }
                return MapFeature(code: code, geometry: g, envelope: e, legend: legend, mark: mark)
            }
            var content = MapContent()

            let parcelClasses = MapClasses.parcels
            let parcels = try rows("parcels", "t.code, t.land_use, t.land_use_system")
            while let row = try parcels.next() {
                let legend = parcelClasses.legend(landUse: row["land_use"], system: row["land_use_system"])
                if let f = try feature(row, code: row["code"], legend) { content.parcels.append(f) }
            }

            let sitesThen = try asOf.map { try states?.sites ?? siteStates(db, asOf: $0) }
            let sites = try rows("sites", "t.fid, t.code, t.stage")
            while let row = try sites.next() {
                var stage: String = row["stage"]
                if let sitesThen {
                    guard let then = sitesThen[row["fid"]] else { continue } // not yet imported then
                    stage = then.stage
                }
                guard let legend = SiteStage(rawValue: stage).map(MapClasses.site) else { continue }
                if let f = try feature(row, code: row["code"], legend) { content.sites.append(f) }
            }

            let spotsThen = try asOf.map { try states?.spots ?? spotStates(db, asOf: $0) }
            let overdueDay = asOf ?? Clock.today()
            let overlay = try FarmlandOverlayCalculator(db: db, storeCRS: storeCRS)
            let spots = try rows("spots", "t.fid, t.code, t.status, t.deadline")
            while let row = try spots.next() {
                guard var s = SpotStatus(rawValue: row["status"]) else { continue }
                var deadline: String? = row["deadline"]
                if let spotsThen {
                    guard let then = spotsThen[row["fid"]] else { continue } // not yet detected then
                    s = then.status; deadline = then.deadline
                }
                let overdue = StyleTables.overdueStatuses.contains(s) && deadline.map { $0 < overdueDay } == true
                guard
                    let f = try feature(
                        row, code: row["code"], MapClasses.spot(s), mark: overdue ? MapClasses.overdue : nil)
                else { continue }
                content.spots.append(f)
                let farmland = try overlay.farmland(of: try overlay.prepare(f.geometry), envelope: f.envelope)
                if !farmland.isEmpty { content.farmland.append(farmland) }
            }

            let zones = try rows("zones", "t.code, t.kind")
            while let row = try zones.next() {
                guard let kind = ZoneKind(rawValue: row["kind"]) else { continue }
                if let f = try feature(row, code: row["code"], MapClasses.zone(kind)) { content.zones.append(f) }
            }
            return content
        }
    }
}

/// The default styles' classes as map legend entries, looked up per feature.
enum MapClasses {
    struct Parcels {
        let byValue: [String: MapLegendClass]
        let unclassified: MapLegendClass

        /// The class the parcels style's expression picks (DefaultStyles.parcels): farmland codes by their own
        /// class, 用地用海 codes as "yongdi:" + first level, other codes by their first two characters.
        func legend(landUse: String?, system: String) -> MapLegendClass {
            guard let landUse else { return unclassified }
            let value: String
            if StyleTables.farmlandCodes.contains(landUse) {
                value = landUse
            } else if system == "yongdi" {
                value = "yongdi:" + landUse.prefix(2)
            } else {
                value = String(landUse.prefix(2))
            }
            return byValue[value] ?? unclassified
        }
    }

    static let parcels: Parcels = {
        let classes = DefaultStyles.parcels.classes.enumerated().map { i, c in
            (c.match, MapLegendClass(layer: .parcels, label: c.label, symbol: c.symbol, order: i))
        }
        let other = classes.first { $0.0 == "" }!.1
        return Parcels(
            byValue: Dictionary(classes.filter { $0.0 != "" }, uniquingKeysWith: { a, _ in a }), unclassified: other)
    }()

    /// The spots style's rules, one per status in `SpotStatus.allCases` order, then the overdue mark.
    private static let spotRules = DefaultStyles.spots.classes
    static func spot(_ status: SpotStatus) -> MapLegendClass {
        let i = SpotStatus.allCases.firstIndex(of: status)!
        return MapLegendClass(layer: .spots, label: spotRules[i].label, symbol: spotRules[i].symbol, order: i)
    }
    static let overdue: MapLegendClass = {
        let rule = spotRules[SpotStatus.allCases.count]
        return MapLegendClass(layer: .spots, label: rule.label, symbol: rule.symbol, order: SpotStatus.allCases.count)
    }()

    static func site(_ stage: SiteStage) -> MapLegendClass { categorized(.sites, DefaultStyles.sites, stage.rawValue) }
    static func zone(_ kind: ZoneKind) -> MapLegendClass { categorized(.zones, DefaultStyles.zones, kind.rawValue) }

    private static func categorized(_ layer: MapLayer, _ style: LayerStyleDefinition, _ value: String) -> MapLegendClass
    {
        let i = style.classes.firstIndex { $0.match == value }!
        return MapLegendClass(layer: layer, label: style.classes[i].label, symbol: style.classes[i].symbol, order: i)
    }
}
