import Foundation
import GRDB
import LandGeometry
import Testing

@testable import LandRegistry

/// Records as they stood on a past date, rebuilt from the audit log.
@Suite("State as of a date")
struct StateAsOfTests {
    @Test func aSpotIsSeenAsItStoodOnEachDay() throws {
        // Given a spot detected on 2024-01-02 that goes through its lifecycle with effective dates in 2024.
        let registry = try Fixtures.store()
        let feature = Fixtures.squareFeature(code: "S1", extra: #","detected_date":"2024-01-02""#)
        _ = try registry.importSpots(
            file: Fixtures.write(Fixtures.collection4549([feature])), batch: "2024-01",
            options: FeatureImportOptions(context: Fixtures.context))
        func on(_ day: String) -> ChangeContext { ChangeContext(actor: "tester", effectiveDate: day) }
        _ = try registry.applySpotStep(
            .verify(judgement: .illegal, basis: "占用耕地", approvalDoc: nil), code: "S1", context: on("2024-01-10"))
        _ = try registry.applySpotStep(
            .rectify(measure: "demolish-restore", deadline: "2024-05-31"), code: "S1", context: on("2024-02-01"))
        _ = try registry.applySpotStep(
            .progress(restoredM2: nil, recultivatedM2: 4_000, remainingM2: 6_000), code: "S1", context: on("2024-03-01")
        )
        _ = try registry.applySpotStep(
            .progress(restoredM2: nil, recultivatedM2: 10_000, remainingM2: 0), code: "S1", context: on("2024-06-01"))
        _ = try registry.applySpotStep(.complete, code: "S1", context: on("2024-06-02"))

        // Then each day sees the state of that day.
        #expect(try registry.spots(asOf: "2024-01-01").isEmpty) // not yet detected
        let reported = try #require(try registry.spots(asOf: "2024-01-05").first)
        #expect(reported.status == .reported && reported.judgement == nil)
        let rectifying = try #require(try registry.spots(asOf: "2024-03-15").first)
        #expect(rectifying.status == .rectifying && rectifying.measure == "demolish-restore")
        #expect(
            rectifying.deadline == "2024-05-31" && rectifying.recultivatedM2 == 4_000 && rectifying.remainingM2 == 6_000
        )
        #expect(rectifying.isOverdue(asOf: "2024-03-15") == false)
        let late = try #require(try registry.spots(asOf: "2024-06-01").first)
        #expect(late.status == .rectifying && late.isOverdue(asOf: "2024-06-01"))
        let done = try #require(try registry.spots(asOf: "2024-12-31").first)
        #expect(done.status == .rectified && done.remainingM2 == 0)
        #expect(done == (try registry.spots().first)) // today: as stored
    }

    @Test func aSiteIsSeenAtTheStageItHadThen() throws {
        // Given a site imported today and changed with later effective dates (the undo path: events after the day).
        let registry = try Fixtures.store()
        let site = Fixtures.squareFeature(code: "EC-1", extra: #","mode":"recovery","stage":"identified""#)
        _ = try registry.importSites(
            file: Fixtures.write(Fixtures.collection4549([site])),
            options: FeatureImportOptions(context: Fixtures.context))
        try registry.advanceSite(
            code: "EC-1", to: .assessed, context: ChangeContext(actor: "t", effectiveDate: "2099-01-01"))
        try registry.advanceSite(
            code: "EC-1", to: .assessed, mode: .reGreening, disposedM2: 500,
            context: ChangeContext(actor: "t", effectiveDate: "2099-02-01"))
        func state(_ day: String) throws -> SiteStateAsOf? {
            let states = try registry.dbQueue.read { db in try registry.siteStates(db, asOf: day) }
            return states.first?.value
        }
        #expect(try state("2000-01-01") == nil) // not imported yet
        #expect(try state(Clock.today()) == SiteStateAsOf(stage: "identified", mode: "recovery", disposedM2: 0))
        #expect(try state("2099-01-15") == SiteStateAsOf(stage: "assessed", mode: "recovery", disposedM2: 0))
        #expect(try state("2099-12-31") == SiteStateAsOf(stage: "assessed", mode: "re-greening", disposedM2: 500))
    }
}
