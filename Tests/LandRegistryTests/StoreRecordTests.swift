import Foundation
import GRDB
import Testing

@testable import LandRegistry

/// Records carry no CodingKeys: their properties meet the store's columns through `.storeColumns` (decoding) and
/// JSONEncoder's `.convertToSnakeCase` (the CLI's JSON). A property the two conversions do not map to the same
/// column would decode as nil (optional) or fail, so every record is taken round the loop with every property set.
@Suite("Records and their columns")
struct StoreRecordTests {
    /// Columns a record reads that its table does not have: names joined in from another table.
    static let joinedNames: Set<String> = ["land_use_name", "holder_name", "tenant_name"]

    @Test func everyRecordPropertyIsAColumnOfItsTableAndDecodesBack() throws {
        let registry = try Fixtures.store()
        try registry.dbQueue.read { db in
            try Self.roundTrip(Self.parcel, table: "parcels", db)
            try Self.roundTrip(Self.zone, table: "zones", db)
            try Self.roundTrip(Self.spot, table: "spots", db)
            try Self.roundTrip(Self.site, table: "sites", db)
            try Self.roundTrip(
                Enterprise(
                    id: 7, creditCode: "91330110MA2B00001X", name: "某纺织有限公司",
                    industry: "textiles", scale: "above"), table: "enterprises", db)
            try Self.roundTrip(
                EnterpriseYear(
                    creditCode: "91330110MA2B00001X", year: 2024, taxYuan: 1.5e6,
                    valueAddedYuan: 8e6, revenueYuan: 3e7, energyTCE: 420.5, employees: 120,
                    rdYuan: 9e5), table: "enterprise_years", db)
            try Self.roundTrip(
                Tenancy(
                    id: 3, siteCode: "EC-001", tenantCreditCode: "91330110MA2B00001X",
                    tenantName: "某纺织有限公司", floorAreaM2: 812.5, startDate: "2024-01-01",
                    endDate: "2026-12-31", use: .storage, status: .ended, overLeasedAtCreation: true,
                    createdAt: "2026-11-27T08:00:00Z"), table: "tenancies", db)
            try Self.roundTrip(
                EfficiencyThreshold(
                    indicator: "tax_per_mu", efficiencyClass: "A", minValue: 30,
                    unit: "万元/亩"), table: "efficiency_thresholds", db)
        }
    }

    /// A spot writes back exactly the columns it reads (and `updateChanges` only those that changed).
    @Test func aSpotEncodesToItsOwnColumns() throws {
        #expect(Set(try Self.spot.databaseDictionary.keys) == Set(Spot.columnNames))
        let registry = try Fixtures.store()
        let columns = Set(try registry.dbQueue.read { db in try db.columns(in: "spots").map(\.name) })
        #expect(Set(Spot.columnNames).isSubset(of: columns))
    }

    /// Given a record with every property set, when it is written as the CLI's JSON and that JSON is read back as
    /// a row, then each key is a column of `table` (or a joined name) and the row decodes to the same record.
    static func roundTrip<R: FetchableRecord & Codable & Equatable>(_ record: R, table: String, _ db: Database) throws {
        let unset = Mirror(reflecting: record).children.filter { "\($0.value)" == "nil" }.compactMap(\.label)
        #expect(unset.isEmpty, "\(R.self) sample leaves \(unset) nil: the round trip would not test them")

        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let cells = try JSONDecoder().decode([String: Cell].self, from: try encoder.encode(record))
        let columns = Set(try db.columns(in: table).map(\.name))
        let unknown = Set(cells.keys).subtracting(columns).subtracting(joinedNames)
        #expect(unknown.isEmpty, "\(R.self): JSON keys \(unknown.sorted()) are not columns of \(table)")

        let row = Row(cells.mapValues(\.databaseValue))
        #expect(try R(row: row) == record, "\(R.self) does not decode back from its columns")
    }

    /// One JSON value as SQLite would store it.
    enum Cell: Decodable {
        case bool(Bool), number(Double), text(String), array([String])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let d = try? c.decode(Double.self) {
                self = .number(d)
            } else if let s = try? c.decode(String.self) {
                self = .text(s)
            } else {
                self = .array(try c.decode([String].self))
            }
        }

        var databaseValue: DatabaseValue {
            switch self {
            case .bool(let b): return (b ? 1 : 0).databaseValue
            case .number(let d): return d.rounded() == d ? Int64(d).databaseValue : d.databaseValue
            case .text(let s): return s.databaseValue
            // A JSON array column (spots.zone_codes) holds the array's JSON text.
            case .array(let a): return String(decoding: try! JSONEncoder().encode(a), as: UTF8.self).databaseValue
            }
        }
    }

    static let parcel = Parcel(
        fid: 1, code: "3301100000000001", landUse: "0101", landUseSystem: "gb21010", landUseName: "水田",
        owner: "湖埠村", name: "1", registeredAreaM2: 3115.55, planarAreaM2: 3115.9, ellipsoidalAreaM2: 3115.6,
        properties: #"{"DLMC":"水田"}"#, importID: 4, createdAt: "2026-11-26T08:00:00Z",
        retiredAt: "2026-11-27T08:00:00Z", supersededBy: 9, surveyYear: 2024)

    static let zone = Zone(
        fid: 2, code: "WG-007", kind: "grid", name: "第七网格", planarAreaM2: 5e5,
        ellipsoidalAreaM2: 4.99e5, retiredAt: "2026-11-27T08:00:00Z")

    static let spot = Spot(
        fid: 3, code: "JC2023-07-0001", batch: "2023-07", detectedDate: "2023-07-26", clueCode: "XS-0001",
        village: "云埠社区", properties: "{}", planarAreaM2: 334.1, ellipsoidalAreaM2: 334.0, farmlandAreaM2: 332.5,
        farmlandPlanarAreaM2: 332.6, basicFarmlandAreaM2: 12.5, basicFarmlandPlanarAreaM2: 12.6,
        zoneCodes: ["WG-007", "KFQ-01"], judgement: .illegal, basis: "未经批准占用耕地", approvalDoc: "杭规〔2023〕1号",
        measure: "demolish-restore", deadline: "2023-12-31", restoredM2: 300.5, recultivatedM2: 290.5,
        remainingM2: 33.5, status: .rectifying, closedDoc: "销号〔2024〕00号", parentCode: "JC2024-01-0000",
        reviewLevel: "county", importID: 10,
        createdAt: "2026-11-27T08:00:00Z", retiredAt: "2026-11-28T08:00:00Z")

    static let site = Site(
        fid: 4, code: "EC-001", name: "厂区", holderCreditCode: "91330110MA2B00001X", holderName: "某纺织有限公司",
        industry: "textiles", footprintM2: 5925.5, floorAreaM2: 11518.5, plannedFAR: 1.8, lowEfficiencyType: "亩均税收低",
        mode: .capacityIncrease, stage: .suspended, suspendedFrom: .planned, disposedM2: 12.5, planarAreaM2: 10267.5,
        ellipsoidalAreaM2: 10267.1, parcelCodes: #"["3301100000000362"]"#, properties: "{}", importID: 8,
        createdAt: "2026-11-27T08:00:00Z", retiredAt: "2026-11-28T08:00:00Z")
}
