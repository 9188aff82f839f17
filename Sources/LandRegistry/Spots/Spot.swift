import GRDB

/// Where a violation spot is in its lifecycle (see `SpotStateMachine`).
public enum SpotStatus: String, CaseIterable, Codable, Sendable, DatabaseValueConvertible {
    /// Imported from an inspection batch, not yet looked at.
    case reported
    /// Being verified on site.
    case verifying
    /// Judged legal (合法) or other (其他: e.g. not a change of use); both close out directly.
    case legal, other
    /// Judged illegal (违法), awaiting rectification.
    case illegal
    /// Under rectification (整改中), with a measure and a deadline.
    case rectifying
    /// Rectified (整改到位): nothing remains; awaiting submission for review.
    case rectified
    /// Closed out (销号).
    case closed
    /// Split (拆分) into child spots: final; the children carry on (SpotSplit.swift).
    case split
    /// Submitted for review above the subdistrict (county → city → province, seeds/review-levels.csv).
    case submitted
    /// Every review level passed (审核通过): awaiting close-out.
    case reviewed
}

/// The verification judgement (判定类型).
public enum SpotJudgement: String, CaseIterable, Codable, Sendable, DatabaseValueConvertible {
    case legal, illegal, other

    /// The status a spot takes when judged so.
    public var status: SpotStatus {
        switch self {
        case .legal: return .legal
        case .illegal: return .illegal
        case .other: return .other
        }
    }
}

/// A violation spot (违法图斑) as stored, without its geometry. Areas are in m² (see `AreaUnits` for 亩).
/// The `…AreaM2` figures are ellipsoidal (CGCS2000), the `…PlanarAreaM2` ones planar in the store CRS.
public struct Spot: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, FeatureRecord {
    public var fid: Int64
    public var code: String
    /// The inspection batch (监测批次), e.g. "2023-07".
    public var batch: String
    public var detectedDate: String?
    public var clueCode: String?
    public var village: String?
    /// Source properties kept verbatim, as a JSON object text.
    public var properties: String
    /// The monitored area (图斑面积).
    public var planarAreaM2: Double
    public var ellipsoidalAreaM2: Double
    /// Area of the spot over live farmland parcels (耕地), counted once where parcels overlap.
    public var farmlandAreaM2: Double
    public var farmlandPlanarAreaM2: Double
    /// Area of the spot over live basic-farmland zones (永久基本农田).
    public var basicFarmlandAreaM2: Double
    public var basicFarmlandPlanarAreaM2: Double
    /// Codes of the live zones (any kind) the spot overlapped when imported.
    public var zoneCodes: [String]
    public var judgement: SpotJudgement?
    public var basis: String?
    public var approvalDoc: String?
    /// A code of the store's rectification_measures (demolish-restore, supplementary-approval, …).
    public var measure: String?
    /// YYYY-MM-DD.
    public var deadline: String?
    public var restoredM2: Double?
    public var recultivatedM2: Double?
    public var remainingM2: Double?
    public var status: SpotStatus
    public var closedDoc: String?
    /// The spot this one was split from (拆分); nil for a spot of an inspection batch.
    public var parentCode: String?
    /// While submitted: the last review level passed (a review_levels code); nil before the first.
    public var reviewLevel: String?
    public var importID: Int64?
    public var createdAt: String
    public var retiredAt: String?
    /// The rest of the overlay table (套合结果, SpotBreakdown.swift): other agricultural, construction and unused land,
    /// the ecological red line and outside the urban development boundary, ellipsoidal and planar m².
    public var agriculturalAreaM2: Double = 0
    public var agriculturalPlanarAreaM2: Double = 0
    public var constructionAreaM2: Double = 0
    public var constructionPlanarAreaM2: Double = 0
    public var unusedAreaM2: Double = 0
    public var unusedPlanarAreaM2: Double = 0
    public var ecoRedlineAreaM2: Double = 0
    public var ecoRedlinePlanarAreaM2: Double = 0
    public var outsideUrbanBoundaryAreaM2: Double = 0
    public var outsideUrbanBoundaryPlanarAreaM2: Double = 0
    /// Fraction 0–1 of the area covered by approvals dated on or before detection, and their document numbers.
    public var approvalCoverage: Double = 0
    public var approvalDocuments: [String] = []

    public static let databaseTableName = "spots"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.storeColumns
    /// Lifecycle changes write back only the columns they change (`updateChanges`).
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public enum Columns {
        public static let fid = Column("fid"), code = Column("code"), batch = Column("batch"), status = Column("status")
        public static let deadline = Column("deadline"), zoneCodes = Column("zone_codes"),
            retiredAt = Column("retired_at")
        public static let parentCode = Column("parent_code"), reviewLevel = Column("review_level")
    }

    /// The stored columns a `Spot` reads, in table order: not `geom`, `source_index`, `superseded_by`.
    static let columnNames =
        [
            "fid", "code", "batch", "detected_date", "clue_code", "village", "properties", "planar_area_m2",
            "ellipsoidal_area_m2", "zone_codes", "judgement", "basis", "approval_doc", "measure", "deadline",
            "restored_m2", "recultivated_m2", "remaining_m2", "status", "closed_doc", "parent_code", "review_level",
            "import_id", "created_at", "retired_at"
        ] + breakdownColumns

    /// The overlay columns `spots recompute` writes, in `SpotBreakdown.columnValues` order.
    static let breakdownColumns = [
        "farmland_area_m2", "farmland_planar_area_m2", "agricultural_area_m2", "agricultural_planar_area_m2",
        "construction_area_m2", "construction_planar_area_m2", "unused_area_m2", "unused_planar_area_m2",
        "basic_farmland_area_m2", "basic_farmland_planar_area_m2", "eco_redline_area_m2",
        "eco_redline_planar_area_m2", "outside_urban_boundary_area_m2", "outside_urban_boundary_planar_area_m2",
        "approval_coverage", "approval_documents"
    ]

    /// The stored overlay figures.
    public var breakdown: SpotBreakdown {
        var b = SpotBreakdown()
        (b.farmlandM2, b.farmlandPlanarM2) = (farmlandAreaM2, farmlandPlanarAreaM2)
        (b.agriculturalM2, b.agriculturalPlanarM2) = (agriculturalAreaM2, agriculturalPlanarAreaM2)
        (b.constructionM2, b.constructionPlanarM2) = (constructionAreaM2, constructionPlanarAreaM2)
        (b.unusedM2, b.unusedPlanarM2) = (unusedAreaM2, unusedPlanarAreaM2)
        (b.basicFarmlandM2, b.basicFarmlandPlanarM2) = (basicFarmlandAreaM2, basicFarmlandPlanarAreaM2)
        (b.ecoRedlineM2, b.ecoRedlinePlanarM2) = (ecoRedlineAreaM2, ecoRedlinePlanarAreaM2)
        (b.outsideUrbanBoundaryM2, b.outsideUrbanBoundaryPlanarM2) = (
            outsideUrbanBoundaryAreaM2, outsideUrbanBoundaryPlanarAreaM2
        )
        (b.approvalCoverage, b.approvalDocuments) = (approvalCoverage, approvalDocuments)
        return b
    }

    public static var databaseSelection: [any SQLSelectable] { columnNames.map { Column($0) } }

    /// The same columns for the export's raw statement, the one reader that streams every spot through one prepared
    /// statement (`exportLayer` takes SQL); other reads use `databaseSelection` through GRDB requests.
    static let columnsSQL = columnNames.joined(separator: ", ")

    /// True when the spot was judged illegal, whatever happened since (rectifying, rectified, closed).
    public var isIllegal: Bool { judgement == .illegal }

    /// Overdue as of `date` (YYYY-MM-DD): illegal or rectifying with a deadline before that date.
    public func isOverdue(asOf date: String) -> Bool {
        guard status == .illegal || status == .rectifying, let deadline else { return false }
        return deadline < date
    }

    /// The area still to rectify in m²: all of an illegal spot's area until a remaining area is recorded,
    /// the recorded remaining area once under rectification, 0 for spots not illegal.
    public var unrectifiedAreaM2: Double {
        guard isIllegal else { return 0 }
        switch status {
        case .illegal: return remainingM2 ?? ellipsoidalAreaM2
        case .rectifying: return remainingM2 ?? ellipsoidalAreaM2
        default: return remainingM2 ?? 0
        }
    }
}
