import Foundation

// MARK: - What `landreg check` found
//
// One Codable value: the CLI prints it as text or as JSON (`--json`, these names in snake_case). A section is nil when its
// check did not run (`--quick` skips the geometry sections). Long lists are capped at `HealthCheckOptions.listLimit`
// items; `count` is always the full number.

/// What to check and how strictly.
public struct HealthCheckOptions: Sendable {
    /// A parcel's registered and computed (ellipsoidal) areas may differ by max(`areaToleranceM2`,
    /// `areaTolerancePercent` % of the registered area) before it is flagged. Default max(1 m², 0.5 %).
    public var areaToleranceM2: Double
    public var areaTolerancePercent: Double
    /// Two live parcels overlap when their intersection is larger than this, in m². Default 0.01 m².
    public var overlapToleranceM2: Double
    /// Skip the geometry checks (validity, areas, overlaps): integrity, GeoPackage structure and events only.
    public var quick: Bool
    /// Also run GDAL's validate_gpkg.py (needs /usr/bin/python3 with the GDAL bindings).
    public var gdalValidator: Bool
    /// At most this many items per list in the report.
    public var listLimit: Int
    /// Threads for the geometry checks; default: the machine's active cores.
    public var workers: Int

    public init(
        areaToleranceM2: Double = 1, areaTolerancePercent: Double = 0.5, overlapToleranceM2: Double = 0.01,
        quick: Bool = false, gdalValidator: Bool = false, listLimit: Int = 1000, workers: Int? = nil
    ) {
        self.areaToleranceM2 = areaToleranceM2; self.areaTolerancePercent = areaTolerancePercent
        self.overlapToleranceM2 = overlapToleranceM2; self.quick = quick; self.gdalValidator = gdalValidator
        self.listLimit = listLimit; self.workers = workers ?? ProcessInfo.processInfo.activeProcessorCount
    }

    /// The tolerance for a parcel registered as `registeredM2`.
    public func areaTolerance(registeredM2: Double) -> Double {
        max(areaToleranceM2, areaTolerancePercent / 100 * registeredM2)
    }
}

/// A list of findings: how many in all, and the first `HealthCheckOptions.listLimit` of them.
public struct Findings<Item: Encodable & Sendable>: Encodable, Sendable {
    public var count = 0
    public var items: [Item] = []
    var limit = 1000

    init(limit: Int) { self.limit = limit }

    mutating func add(_ item: Item) {
        count += 1
        if items.count < limit { items.append(item) }
    }

    // `limit` is how many items to keep, not a finding.
    enum CodingKeys: CodingKey { case count, items }
}

/// The health of one store.
public struct HealthReport: Encodable, Sendable {
    public var store: String
    /// True when no check found anything wrong.
    public var ok: Bool {
        integrity.ok && geopackage.ok && (invalidGeometries?.count ?? 0) == 0 && (areaMismatches?.count ?? 0) == 0
            && (overlaps?.count ?? 0) == 0 && orphanEvents.count == 0 && (spotGaps?.count ?? 0) == 0
    }
    public var integrity: IntegrityFindings
    public var geopackage: GeoPackageFindings
    public var invalidGeometries: Findings<InvalidGeometry>?
    public var areaMismatches: Findings<AreaMismatch>?
    public var overlaps: Findings<ParcelOverlap>?
    public var orphanEvents: Findings<OrphanEvent>
    /// Live spots whose land classes do not add up to their area (nil with --quick).
    public var spotGaps: Findings<SpotGap>? = nil
    public var checked: CheckedCounts
    public var tolerances: Tolerances
    public var seconds: Double

    // `ok` is computed, and sections that did not run are written as null: encoded by hand.
    enum CodingKeys: CodingKey {
        case store, ok, integrity, geopackage, checked, tolerances, seconds
        case invalidGeometries, areaMismatches, overlaps, orphanEvents, spotGaps
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(store, forKey: .store); try c.encode(ok, forKey: .ok)
        try c.encode(integrity, forKey: .integrity); try c.encode(geopackage, forKey: .geopackage)
        try c.encode(invalidGeometries, forKey: .invalidGeometries);
        try c.encode(areaMismatches, forKey: .areaMismatches)
        try c.encode(overlaps, forKey: .overlaps); try c.encode(orphanEvents, forKey: .orphanEvents)
        try c.encode(spotGaps, forKey: .spotGaps)
        try c.encode(checked, forKey: .checked); try c.encode(tolerances, forKey: .tolerances)
        try c.encode(seconds, forKey: .seconds)
    }
}

/// PRAGMA integrity_check and PRAGMA foreign_key_check.
public struct IntegrityFindings: Encodable, Sendable {
    /// integrity_check's lines; ["ok"] when the file is sound.
    public var integrityCheck: [String]
    /// One line per row whose foreign key points nowhere: "table rowid N → parent".
    public var foreignKeyViolations: [String]
    public var ok: Bool { integrityCheck == ["ok"] && foreignKeyViolations.isEmpty }

    enum CodingKeys: CodingKey { case integrityCheck, foreignKeyViolations, ok }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok); try c.encode(integrityCheck, forKey: .integrityCheck)
        try c.encode(foreignKeyViolations, forKey: .foreignKeyViolations)
    }
}

/// The GeoPackage structure checked in Swift, and GDAL's validator when asked for.
public struct GeoPackageFindings: Encodable, Sendable {
    public var problems: [String]
    public var gdal: GDALValidation?
    public var ok: Bool { problems.isEmpty && (gdal?.ok ?? true) }

    enum CodingKeys: CodingKey { case ok, problems, gdal }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok); try c.encode(problems, forKey: .problems);
        try c.encodeIfPresent(gdal, forKey: .gdal)
    }
}

/// The result of GDAL's validate_gpkg.py --extra.
public struct GDALValidation: Codable, Sendable {
    /// False when the validator could not run (then `output` says why) or reported problems.
    public var ok: Bool
    public var ran: Bool
    public var output: String
}

/// A geometry GEOS finds invalid (or that cannot be decoded).
public struct InvalidGeometry: Codable, Sendable {
    public var layer: String
    public var fid: Int64
    public var code: String?
    public var live: Bool
    /// GEOS's reason ("Self-intersection", "Ring Self-intersection" …) or the decoding error.
    public var reason: String
    /// Where, in the store CRS, when GEOS says.
    public var x: Double?
    public var y: Double?
}

/// A live parcel whose registered area and computed ellipsoidal area differ beyond the tolerance.
public struct AreaMismatch: Codable, Sendable {
    public var fid: Int64
    public var code: String
    public var registeredAreaM2: Double
    /// Recomputed from the stored geometry (geodesic, CGCS2000).
    public var computedAreaM2: Double
    /// computed − registered.
    public var differenceM2: Double
    public var toleranceM2: Double
}

/// Two live parcels whose interiors overlap by more than the tolerance.
public struct ParcelOverlap: Codable, Sendable {
    public var fidA: Int64
    public var codeA: String
    public var fidB: Int64
    public var codeB: String
    /// Planar area of the intersection in the store CRS, m².
    public var overlapAreaM2: Double
}

/// An audit-log row that refers to no record.
public struct OrphanEvent: Codable, Sendable {
    public var id: Int64
    public var entity: String
    public var entityID: Int64?
    public var entityCode: String?
    public var action: String
    public var reason: String
}

/// How much was looked at.
public struct CheckedCounts: Codable, Sendable {
    /// Rows per feature layer whose geometry was checked.
    public var geometries: [String: Int] = [:]
    /// Live parcels with a registered area.
    public var parcelsWithRegisteredArea = 0
    /// Live parcel pairs whose R*Tree boxes meet (each measured with GEOS).
    public var candidatePairs = 0
    /// Live spots whose classes were added up.
    public var spots = 0
    public var events = 0
}

/// The tolerances used.
public struct Tolerances: Codable, Sendable {
    public var areaM2: Double
    public var areaPercent: Double
    public var overlapM2: Double
}
