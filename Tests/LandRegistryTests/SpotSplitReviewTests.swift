import Foundation
import GRDB
import LandGeometry
import Testing

@testable import LandRegistry

/// Split spots (拆分) and the review chain on the SpotFixture store: S1 is x 520000…520100, y 3340000…3340100 over
/// farmland parcels A (x 519950…520050) and B (520000…520080) and basic farmland BF1 (520000…520030).
@Suite("Spot split and review chain")
struct SpotSplitReviewTests {
    static func children(_ rects: [(Double, Double)], codes: [String?] = []) -> String {
        Fixtures.write(
            Fixtures.collection4549(
                rects.enumerated().map { i, r in
                    let code = i < codes.count ? codes[i].map { #""code":"\#($0)""# } ?? "" : ""
                    return SpotFixture.rect(r.0, 3_340_000, r.1, 3_340_100, code)
                }), name: "children.geojson")
    }

    static func options(_ day: String = "2024-02-01", codes: [String]? = nil, inherit: Bool = false)
        -> SpotSplitOptions
    {
        SpotSplitOptions(codes: codes, inherit: inherit, source: FeatureImportOptions(context: SpotFixture.on(day)))
    }

    /// shapely's figures for S1 and two child rectangles: outside, overlap, gap (planar m²), and per child its
    /// area and farmland/basic-farmland area, planar and geodesic (pyproj Geod on CGCS2000).
    static func shapely(_ a: (Double, Double), _ b: (Double, Double)) throws -> [String: Double] {
        let script = """
            import json, sys
            from shapely.geometry import box
            from shapely.ops import unary_union, transform
            from pyproj import Geod, Transformer
            a0, a1, b0, b1 = map(float, sys.argv[1:5])
            y0, y1 = 3340000, 3340100
            s1, a, b = box(520000, y0, 520100, y1), box(a0, y0, a1, y1), box(b0, y0, b1, y1)
            farm = unary_union([box(519950, y0, 520050, y1), box(520000, y0, 520080, y1)])
            basic = box(520000, y0, 520030, y1)
            geod = Geod(a=6378137.0, f=1/298.257222101)
            to_ll = Transformer.from_crs(4549, 4490, always_xy=True)
            ell = lambda g: abs(geod.geometry_area_perimeter(transform(to_ll.transform, g))[0]) if not g.is_empty else 0.0
            out = {"outside_a": a.difference(s1).area, "outside_b": b.difference(s1).area,
                   "overlap": a.intersection(b).area, "gap": s1.difference(a.union(b)).area}
            for n, g in (("a", a), ("b", b)):
                out[n + "_area"], out[n + "_area_ell"] = g.area, ell(g)
                out[n + "_farm"], out[n + "_farm_ell"] = g.intersection(farm).area, ell(g.intersection(farm))
                out[n + "_basic_ell"] = ell(g.intersection(basic))
            print(json.dumps(out))
            """
        let r = try Fixtures.runPython(script, [a.0, a.1, b.0, b.1].map { String($0) })
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONDecoder().decode([String: Double].self, from: Data(r.stdout.utf8))
    }

    static func figure(_ text: String, after label: String) -> Double? {
        guard let range = text.range(of: label) else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    @Test func aChildOutsideOverlappingOrLeavingAGapIsRefusedWithShapelysFiguresAndChangesNothing() throws {
        let registry = try SpotFixture.store()
        let before = try SpotFixture.state(registry)
        // outside: the second child reaches 5 m past the spot; overlap: 5 m shared; gap: 5 m uncovered.
        let cases: [(String, (Double, Double), (Double, Double), String, String)] = [
            ("outside", (520_000, 520_040), (520_040, 520_105), "outside_b", "child 2 (S1_2) lies "),
            (
                "overlap", (520_000, 520_045), (520_040, 520_100), "overlap",
                "child 1 (S1_1) and child 2 (S1_2) overlap by "
            ),
            ("gap", (520_000, 520_035), (520_040, 520_100), "gap", "the children leave ")
        ]
        for (name, a, b, key, label) in cases {
            let expected = try Self.shapely(a, b)
            let refused = try #require(throws: SpotStepRefused.self, "\(name)") {
                try registry.splitSpot(code: "S1", file: Self.children([a, b]), options: Self.options())
            }
            let shown = try #require(Self.figure(refused.message, after: label), "\(refused.message)")
            #expect(abs(shown - (expected[key] ?? -1)) < 0.005, "\(name): \(refused.message) vs \(expected)")
            #expect(refused.message.hasPrefix("spot S1 cannot be split into"), "\(refused.message)")
            #expect(refused.errorDescription!.hasSuffix("nothing was changed"))
            #expect(try SpotFixture.state(registry) == before)
        }
    }

    @Test func aSplitMakesChildrenWithTheImportsOverlayAndTheParentFinal() throws {
        let registry = try SpotFixture.store()
        let (a, b) = ((520_000.0, 520_040.0), (520_040.0, 520_100.0))
        let expected = try Self.shapely(a, b)
        let result = try registry.splitSpot(code: "S1", file: Self.children([a, b]), options: Self.options())
        #expect(result.from == .reported && result.children.map(\.code) == ["S1_1", "S1_2"])
        #expect(result.gapM2 < 1e-6 && result.overlapM2 < 1e-6 && result.outsideM2 < 1e-6)
        let parent = try registry.spot(code: "S1")
        #expect(parent.status == .split)
        for (n, code) in [("a", "S1_1"), ("b", "S1_2")] {
            let c = try registry.spot(code: code)
            #expect(c.parentCode == "S1" && c.status == .reported && c.judgement == nil)
            #expect(c.batch == parent.batch && c.detectedDate == parent.detectedDate && c.village == parent.village)
            #expect(abs(c.planarAreaM2 - expected[n + "_area"]!) < 1e-6)
            #expect(abs(c.ellipsoidalAreaM2 - expected[n + "_area_ell"]!) < 1e-3)
            #expect(abs(AreaUnits.mu(c.ellipsoidalAreaM2) - expected[n + "_area_ell"]! * 15 / 10_000) < 1e-5)
            #expect(abs(c.farmlandPlanarAreaM2 - expected[n + "_farm"]!) < 1e-6)
            #expect(abs(c.farmlandAreaM2 - expected[n + "_farm_ell"]!) < 1e-3)
            #expect(abs(c.basicFarmlandAreaM2 - expected[n + "_basic_ell"]!) < 1e-3)
        }
        #expect(try registry.spotChildren(of: "S1").map(\.code) == ["S1_1", "S1_2"])
        #expect(try registry.spotHistory(code: "S1").last?.action == .split)
        let childEvent = try #require(try registry.spotHistory(code: "S1_2").first)
        #expect(childEvent.action == .splitChild && childEvent.toState == "reported")
        guard case .splitChild(let d) = try childEvent.typedDetails() else { Issue.record("details"); return }
        #expect(d.parent == "S1" && d.index == 2 && d.inherited == nil)

        // A split spot is final; codes given by the file or --codes; a closed spot cannot be split.
        let again = try #require(throws: SpotStepRefused.self) {
            try registry.splitSpot(code: "S1", file: Self.children([a, b]), options: Self.options())
        }
        #expect(again.message.hasPrefix("spot S1 is split; split needs a spot that is reported, verifying"))
    }

    @Test func withInheritChildrenTakeTheJudgementAndAShareOfTheProgress() throws {
        let registry = try SpotFixture.store()
        try registry.applySpotStep(
            .verify(judgement: .illegal, basis: "未批先建", approvalDoc: nil), code: "S1",
            context: SpotFixture.on("2024-01-20"))
        try registry.applySpotStep(
            .rectify(measure: "demolish-restore", deadline: "2024-06-30"), code: "S1",
            context: SpotFixture.on("2024-01-21"))
        try registry.applySpotStep(
            .progress(restoredM2: nil, recultivatedM2: 2_000, remainingM2: 5_000), code: "S1",
            context: SpotFixture.on("2024-01-22"))
        let parent = try registry.spot(code: "S1")
        _ = try registry.splitSpot(
            code: "S1", file: Self.children([(520_000, 520_040), (520_040, 520_100)], codes: ["W", nil]),
            options: Self.options(codes: ["A-1", "A-2"], inherit: true))
        for code in ["A-1", "A-2"] {
            let c = try registry.spot(code: code)
            let share = c.ellipsoidalAreaM2 / parent.ellipsoidalAreaM2
            #expect(c.status == .rectifying && c.judgement == .illegal && c.basis == "未批先建")
            #expect(c.measure == "demolish-restore" && c.deadline == "2024-06-30")
            #expect(abs(c.remainingM2! - 5_000 * share) < 1e-9 && abs(c.recultivatedM2! - 2_000 * share) < 1e-9)
        }
        // The as-of replay rebuilds the children's inherited state from their split-child events.
        let asOf = try registry.spots(asOf: "2024-03-01")
        #expect(asOf.first { $0.code == "A-1" } == (try registry.spot(code: "A-1")))
        #expect(asOf.first { $0.code == "S1" }?.status == .split)
    }

    @Test func aChildGoesThroughItsWholeLifecycleToClosed() throws {
        let registry = try SpotFixture.store()
        _ = try registry.splitSpot(
            code: "S1", file: Self.children([(520_000, 520_040), (520_040, 520_100)]), options: Self.options())
        let steps: [(SpotStep, String, SpotStatus)] = [
            (.verify(judgement: .illegal, basis: nil, approvalDoc: nil), "2024-02-05", .illegal),
            (.rectify(measure: "demolish-restore", deadline: "2024-06-30"), "2024-02-10", .rectifying),
            (.progress(restoredM2: nil, recultivatedM2: 1_000, remainingM2: 0), "2024-04-01", .rectifying),
            (.complete, "2024-04-02", .rectified), (.submit, "2024-04-03", .submitted),
            (.review(level: "county", outcome: .pass), "2024-04-10", .submitted),
            (.review(level: "city", outcome: .pass), "2024-04-20", .submitted),
            (.review(level: "province", outcome: .pass), "2024-04-30", .reviewed),
            (.close(doc: "销号-1"), "2024-05-10", .closed)
        ]
        for (step, day, status) in steps {
            #expect(try registry.applySpotStep(step, code: "S1_1", context: SpotFixture.on(day)).to == status)
        }
        // A child's step may not come before the split.
        let early = try #require(throws: SpotStepRefused.self) {
            try registry.applySpotStep(
                .verify(judgement: .legal, basis: nil, approvalDoc: nil), code: "S1_2",
                context: SpotFixture.on("2024-01-31"))
        }
        #expect(early.message.contains("would come before its last step (on 2024-02-01)"))
        // As of a day before the split the children did not exist and the parent was reported.
        let before = try registry.spots(asOf: "2024-01-20")
        #expect(!before.contains { $0.parentCode != nil } && before.first { $0.code == "S1" }?.status == .reported)
        let mid = try #require(try registry.spots(asOf: "2024-04-15").first { $0.code == "S1_1" })
        #expect(mid.status == .submitted && mid.reviewLevel == "county")
        #expect(try registry.spots(asOf: "2024-05-10").first { $0.code == "S1_1" } == (try registry.spot(code: "S1_1")))
    }

    /// S1 illegal, rectified (remaining 0): ready to submit.
    static func rectified(_ registry: Registry) throws {
        for (step, day) in [
            (SpotStep.verify(judgement: .illegal, basis: nil, approvalDoc: nil), "2024-02-01"),
            (.rectify(measure: "mixed", deadline: "2024-06-30"), "2024-02-02"),
            (.progress(restoredM2: nil, recultivatedM2: nil, remainingM2: 0), "2024-03-01"), (.complete, "2024-03-02")
        ] {
            try registry.applySpotStep(step, code: "S1", context: SpotFixture.on(day))
        }
    }

    @Test func reviewsGoInOrderAReturnSendsTheSpotBackAndResubmissionStartsAgain() throws {
        let registry = try SpotFixture.store()
        try Self.rectified(registry)
        func step(_ s: SpotStep, _ day: String) throws -> SpotStepResult {
            try registry.applySpotStep(s, code: "S1", context: SpotFixture.on(day))
        }
        func refused(_ s: SpotStep) throws -> String {
            let before = try SpotFixture.state(registry)
            let message = try #require(throws: SpotStepRefused.self) { try step(s, "2024-05-01") }.message
            #expect(try SpotFixture.state(registry) == before)
            return message
        }
        // Not submitted yet: review refused, close refused.
        #expect(
            try refused(.review(level: "county", outcome: .pass))
                .hasPrefix("spot S1 is rectified; review needs a spot that is submitted"))
        #expect(try refused(.close(doc: nil)).contains("close needs a spot that is legal, other or reviewed"))
        _ = try step(.submit, "2024-03-05")
        #expect(
            try refused(.review(level: "city", outcome: .pass))
                == "spot S1 is submitted and has passed no level yet; review at city needs the county review first "
                + "(the chain: county → city → province)")
        #expect(try refused(.review(level: "town", outcome: .pass)).contains(#"review level "town" is not in"#))
        #expect(try step(.review(level: "county", outcome: .pass), "2024-03-10").to == .submitted)
        #expect(try registry.spot(code: "S1").reviewLevel == "county")
        let returned = try step(
            .review(level: "city", outcome: .returned(reason: "仍有硬化", remainingM2: 50)), "2024-03-20")
        #expect(returned.from == .submitted && returned.to == .rectifying)
        let s = try registry.spot(code: "S1")
        #expect(s.status == .rectifying && s.remainingM2 == 50 && s.reviewLevel == nil)
        // Rectified again and resubmitted: the chain starts again at county.
        _ = try step(.progress(restoredM2: nil, recultivatedM2: nil, remainingM2: 0), "2024-04-01")
        _ = try step(.complete, "2024-04-02")
        _ = try step(.submit, "2024-04-03")
        #expect(try refused(.review(level: "city", outcome: .pass)).contains("needs the county review first"))
        for (level, day) in [("county", "2024-04-10"), ("city", "2024-04-11")] {
            #expect(try step(.review(level: level, outcome: .pass), day).to == .submitted)
        }
        #expect(try step(.review(level: "province", outcome: .pass), "2024-04-12").to == .reviewed)
        #expect(
            try refused(.review(level: "province", outcome: .pass)).contains("review needs a spot that is submitted"))
        let counts = try registry.spotReviewCounts()[try registry.spot(code: "S1").fid]
        #expect(counts == SpotReviewCounts(submissions: 2, returns: 1))
        #expect(
            try registry.spotReviewCounts(asOf: "2024-03-31")[s.fid] == SpotReviewCounts(submissions: 1, returns: 1))
        // The replay sees each day's state.
        #expect(try registry.spots(asOf: "2024-03-15").first { $0.code == "S1" }?.reviewLevel == "county")
        #expect(try registry.spots(asOf: "2024-03-25").first { $0.code == "S1" }?.status == .rectifying)
        #expect(try registry.spots(asOf: "2024-04-12").first { $0.code == "S1" } == (try registry.spot(code: "S1")))
        _ = try step(.close(doc: "D"), "2024-04-20")
        #expect(try registry.spot(code: "S1").status == .closed)
    }

    @Test func aReviewChainEditedAsDataChangesTheChain() throws {
        // An office whose province skips the city level: seeds/ with review-levels.csv edited.
        let seeds = Fixtures.directory()
        for file in try FileManager.default.contentsOfDirectory(atPath: Fixtures.seeds.directory) {
            try FileManager.default.copyItem(atPath: Fixtures.seeds.directory + "/" + file, toPath: seeds + "/" + file)
        }
        try "code,name_zh,order\ncounty,县级审核,1\nprovince,省级审核,2\n".write(
            toFile: seeds + "/review-levels.csv", atomically: true, encoding: .utf8)
        let store = Fixtures.directory() + "/two-levels.gpkg"
        let registry = try Registry.create(at: store, crs: .cgcs2000GK120E, seeds: SeedSet(directory: seeds))
        #expect(try registry.reviewLevels().map(\.code) == ["county", "province"])
        #expect(try Fixtures.store().reviewLevels().map(\.code) == ["county", "city", "province"])
        _ = try registry.importSpots(
            file: SpotFixture.spotsFile(), batch: "2024-01", options: FeatureImportOptions(context: SpotFixture.context)
        )
        try Self.rectified(registry)
        try registry.applySpotStep(.submit, code: "S1", context: SpotFixture.on("2024-03-05"))
        let city = try #require(throws: SpotStepRefused.self) {
            try registry.applySpotStep(
                .review(level: "city", outcome: .pass), code: "S1", context: SpotFixture.on("2024-03-06"))
        }
        #expect(city.message.contains(#"review level "city" is not in the store's review chain (county → province)"#))
        try registry.applySpotStep(
            .review(level: "county", outcome: .pass), code: "S1", context: SpotFixture.on("2024-03-06"))
        let last = try registry.applySpotStep(
            .review(level: "province", outcome: .pass), code: "S1", context: SpotFixture.on("2024-03-07"))
        #expect(last.to == .reviewed)
        let submit = try #require(try registry.spotHistory(code: "S1").first { $0.action == .submit })
        #expect(try submit.typedDetails() == .submit(SpotSubmission(levels: ["county", "province"])))
    }
}
