import GRDB

// MARK: - Lineage: which parcels a parcel arose from, and which arose from it
//
// parcel_lineage is written by `import survey` (SurveyVersions.swift) for every new or changed parcel: the parcels
// of the previous version it shares more than 0.01 m² with, by overlay (not by code), so a split shows one
// predecessor with several successors and a merge the other way round. For a code, every row it has had counts.

/// One lineage link seen from a parcel: the other parcel and the area they share (m²).
public struct LineageLink: Sendable, Codable, Equatable, FetchableRecord {
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    /// The row of the asked-for code in this link.
    public var fid: Int64
    public var otherFid: Int64
    public var otherCode: String
    public var otherLandUse: String?
    public var otherSurveyYear: Int?
    public var otherRetiredAt: String?
    public var sharedAreaM2: Double
    public var sharedPlanarAreaM2: Double
}

public struct ParcelLineage: Sendable, Codable, Equatable {
    public var code: String
    /// Parcels of the previous version each row of `code` took area from.
    public var predecessors: [LineageLink]
    /// Parcels of later versions that took area from a row of `code`.
    public var successors: [LineageLink]
}

extension Registry {
    /// The lineage of every row a parcel code has had. - Throws: `NotFound` for a code no row has.
    public func parcelLineage(code: String) throws -> ParcelLineage {
        try dbQueue.read { db in
            let fids = try Int64.fetchAll(
                db, sql: "SELECT fid FROM parcels WHERE code = ? ORDER BY fid", arguments: [code])
            if fids.isEmpty { throw NotFound(what: "parcel", code: code) }
            func links(own: String, other: String) throws -> [LineageLink] {
                try LineageLink.fetchAll(
                    db,
                    sql: """
                        SELECT l.\(own) AS fid, p.fid AS other_fid, p.code AS other_code, p.land_use AS other_land_use,
                               p.survey_year AS other_survey_year, p.retired_at AS other_retired_at,
                               l.shared_area_m2, l.shared_planar_area_m2
                        FROM parcel_lineage l JOIN parcels p ON p.fid = l.\(other)
                        WHERE l.\(own) IN (SELECT fid FROM parcels WHERE code = ?)
                        ORDER BY l.\(own), p.code, p.fid
                        """, arguments: [code])
            }
            return ParcelLineage(
                code: code, predecessors: try links(own: "parcel_fid", other: "predecessor_fid"),
                successors: try links(own: "predecessor_fid", other: "parcel_fid"))
        }
    }
}
