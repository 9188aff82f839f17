import Foundation
import GRDB
import LandGeometry
import Testing

@testable import LandRegistry

extension SpotFixture {
    /// A rectangle feature in EPSG:4549 metres with the given properties (JSON members without braces).
    static func rect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ properties: String) -> String {
        let ring = "[[\(x0),\(y0)],[\(x1),\(y0)],[\(x1),\(y1)],[\(x0),\(y1)],[\(x0),\(y0)]]"
        return
            #"{"type":"Feature","properties":{\#(properties)},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#
    }

    /// Everything a spot step could change: every spots row (all columns but the geometry) and every event.
    static func state(_ registry: Registry) throws -> [String] {
        try registry.dbQueue.read { db in
            let spots = try Row.fetchAll(db, sql: "SELECT * FROM spots ORDER BY fid").map { row in
                row.columnNames.filter { $0 != "geom" }.map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(
                    separator: "|")
            }
            let events = try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY id").map { "\($0)" }
            return spots + events
        }
    }
}

/// A store with farmland parcels that overlap each other, an industrial parcel, a basic-farmland zone and a
/// village, and one spot batch: S1 over all of them, S2 touching the village's edge only, and small spots SP1…SP8.
///
///   A (0101) x 519950…520050   B (0102) x 520000…520080 (overlaps A)   C (0601) x 520050…520150
///   BF1 (basic farmland) x 520000…520030   V1 (village) x 519000…521000   — all y 3340000…3340100
///   S1 x 520000…520100 → farmland = x 520000…520080 = 8000 m² planar (not 5000 + 8000), basic = 3000 m²
enum SpotFixture {
    static let context = ChangeContext(actor: "tester", effectiveDate: "2024-01-10")

    static func on(_ day: String, note: String? = nil, evidence: Evidence? = nil) -> ChangeContext {
        ChangeContext(actor: "tester", effectiveDate: day, note: note, evidence: evidence)
    }

    static func spotsFile(batch: String = "2024-01", s1Side: Double = 100, extra: String = "") -> String {
        var features = [
            SpotFixture.rect(
                520_000, 3_340_000, 520_000 + s1Side, 3_340_100,
                #""code":"S1","batch":"\#(batch)","detected_date":"2024-01-05","clue_code":"XS-1","village":"湖埠村","current_use":"厂房"\#(extra)"#
            ),
            SpotFixture.rect(521_000, 3_340_000, 521_050, 3_340_050, #""code":"S2","detected_date":"2024-01-06""#)
        ]
        for i in 1...8 {
            let x = 519_000 + Double(i) * 20
            features.append(SpotFixture.rect(x, 3_340_200, x + 10, 3_340_210, #""code":"SP\#(i)""#))
        }
        return Fixtures.write(Fixtures.collection4549(features))
    }

    static func store() throws -> Registry {
        let registry = try Fixtures.store()
        let options = FeatureImportOptions(context: context)
        _ = try registry.importParcels(
            file: Fixtures.write(
                Fixtures.collection4549([
                    SpotFixture.rect(519_950, 3_340_000, 520_050, 3_340_100, #""code":"A","land_use":"0101""#),
                    SpotFixture.rect(520_000, 3_340_000, 520_080, 3_340_100, #""code":"B","land_use":"0102""#),
                    SpotFixture.rect(520_050, 3_340_000, 520_150, 3_340_100, #""code":"C","land_use":"0601""#)
                ])), options: options)
        _ = try registry.importZones(
            file: Fixtures.write(
                Fixtures.collection4549([
                    SpotFixture.rect(520_000, 3_340_000, 520_030, 3_340_100, #""code":"BF1""#)
                ])), kind: .basicFarmland, options: options)
        _ = try registry.importZones(
            file: Fixtures.write(
                Fixtures.collection4549([
                    SpotFixture.rect(519_000, 3_339_900, 521_000, 3_340_300, #""code":"V1","name":"湖埠村""#)
                ])), kind: .village, options: options)
        _ = try registry.importSpots(file: spotsFile(), batch: "2024-01", options: options)
        return registry
    }
}

@Suite("Importing violation spots")
struct SpotImportTests {
    let options = FeatureImportOptions(context: SpotFixture.context)

    @Test func farmlandIsMeasuredOnceWhereParcelsOverlapAndZonesAreFound() throws {
        let registry = try SpotFixture.store()
        let s1 = try registry.spot(code: "S1")
        #expect(s1.status == .reported && s1.batch == "2024-01" && s1.detectedDate == "2024-01-05")
        #expect(s1.clueCode == "XS-1" && s1.village == "湖埠村")
        #expect(s1.properties == #"{"current_use":"厂房"}"#)
        #expect(abs(s1.planarAreaM2 - 10_000) < 1e-6)
        #expect(abs(s1.farmlandPlanarAreaM2 - 8_000) < 1e-6) // A ∪ B, not A + B (13,000)
        #expect(abs(s1.basicFarmlandPlanarAreaM2 - 3_000) < 1e-6)
        // Ellipsoidal figures scale like the monitored area (same place, same Gauss-Krüger scale).
        let scale = s1.ellipsoidalAreaM2 / s1.planarAreaM2
        #expect(abs(scale - 1) < 1e-3)
        #expect(abs(s1.farmlandAreaM2 - 8_000 * scale) < 1e-3)
        #expect(abs(s1.basicFarmlandAreaM2 - 3_000 * scale) < 1e-3)
        #expect(s1.zoneCodes == ["BF1", "V1"])
        // S2 only touches the village's edge: no zone, no farmland.
        let s2 = try registry.spot(code: "S2")
        #expect(s2.zoneCodes.isEmpty && s2.farmlandAreaM2 == 0 && s2.basicFarmlandAreaM2 == 0)
        #expect(try registry.spots(SpotFilter(zoneCode: "BF1")).map(\.code) == ["S1"])
        let imported = try registry.spotHistory(code: "S1")
        #expect(imported.map(\.action.rawValue) == ["import"] && imported[0].toState == "reported")
    }

    @Test func theSameBatchResentUnchangedIsSkippedAnythingElseWithAnExistingCodeIsRefused() throws {
        let registry = try SpotFixture.store()
        let again = try registry.importSpots(file: SpotFixture.spotsFile(), batch: "2024-01", options: options)
        #expect(again.features == 0 && again.unchanged == 10)
        #expect(try registry.spots().count == 10)

        let before = try SpotFixture.state(registry)
        let changed = try #require(throws: ImportFailed.self) {
            try registry.importSpots(file: SpotFixture.spotsFile(s1Side: 90), batch: "2024-01", options: options)
        }
        #expect(changed.problemCount == 1)
        #expect(changed.errorDescription!.contains("code S1 already exists (batch 2024-01"))
        #expect(changed.errorDescription!.contains("same batch re-sent unchanged"))
        let otherProps = try #require(throws: ImportFailed.self) {
            try registry.importSpots(
                file: SpotFixture.spotsFile(extra: #","note":"x""#), batch: "2024-01", options: options)
        }
        #expect(otherProps.problemCount == 1)
        let otherBatch = try #require(throws: ImportFailed.self) {
            try registry.importSpots(file: SpotFixture.spotsFile(batch: "2024-02"), batch: "2024-02", options: options)
        }
        #expect(otherBatch.problemCount == 10)
        #expect(try SpotFixture.state(registry) == before)
    }

    @Test func badSpotsAreAllListedAndNothingIsWritten() throws {
        let registry = try Fixtures.store()
        let before = try SpotFixture.state(registry)
        let file = Fixtures.write(
            Fixtures.collection4549([
                SpotFixture.rect(520_000, 3_340_000, 520_010, 3_340_010, #""code":"D1""#),
                SpotFixture.rect(520_100, 3_340_000, 520_110, 3_340_010, #""code":"D1""#),
                SpotFixture.rect(520_200, 3_340_000, 520_210, 3_340_010, #""code":"W","batch":"2023-07""#),
                SpotFixture.rect(520_300, 3_340_000, 520_310, 3_340_010, #""code":"T","detected_date":"2024-02-30""#),
                SpotFixture.rect(520_400, 3_340_000, 520_410, 3_340_010, #""batch":"2024-01""#)
            ]))
        let failure = try #require(throws: ImportFailed.self) {
            try registry.importSpots(file: file, batch: "2024-01", options: options)
        }
        let text = failure.errorDescription!
        #expect(failure.problemCount == 4, "\(text)")
        #expect(text.contains("feature 1 (code D1): duplicate code D1: feature 0 of this file has it too"))
        #expect(text.contains(#"feature 2 (code W): its batch is "2023-07", but the import is --batch 2024-01"#))
        #expect(text.contains(#"feature 3 (code T): detected date "2024-02-30" is not a date YYYY-MM-DD"#))
        #expect(text.contains("feature 4: has no code"))
        #expect(try SpotFixture.state(registry) == before)
        #expect(throws: ImportSetupError.self) { try registry.importSpots(file: file, batch: " ", options: options) }
    }
}

@Suite("Spot lifecycle")
struct SpotLifecycleTests {
    @Test func aWholeLifecycleIsRecordedStepByStepInTheAuditLog() throws {
        let registry = try SpotFixture.store()
        let photo = Fixtures.write("photo bytes", name: "site-photo.jpg")
        let evidence = try Evidence(file: photo)
        let steps: [(SpotStep, String, SpotStatus)] = [
            (.verify(judgement: nil, basis: nil, approvalDoc: nil), "2024-01-15", .verifying),
            (.verify(judgement: .illegal, basis: "未经批准占用耕地", approvalDoc: nil), "2024-02-01", .illegal),
            (.rectify(measure: "demolish-restore", deadline: "2024-06-30"), "2024-02-10", .rectifying),
            (.progress(restoredM2: 5_000, recultivatedM2: 4_000, remainingM2: 5_000), "2024-04-01", .rectifying),
            (.progress(restoredM2: 10_000, recultivatedM2: 8_000, remainingM2: 0), "2024-05-20", .rectifying),
            (.complete, "2024-05-25", .rectified),
            (.submit, "2024-05-26", .submitted),
            (.review(level: "county", outcome: .pass), "2024-06-01", .submitted),
            (.review(level: "city", outcome: .pass), "2024-06-10", .submitted),
            (.review(level: "province", outcome: .pass), "2024-06-20", .reviewed),
            (.close(doc: "销号〔2024〕7号"), "2024-07-01", .closed)
        ]
        for (step, day, expected) in steps {
            let r = try registry.applySpotStep(
                step, code: "S1", context: SpotFixture.on(day, note: "step on \(day)", evidence: evidence))
            #expect(r.to == expected)
            #expect(try registry.spot(code: "S1").status == expected)
        }
        let s = try registry.spot(code: "S1")
        #expect(s.judgement == .illegal && s.basis == "未经批准占用耕地" && s.measure == "demolish-restore")
        #expect(s.deadline == "2024-06-30" && s.restoredM2 == 10_000 && s.recultivatedM2 == 8_000 && s.remainingM2 == 0)
        #expect(s.closedDoc == "销号〔2024〕7号")

        let events = try registry.spotHistory(code: "S1")
        #expect(
            events.map(\.action.rawValue) == [
                "import", "verify", "verify", "rectify", "progress", "progress", "complete", "submit", "review",
                "review", "review", "close"
            ])
        #expect(
            events.map(\.toState) == [
                "reported", "verifying", "illegal", "rectifying", "rectifying", "rectifying",
                "rectified", "submitted", "submitted", "submitted", "reviewed", "closed"
            ])
        #expect(
            events.dropFirst().map(\.fromState) == [
                "reported", "verifying", "illegal", "rectifying", "rectifying",
                "rectifying", "rectified", "submitted", "submitted", "submitted", "reviewed"
            ])
        #expect(events.dropFirst().map(\.effectiveDate) == steps.map(\.1))
        #expect(events.map(\.id!) == events.map(\.id!).sorted())
        for e in events.dropFirst() {
            #expect(e.actor == "tester" && e.note == "step on \(e.effectiveDate)")
            #expect(e.evidencePath == photo && e.evidenceSHA256 == evidence.sha256 && evidence.sha256.count == 64)
        }
        #expect(events[2].details == #"{"basis":"未经批准占用耕地","judgement":"illegal"}"#)
        #expect(
            events[3].details.contains(#""deadline":"2024-06-30""#)
                && events[3].details.contains(#""measure":"demolish-restore""#))
        #expect(events[5].details == #"{"recultivated_m2":8000.0,"remaining_m2":0.0,"restored_m2":10000.0}"#)

        // The store itself refuses to change or delete events, whatever program writes to it.
        #expect(throws: DatabaseError.self) {
            try registry.dbQueue.write { db in
                try db.execute(sql: "UPDATE events SET actor = 'mallory' WHERE entity = 'spot'")
            }
        }
        #expect(throws: DatabaseError.self) {
            try registry.dbQueue.write { db in try db.execute(sql: "DELETE FROM events WHERE entity = 'spot'") }
        }
        #expect(throws: DatabaseError.self) {
            try registry.dbQueue.write { db in try db.execute(sql: "DELETE FROM spots") }
        }
        #expect(try registry.spotHistory(code: "S1") == events)
    }

    @Test func aFailedReviewReopensARectifiedSpot() throws {
        let registry = try SpotFixture.store()
        try registry.applySpotStep(
            .verify(judgement: .illegal, basis: nil, approvalDoc: nil), code: "S1",
            context: SpotFixture.on("2024-02-01"))
        try registry.applySpotStep(
            .rectify(measure: "mixed", deadline: "2024-06-30"), code: "S1", context: SpotFixture.on("2024-02-02"))
        #expect(try registry.spot(code: "S1").remainingM2 == (try registry.spot(code: "S1").ellipsoidalAreaM2))
        try registry.applySpotStep(
            .progress(restoredM2: nil, recultivatedM2: nil, remainingM2: 0), code: "S1",
            context: SpotFixture.on("2024-03-01"))
        try registry.applySpotStep(.complete, code: "S1", context: SpotFixture.on("2024-03-02"))
        let r = try registry.applySpotStep(
            .reopen(reason: "复核：仍有硬化地面", remainingM2: 120), code: "S1",
            context: SpotFixture.on("2024-03-20"))
        #expect(r.from == .rectified && r.to == .rectifying)
        let s = try registry.spot(code: "S1")
        #expect(s.status == .rectifying && s.remainingM2 == 120)
        let reopen = try #require(try registry.spotHistory(code: "S1").last)
        #expect(reopen.action == .reopen && reopen.details == #"{"reason":"复核：仍有硬化地面","remaining_m2":120.0}"#)
        // It must be rectified again before it can be closed.
        #expect(throws: SpotStepRefused.self) {
            try registry.applySpotStep(.close(doc: nil), code: "S1", context: SpotFixture.on("2024-03-21"))
        }
        let refused = try #require(throws: SpotStepRefused.self) {
            try registry.applySpotStep(.complete, code: "S1", context: SpotFixture.on("2024-03-21"))
        }
        #expect(
            refused.message.contains("is rectifying with 120.00 m² remaining; complete needs a remaining area of 0"))
        try registry.applySpotStep(
            .progress(restoredM2: nil, recultivatedM2: nil, remainingM2: 0), code: "S1",
            context: SpotFixture.on("2024-04-01"))
        try registry.applySpotStep(.complete, code: "S1", context: SpotFixture.on("2024-04-02"))
        try registry.applySpotStep(.submit, code: "S1", context: SpotFixture.on("2024-04-02"))
        for level in ["county", "city", "province"] {
            try registry.applySpotStep(
                .review(level: level, outcome: .pass), code: "S1", context: SpotFixture.on("2024-04-03"))
        }
        try registry.applySpotStep(.close(doc: "D-1"), code: "S1", context: SpotFixture.on("2024-04-03"))
        #expect(
            try registry.spotHistory(code: "S1").map(\.action.rawValue)
                == [
                    "import", "verify", "rectify", "progress", "complete", "reopen", "progress", "complete", "submit",
                    "review", "review", "review", "close"
                ])
    }

    /// Puts SP1…SP8, S2 and S1 into each state but split (SpotSplitTests split spots).
    static func spotsInEveryState(_ registry: Registry) throws -> [SpotStatus: String] {
        let d = SpotFixture.on("2024-02-01")
        // A legal verdict without approvals covering the spot needs its document (--approval).
        func verify(_ j: SpotJudgement?) -> SpotStep {
            .verify(judgement: j, basis: nil, approvalDoc: j == .legal ? "浙土字〔2024〕1号" : nil)
        }
        let plans: [(String, SpotStatus, [SpotStep])] = [
            ("SP1", .reported, []),
            ("SP2", .verifying, [verify(nil)]),
            ("SP3", .legal, [verify(.legal)]),
            ("SP4", .other, [verify(.other)]),
            ("SP5", .illegal, [verify(.illegal)]),
            ("SP6", .rectifying, [verify(.illegal), .rectify(measure: "demolish-restore", deadline: "2024-06-30")]),
            (
                "SP7", .rectified,
                [
                    verify(.illegal), .rectify(measure: "demolish-restore", deadline: "2024-06-30"),
                    .progress(restoredM2: 100, recultivatedM2: nil, remainingM2: 0), .complete
                ]
            ),
            ("SP8", .closed, [verify(.legal), .close(doc: nil)]),
            (
                "S2", .submitted,
                [
                    verify(.illegal), .rectify(measure: "demolish-restore", deadline: "2024-06-30"),
                    .progress(restoredM2: nil, recultivatedM2: nil, remainingM2: 0), .complete, .submit
                ]
            ),
            (
                "S1", .reviewed,
                [
                    verify(.illegal), .rectify(measure: "demolish-restore", deadline: "2024-06-30"),
                    .progress(restoredM2: nil, recultivatedM2: nil, remainingM2: 0), .complete, .submit,
                    .review(level: "county", outcome: .pass), .review(level: "city", outcome: .pass),
                    .review(level: "province", outcome: .pass)
                ]
            )
        ]
        var codes: [SpotStatus: String] = [:]
        for (code, status, steps) in plans {
            for step in steps { try registry.applySpotStep(step, code: code, context: d) }
            #expect(try registry.spot(code: code).status == status)
            codes[status] = code
        }
        return codes
    }

    @Test func everyTransitionNotInTheTableIsRefusedWithTheStateAndChangesNothing() throws {
        let registry = try SpotFixture.store()
        let codes = try Self.spotsInEveryState(registry)
        let candidates: [SpotStep] = [
            .verify(judgement: nil, basis: nil, approvalDoc: nil),
            .verify(judgement: .illegal, basis: nil, approvalDoc: nil),
            .rectify(measure: "demolish-restore", deadline: "2024-12-31"),
            .progress(restoredM2: 1, recultivatedM2: nil, remainingM2: nil), .complete,
            .reopen(reason: "review failed", remainingM2: nil), .close(doc: nil)
        ]
        var refusedCount = 0
        for status in SpotStatus.allCases where status != .split {
            let code = try #require(codes[status])
            for step in candidates {
                let target: SpotStatus
                switch step {
                case .verify(let j, _, _): target = j?.status ?? .verifying
                case .complete: target = .rectified
                case .close: target = .closed
                default: target = .rectifying
                }
                if SpotStateMachine.transition(step.action, from: status, to: target) != nil { continue }
                let before = try SpotFixture.state(registry)
                let refused = try #require(throws: SpotStepRefused.self, "\(step) from \(status)") {
                    try registry.applySpotStep(step, code: code, context: SpotFixture.on("2024-03-01"))
                }
                #expect(
                    refused.message.hasPrefix("spot \(code) is \(status.rawValue); \(step.action.rawValue)"),
                    "\(refused.message)")
                #expect(refused.message.contains("needs a spot that is"))
                #expect(refused.errorDescription!.hasSuffix("nothing was changed"))
                #expect(try SpotFixture.state(registry) == before)
                refusedCount += 1
            }
        }
        // 10 states × 7 steps, less the 10 the table allows.
        #expect(refusedCount == 60)
        let text = SpotStateMachine.refusal(code: "X", action: .close, from: .rectified, to: .closed)
        #expect(
            text
                == "spot X is rectified; close needs a spot that is legal, other or reviewed (and a rectified spot "
                + "needs `spots submit` and a pass at every review level first)")
        #expect(
            SpotStateMachine.refusal(code: "X", action: .rectify, from: .reported, to: .rectifying)
                == "spot X is reported; rectify needs a spot that is illegal (and --measure and --deadline)")
        #expect(
            SpotStateMachine.refusal(code: "X", action: .verify, from: .verifying, to: .verifying)
                .hasPrefix(
                    "spot X is verifying; verify without --judgement needs a spot that is reported; a verifying spot needs --judgement"
                ))
    }

    @Test func stepsWithBadValuesAreRefusedAndChangeNothing() throws {
        let registry = try SpotFixture.store()
        let codes = try Self.spotsInEveryState(registry)
        let before = try SpotFixture.state(registry)
        let day = SpotFixture.on("2024-03-01")
        func refused(_ step: SpotStep, _ code: String, _ context: ChangeContext = SpotFixture.on("2024-03-01")) throws
            -> String
        {
            try #require(throws: SpotStepRefused.self) {
                try registry.applySpotStep(step, code: code, context: context)
            }.message
        }
        #expect(
            try refused(.rectify(measure: "bulldoze", deadline: "2024-12-31"), codes[.illegal]!)
                .contains(
                    #"unknown measure "bulldoze" (known: demolish-restore, supplementary-approval, mixed, confiscation, other)"#
                ))
        #expect(
            try refused(.rectify(measure: "other", deadline: "2024-02-30"), codes[.illegal]!).contains("is not a date"))
        #expect(
            try refused(.rectify(measure: "other", deadline: "2024-02-01"), codes[.illegal]!)
                .contains("deadline 2024-02-01 is before the day rectification starts (2024-03-01)"))
        #expect(
            try refused(.progress(restoredM2: nil, recultivatedM2: nil, remainingM2: 101), codes[.rectifying]!)
                .contains("remaining area 101.00 m² is more than the spot's monitored area"))
        #expect(
            try refused(.progress(restoredM2: nil, recultivatedM2: nil, remainingM2: nil), codes[.rectifying]!)
                .contains("progress needs at least one of"))
        #expect(
            try refused(.progress(restoredM2: -1, recultivatedM2: nil, remainingM2: nil), codes[.rectifying]!)
                .contains("must be a number ≥ 0"))
        #expect(try refused(.complete, codes[.rectifying]!).contains("complete needs a remaining area of 0"))
        #expect(
            try refused(.reopen(reason: "  ", remainingM2: nil), codes[.rectified]!).contains("reopen needs --reason"))
        #expect(
            try refused(.close(doc: nil), codes[.legal]!, SpotFixture.on("2024-01-31"))
                .contains("would come before its last step (on 2024-02-01)"))
        #expect(throws: NotFound.self) { try registry.applySpotStep(.complete, code: "NOPE", context: day) }
        #expect(try SpotFixture.state(registry) == before)
    }

    @Test func overdueIsJudgedAsOfADate() throws {
        let registry = try SpotFixture.store()
        // SP6 rectifying, deadline 2024-06-30; SP5 illegal, no deadline
        let codes = try Self.spotsInEveryState(registry)
        let rectifying = try registry.spot(code: codes[.rectifying]!)
        #expect(!rectifying.isOverdue(asOf: "2024-06-30")) // due that day: not yet overdue
        #expect(rectifying.isOverdue(asOf: "2024-07-01"))
        #expect(!(try registry.spot(code: codes[.illegal]!)).isOverdue(asOf: "2030-01-01"))
        #expect(!(try registry.spot(code: codes[.rectified]!)).isOverdue(asOf: "2030-01-01")) // rectified: done
        #expect(try registry.spots(SpotFilter(overdue: true, asOf: "2024-06-30")).isEmpty)
        #expect(try registry.spots(SpotFilter(overdue: true, asOf: "2024-07-01")).map(\.code) == [codes[.rectifying]!])
        #expect(try registry.spots(SpotFilter(status: .illegal)).map(\.code) == [codes[.illegal]!])
        #expect(throws: NotFound.self) { try registry.spots(SpotFilter(zoneCode: "NOZONE")) }
    }
}

@Suite("Spot bulk updates")
struct SpotUpdatesTests {
    static let header =
        "code,action,judgement,basis,approval,measure,deadline,restored_m2,recultivated_m2,remaining_m2,reason,doc,note,on,actor,evidence\n"

    @Test func goodRowsApplyInFileOrderInOneGo() throws {
        let registry = try SpotFixture.store()
        let dir = Fixtures.directory()
        try "photo".write(toFile: dir + "/p1.jpg", atomically: true, encoding: .utf8)
        let csv = dir + "/updates.csv"
        try
            (Self.header + """
                S1,verify,illegal,未批先建,,,,,,,,,外业核查,2024-02-01,李娜,p1.jpg
                S1,rectify,,,,demolish-restore,2024-06-30,,,,,,,2024-02-05,,
                S1,progress,,,,,,"10000",8000,0,,,"拆除, 复耕",2024-05-01,,
                S1,complete,,,,,,,,,,,,2024-05-02,,
                S2,verify,legal,已批,浙土字〔2023〕1号,,,,,,,,,2024-02-01,,
                S2,close,,,,,,,,,,D-7,,2024-02-03,,
                """).write(toFile: csv, atomically: true, encoding: .utf8)
        let report = try registry.importSpotUpdates(file: csv, defaults: SpotFixture.on("2024-06-01"))
        #expect(report.applied.map(\.action) == [.verify, .rectify, .progress, .complete, .verify, .close])
        #expect(try registry.spot(code: "S1").status == .rectified)
        let s2 = try registry.spot(code: "S2")
        #expect(s2.status == .closed && s2.approvalDoc == "浙土字〔2023〕1号" && s2.closedDoc == "D-7")
        let events = try registry.spotHistory(code: "S1")
        #expect(events[1].actor == "李娜" && events[2].actor == "tester") // row actor, else the command's
        #expect(events[1].evidencePath == dir + "/p1.jpg" && events[1].evidenceSHA256 != nil)
        #expect(events[3].note == "拆除, 复耕")
        let batchEvent = try #require(try registry.events(entity: .import).last)
        #expect(batchEvent.action == .spotUpdates && batchEvent.details.contains(#""rows":6"#))
    }

    @Test func anyBadRowMeansNoRowIsAppliedAndEveryBadRowIsListed() throws {
        let registry = try SpotFixture.store()
        let before = try SpotFixture.state(registry)
        let csv = Fixtures.write(
            Self.header + """
                S1,verify,illegal,,,,,,,,,,,2024-02-01,,
                S1,complete,,,,,,,,,,,,2024-02-02,,
                NOPE,verify,legal,,,,,,,,,,,2024-02-01,,
                S2,verify,guilty,,,,,,,,,,,2024-02-01,,
                S2,rectify,,,,demolish-restore,,,,,,,,2024-02-01,,
                S2,explode,,,,,,,,,,,,2024-02-01,,
                S2,verify,legal,,,other,,,,,,,,2024-02-01,,
                S2,verify,legal,,,,,,,,,,,2024-13-01,,
                S2,verify,legal,,,,,,,,,,,2024-02-01,,missing.jpg
                S1,rectify,,,,demolish-restore,2024-06-30,,,,,,,2024-02-03,,
                S1,progress,,,,,,,,ten,,,,2024-02-04,,
                ,verify,legal,,,,,,,,,,,2024-02-01,,
                """, name: "bad.csv")
        let failure = try #require(throws: SpotUpdatesFailed.self) {
            try registry.importSpotUpdates(file: csv, defaults: SpotFixture.context)
        }
        let lines = failure.problems.map(\.line)
        #expect(lines == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13], "\(failure.errorDescription!)")
        let text = failure.errorDescription!
        #expect(text.hasPrefix("\(csv): 10 bad rows; nothing was applied"))
        #expect(text.contains("bad.csv:line 3 (S1): spot S1 is illegal; complete needs a spot that is rectifying"))
        #expect(text.contains("line 4 (NOPE): no spot with code NOPE"))
        #expect(text.contains(#"line 5 (S2): judgement "guilty" is not legal, illegal or other"#))
        #expect(text.contains("line 6 (S2): rectify needs measure and deadline"))
        #expect(text.contains(#"line 7 (S2): unknown action "explode""#))
        #expect(text.contains("line 8 (S2): measure does not apply to verify"))
        #expect(text.contains(#"line 9 (S2): on "2024-13-01" is not a date"#))
        #expect(text.contains("line 10 (S2): evidence file") && text.contains("no such file"))
        #expect(text.contains(#"line 12 (S1): remaining_m2 "ten" is not a number ≥ 0"#))
        #expect(text.contains("line 13: no code"))
        // Line 11 acted on the state line 2 left (illegal) and was fine; still nothing was applied.
        #expect(try SpotFixture.state(registry) == before)
        #expect(throws: CSVError.self) {
            try registry.importSpotUpdates(
                file: Fixtures.write("code,action,colour\nS1,verify,red\n", name: "c.csv"),
                defaults: SpotFixture.context)
        }
    }
}
