import Foundation
import GRDB
import LandGeometry
import Testing

@testable import LandRegistry

/// Row counts of every table issue 4 writes, and the sites' state: equal before and after means nothing changed.
func siteFingerprint(_ registry: Registry) throws -> [String] {
    try registry.dbQueue.read { db in
        try ["sites", "enterprises", "enterprise_years", "tenancies", "imports", "events", "rtree_sites_geom"].map {
            "\($0)=\(try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)")!)"
        }
            + (try String.fetchAll(
                db,
                sql:
                    "SELECT code || ' ' || stage || ' ' || ifnull(mode, '') || ' ' || disposed_m2 FROM sites ORDER BY fid"
            ))
            + (try String.fetchAll(
                db, sql: "SELECT id || ' ' || status || ' ' || ifnull(end_date, '') FROM tenancies ORDER BY id"))
    }
}

/// A store with parcels P1, P2 (adjacent 100 m squares) and P3, four enterprises, a site given by its own
/// polygon (S-GEOM, 80 m square, holder H) and one given as the union of P1 and P2 (S-PARCELS, holder H2).
enum SiteFixture {
    static let h = "91330110MANN6LRU7B", h2 = "91330110727285545Y", t1 = "91330110MAU8B4FR6B", t2 = "91330110MADM8YJH7N"

    static func square(_ x: Double, _ y: Double, _ side: Double) -> String {
        "{\"type\":\"Polygon\",\"coordinates\":[[[\(x),\(y)],[\(x + side),\(y)],[\(x + side),\(y + side)],[\(x),\(y + side)],[\(x),\(y)]]]}"
    }

    static func store() throws -> Registry {
        let registry = try Fixtures.store()
        _ = try registry.importParcels(
            file: Fixtures.write(
                Fixtures.collection4549([
                    Fixtures.squareFeature(code: "P1", landUse: "0601"),
                    Fixtures.squareFeature(code: "P2", x: 520_100, landUse: "0601"),
                    Fixtures.squareFeature(code: "P3", x: 530_000, landUse: "0601")
                ])), options: FeatureImportOptions(context: Fixtures.context))
        _ = try registry.importEnterprises(
            file: Fixtures.write(
                """
                credit_code,name,industry,scale
                \(h),盛鑫纺织,textiles,above
                \(h2),丰力机械,machinery,above
                \(t1),达亚家具,furniture,above
                \(t2),晨永服饰,garments,below
                """, name: "enterprises.csv"), context: Fixtures.context)
        _ = try registry.importSites(
            file: Fixtures.write(
                Fixtures.collection4549([
                    #"{"type":"Feature","properties":{"code":"S-GEOM","holder":"\#(h)","industry":"textiles","floor_area_m2":5000,"footprint_m2":3000,"mode":"swap","village":"云埠社区"},"geometry":\#(square(521_000, 3_340_000, 80))}"#,
                    #"{"type":"Feature","properties":{"code":"S-PARCELS","holder":"\#(h2)","floor_area_m2":10000,"stage":"assessed","parcels":["P1","P2"]},"geometry":null}"#
                ])), options: FeatureImportOptions(context: Fixtures.context))
        return registry
    }
}

@Suite("Sites, enterprises and tenancies in the registry")
struct SiteRegistryTests {
    @Test func sitesComeFromTheirPolygonOrTheUnionOfTheirParcels() throws {
        let registry = try SiteFixture.store()
        let own = try registry.site(code: "S-GEOM")
        #expect(abs(own.planarAreaM2 - 6_400) < 1e-9 * 6_400)
        #expect(own.mode == .swap && own.stage == .identified && own.holderName == "盛鑫纺织")
        #expect(own.properties == #"{"village":"云埠社区"}"#)
        let union = try registry.site(code: "S-PARCELS")
        #expect(abs(union.planarAreaM2 - 20_000) < 1e-9 * 20_000)
        let p1 = try registry.parcel(code: "P1"), p2 = try registry.parcel(code: "P2")
        #expect(abs(union.ellipsoidalAreaM2 - (p1.ellipsoidalAreaM2 + p2.ellipsoidalAreaM2)) < 1e-6)
        #expect(union.parcelCodes == #"["P1","P2"]"#)
        #expect(union.stage == .assessed)
        // The union is one polygon (the shared edge dissolved), indexed in the R*Tree.
        let g = try #require(try registry.siteGeometries(fids: [union.fid])[union.fid])
        #expect(g.polygons?.count == 1)
        let indexed = try registry.dbQueue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM rtree_sites_geom")! }
        #expect(indexed == 2)
    }

    @Test func badSitesAreAllListedAndNothingIsWritten() throws {
        let registry = try SiteFixture.store()
        let before = try siteFingerprint(registry)
        let file = Fixtures.write(
            Fixtures.collection4549([
                #"{"type":"Feature","properties":{"code":"U1","parcels":["P1","NOPE","GONE"]},"geometry":null}"#,
                #"{"type":"Feature","properties":{"code":"U2","holder":"91330110MANN6LRU7C"},"geometry":\#(SiteFixture.square(522_000, 3_340_000, 50))}"#,
                #"{"type":"Feature","properties":{"code":"U3","mode":"demolish","stage":"finished"},"geometry":\#(SiteFixture.square(523_000, 3_340_000, 50))}"#,
                #"{"type":"Feature","properties":{"code":"U4"},"geometry":null}"#,
                #"{"type":"Feature","properties":{"code":"S-GEOM"},"geometry":\#(SiteFixture.square(524_000, 3_340_000, 50))}"#,
                #"{"type":"Feature","properties":{"code":"OK"},"geometry":\#(SiteFixture.square(525_000, 3_340_000, 50))}"#
            ]))
        let failure = try #require(throws: ImportFailed.self) {
            try registry.importSites(file: file, options: FeatureImportOptions(context: Fixtures.context))
        }
        let text = failure.errorDescription ?? ""
        #expect(failure.problemCount == 5, "\(text)")
        #expect(text.contains("feature 0 (code U1): unknown parcel codes NOPE, GONE"))
        #expect(text.contains("feature 1 (code U2): holder: credit code \"91330110MANN6LRU7C\": check character"))
        #expect(text.contains("feature 2 (code U3): unknown mode \"demolish\""))
        #expect(text.contains("unknown stage \"finished\""))
        #expect(text.contains("feature 3 (code U4): geometry is null and there is no parcels list"))
        #expect(text.contains("feature 4 (code S-GEOM): code S-GEOM already exists"))
        #expect(!text.contains("code OK")) // a failed row does not make the next one fail
        #expect(try siteFingerprint(registry) == before)
    }

    @Test func stagesMoveOneStepAtATimeAndRefusedStepsSayWhy() throws {
        let registry = try SiteFixture.store()
        let c = Fixtures.context
        func refused(_ to: SiteStage, mode: SiteMode? = nil, disposed: Double? = nil, _ expected: String) throws {
            let before = try siteFingerprint(registry)
            let e = try #require(throws: SiteChangeRefused.self) {
                try registry.advanceSite(code: "S-GEOM", to: to, mode: mode, disposedM2: disposed, context: c)
            }
            #expect((e.errorDescription ?? "").contains(expected), "\(e.errorDescription ?? "")")
            #expect((e.errorDescription ?? "").hasSuffix("nothing was changed"))
            #expect(try siteFingerprint(registry) == before)
        }
        try refused(.planned, "stages go one step at a time: identified → assessed first")
        try refused(.completed, "identified → assessed first")
        try refused(.identified, "the site is already identified")
        try registry.advanceSite(code: "S-GEOM", to: .assessed, context: c)
        try refused(.identified, "stages do not go back (assessed → identified)")
        let land = try registry.site(code: "S-GEOM").landAreaM2
        try refused(.planned, disposed: land + 0.01, "exceeds the site's land area")
        try refused(.planned, disposed: -1, "must be a number ≥ 0")
        try registry.advanceSite(code: "S-GEOM", to: .suspended, context: c)
        #expect(try registry.site(code: "S-GEOM").suspendedFrom == .assessed)
        try refused(.planned, "a suspended site resumes at the stage it left (assessed) or is cancelled")
        try registry.advanceSite(code: "S-GEOM", to: .assessed, context: c)
        let resumed = try registry.site(code: "S-GEOM")
        #expect(resumed.stage == .assessed && resumed.suspendedFrom == nil)
        try registry.advanceSite(code: "S-GEOM", to: .planned, mode: .recovery, disposedM2: land, context: c)
        try registry.advanceSite(code: "S-GEOM", to: .planned, disposedM2: 100, context: c) // an update, no step
        let planned = try registry.site(code: "S-GEOM")
        #expect(planned.stage == .planned && planned.mode == .recovery && planned.disposedM2 == 100)
        try registry.advanceSite(code: "S-GEOM", to: .cancelled, context: c)
        try refused(.implementing, "the site is cancelled, a final stage")
        let events = try registry.events(entity: .site, code: "S-GEOM")
        #expect(events.map(\.action.rawValue) == ["advance", "advance", "advance", "advance", "update", "advance"])
        #expect(
            events.map { $0.toState ?? "" } == ["assessed", "suspended", "assessed", "planned", "planned", "cancelled"])
        #expect(events[3].details.contains("\"mode\":\"recovery\""))
        #expect(throws: NotFound.self) { try registry.advanceSite(code: "NOPE", to: .assessed, context: c) }
    }

    @Test func refusedLeasesSayWhyAndChangeNothing() throws {
        let registry = try SiteFixture.store()
        let before = try siteFingerprint(registry)
        func refused(_ t: NewTenancy, _ expected: [String]) {
            let e = #expect(throws: TenancyRefused.self) { try registry.addTenancy(t, context: Fixtures.context) }
            let message = e.flatMap(\.errorDescription) ?? ""
            for x in expected { #expect(message.contains(x), "\(message)") }
        }
        let ok = NewTenancy(
            siteCode: "S-GEOM", tenantCreditCode: SiteFixture.t1, floorAreaM2: 100, startDate: "2026-01-01")
        var t = ok; t.tenantCreditCode = "91330110MAU8B4FR6C"
        refused(t, ["tenant credit code \"91330110MAU8B4FR6C\": check character"])
        t = ok; t.tenantCreditCode = "91330110MA31HBYJ8R" // valid, but not imported
        refused(t, ["unknown tenant 91330110MA31HBYJ8R"])
        t = ok; t.tenantCreditCode = SiteFixture.h
        refused(t, ["holds site S-GEOM itself"])
        t = ok; t.endDate = "2025-12-31"
        refused(t, ["end 2025-12-31 is before start 2026-01-01"])
        t = ok; t.floorAreaM2 = 0
        refused(t, ["floor area 0.0 m² must be greater than 0"])
        t = ok; t.floorAreaM2 = -5
        refused(t, ["floor area -5.0 m² must be greater than 0"])
        t = ok; t.siteCode = "NOPE"
        refused(t, ["unknown site NOPE"])
        t = ok; t.startDate = "2026-02-30"
        refused(t, ["start \"2026-02-30\" is not a date"])
        t = ok; t.siteCode = "NOPE"; t.floorAreaM2 = -1; t.endDate = "2020-01-01"
        refused(t, ["unknown site NOPE", "must be greater than 0", "is before start"])
        #expect(try siteFingerprint(registry) == before)
    }

    @Test func overLeasingIsRecordedAndFlaggedOrRefusedWhenStrict() throws {
        let registry = try SiteFixture.store() // S-GEOM floor area 5,000 m²
        let c = Fixtures.context
        let a = try registry.addTenancy(
            NewTenancy(
                siteCode: "S-GEOM", tenantCreditCode: SiteFixture.t1, floorAreaM2: 3_000,
                startDate: "2026-01-01", endDate: "2026-06-30"), context: c)
        #expect(a.overLease == nil && !a.tenancy.overLeasedAtCreation)
        // Starts after the first lease ends: never concurrent, not over-leased.
        let b = try registry.addTenancy(
            NewTenancy(
                siteCode: "S-GEOM", tenantCreditCode: SiteFixture.t2, floorAreaM2: 4_000,
                startDate: "2026-07-01"), context: c)
        #expect(b.overLease == nil)
        // Overlaps the first from 2026-03-01 (3,000 + 2,500) and the second from 2026-07-01 (4,000 + 2,500).
        let third = NewTenancy(
            siteCode: "S-GEOM", tenantCreditCode: SiteFixture.t2, floorAreaM2: 2_500, startDate: "2026-03-01",
            endDate: "2026-12-31", use: .storage)
        let before = try siteFingerprint(registry)
        let strict = #expect(throws: TenancyRefused.self) { try registry.addTenancy(third, strict: true, context: c) }
        let strictMessage = strict.flatMap(\.errorDescription) ?? ""
        #expect(strictMessage.contains("6500.00 m² leased on 2026-07-01 but its floor area is 5000.00 m²"))
        #expect(try siteFingerprint(registry) == before)
        let recorded = try registry.addTenancy(third, context: c)
        #expect(
            recorded.overLease
                == OverLease(siteCode: "S-GEOM", siteFloorAreaM2: 5_000, leasedFloorAreaM2: 6_500, day: "2026-07-01"))
        #expect(recorded.tenancy.overLeasedAtCreation)
        #expect(try registry.tenancies(siteCode: "S-GEOM", activeOn: "2026-06-30").map(\.floorAreaM2) == [3_000, 2_500])
    }

    @Test func endingALeaseKeepsItAndRecordsTheDay() throws {
        let registry = try SiteFixture.store()
        let c = Fixtures.context
        let t = try registry.addTenancy(
            NewTenancy(
                siteCode: "S-PARCELS", tenantCreditCode: SiteFixture.t1, floorAreaM2: 500,
                startDate: "2025-05-01"), context: c
        ).tenancy
        let before = try siteFingerprint(registry)
        let early = #expect(throws: TenancyRefused.self) {
            try registry.endTenancy(id: t.id, on: "2025-04-30", context: c)
        }
        let earlyMessage = early.flatMap(\.errorDescription) ?? ""
        #expect(earlyMessage.contains("starts on 2025-05-01: it cannot end before that"))
        #expect(throws: TenancyRefused.self) { try registry.endTenancy(id: 999, on: "2026-01-01", context: c) }
        #expect(try siteFingerprint(registry) == before)
        let ended = try registry.endTenancy(id: t.id, on: "2026-03-31", context: c)
        #expect(ended.status == .ended && ended.endDate == "2026-03-31")
        #expect(try registry.tenancies(activeOn: "2026-03-31").count == 1)
        #expect(try registry.tenancies(activeOn: "2026-04-01").isEmpty)
        let again = #expect(throws: TenancyRefused.self) {
            try registry.endTenancy(id: t.id, on: "2026-04-30", context: c)
        }
        let againMessage = again.flatMap(\.errorDescription) ?? ""
        #expect(againMessage.contains("is ended already"))
        #expect(try registry.events(entity: .tenancy, entityID: t.id).map(\.action.rawValue) == ["add", "end"])
    }

    @Test func csvImportsListEveryBadRowByLineAndWriteNothing() throws {
        let registry = try SiteFixture.store()
        let before = try siteFingerprint(registry)
        let c = Fixtures.context
        let enterprises = Fixtures.write(
            """
            credit_code,name,industry,scale
            91330110MA31HBYJ8R,富达机械,machinery,above
            91330110MA31HBYJ8S,坏码,machinery,above
            91330110MA31HBYJ8R,重复,machinery,above
            \(SiteFixture.h),已有,textiles,above
            91330110MANKBNTG5W,,garments,huge
            """, name: "e.csv")
        let e = try #require(throws: CSVImportFailed.self) {
            try registry.importEnterprises(file: enterprises, context: c)
        }
        let text = e.errorDescription ?? ""
        #expect(e.problems.map { $0.line ?? 0 } == [3, 4, 5, 6], "\(text)")
        #expect(text.contains("e.csv:3: credit code \"91330110MA31HBYJ8S\": character 18 \"S\" is not allowed"))
        #expect(text.contains("e.csv:4: credit code 91330110MA31HBYJ8R is on line 2 too"))
        #expect(text.contains("e.csv:5: credit code \(SiteFixture.h) is already registered"))
        #expect(text.contains("e.csv:6: no name; scale \"huge\" is neither above nor below"))

        let years = Fixtures.write(
            """
            credit_code,year,tax_yuan,value_added_yuan,employees
            \(SiteFixture.h),2025,100,200,10
            91330110MA31HBYJ8R,2025,100,200,10
            \(SiteFixture.h),2025,1,2,3
            \(SiteFixture.h2),20x5,-3,abc,1.5
            """, name: "y.csv")
        let y = try #require(throws: CSVImportFailed.self) {
            try registry.importEnterpriseYears(file: years, context: c)
        }
        let ytext = y.errorDescription ?? ""
        #expect(y.problems.map { $0.line ?? 0 } == [3, 4, 5], "\(ytext)")
        #expect(ytext.contains("y.csv:3: unknown enterprise 91330110MA31HBYJ8R"))
        #expect(ytext.contains("y.csv:4: \(SiteFixture.h) 2025 is on line 2 too"))
        #expect(
            ytext.contains(
                "y.csv:5: year \"20x5\" is not a year; tax_yuan \"-3\" is not a non-negative number; value_added_yuan \"abc\" is not a number; employees \"1.5\""
            ))

        let leases = Fixtures.write(
            """
            site,tenant,floor_area_m2,start,end,use
            S-GEOM,\(SiteFixture.t1),100,2026-01-01,,production
            S-NOPE,\(SiteFixture.t1),100,2026-01-01,,production
            S-GEOM,\(SiteFixture.t2),zero,2026-01-01,2025-01-01,dwelling
            S-GEOM,\(SiteFixture.t2),0,2026-01-01,,office
            """, name: "t.csv")
        let t = try #require(throws: CSVImportFailed.self) { try registry.importTenancies(file: leases, context: c) }
        let ttext = t.errorDescription ?? ""
        #expect(t.problems.map { $0.line ?? 0 } == [3, 4, 5], "\(ttext)")
        #expect(ttext.contains("t.csv:3: unknown site S-NOPE"))
        #expect(
            ttext.contains(
                "t.csv:4: floor_area_m2 \"zero\" is not a number; use \"dwelling\" is not one of production, storage, office; end 2025-01-01 is before start 2026-01-01"
            ))
        #expect(ttext.contains("t.csv:5: floor area 0.0 m² must be greater than 0"))

        let missing = Fixtures.write("site,tenant\nS-GEOM,x\n", name: "m.csv")
        let m = try #require(throws: CSVImportFailed.self) { try registry.importTenancies(file: missing, context: c) }
        #expect((m.errorDescription ?? "").contains("m.csv:1: missing column(s) floor_area_m2, start"))
        #expect(try siteFingerprint(registry) == before)
    }

    @Test func theSampleDataImportsWithOneOverLeasedSite() throws {
        let registry = try Fixtures.store()
        let c = Fixtures.context
        _ = try registry.importParcels(
            file: Fixtures.geoData + "/parcels.geojson", options: FeatureImportOptions(profile: "sandiao", context: c))
        #expect(try registry.importEnterprises(file: Fixtures.geoData + "/enterprises.csv", context: c).rows == 41)
        #expect(
            try registry.importEnterpriseYears(file: Fixtures.geoData + "/enterprise-years.csv", context: c).rows == 82)
        let sites = try registry.importSites(
            file: Fixtures.geoData + "/sites.geojson", options: FeatureImportOptions(context: c))
        #expect(sites.features == 12)
        let leases = try registry.importTenancies(file: Fixtures.geoData + "/tenancies.csv", context: c)
        #expect(leases.rows == 30)
        #expect(
            leases.warnings.count == 1 && leases.warnings[0].contains("site EC-002 is over-leased"),
            "\(leases.warnings)")
        #expect(try registry.site(code: "EC-001").parcelCodes == #"["3301100000000362","3301100000000363"]"#)
    }
}
