import Foundation
import GRDB
import Testing

@testable import LandRegistry

/// Typed audit-event details: the text they write, the shapes they read, and the contracts they replaced.
@Suite("Typed audit events")
struct EventDetailsTests {
    @Test func storedJSONWritesTheTextTheLogHasAlwaysHeld() {
        // Numbers as Swift prints them (JSONEncoder would write 8000 and 0), keys sorted, absent optionals left out.
        #expect(
            StoredJSON.text(SpotProgress(restoredM2: 10_000, recultivatedM2: 8_000, remainingM2: 0))
                == #"{"recultivated_m2":8000.0,"remaining_m2":0.0,"restored_m2":10000.0}"#)
        #expect(
            StoredJSON.text(SpotProgress(restoredM2: nil, recultivatedM2: 622.7258849497885, remainingM2: nil))
                == #"{"recultivated_m2":622.7258849497885}"#)
        #expect(StoredJSON.text(SpotCompletion()) == "{}")
        #expect(StoredJSON.text(SpotVerification(judgement: nil, basis: nil, approvalDoc: nil)) == "{}")
        #expect(
            StoredJSON.text(SpotReopening(reason: "引号\"、反斜杠\\、换行\n、\u{1}", remainingM2: .infinity))
                == #"{"reason":"引号\"、反斜杠\\、换行\n、\u0001","remaining_m2":null}"#)
        #expect(
            StoredJSON.text(StylesResetDetails(layers: ["parcels", "spots"], styleIDs: [5, 6], replacedDefaults: 2))
                == #"{"layers":["parcels","spots"],"replaced_defaults":2,"style_ids":[5,6]}"#)
        #expect(StoredJSON.text(["b": "2", "a": "1/2"]) == #"{"a":"1/2","b":"2"}"#)
        #expect(StoredJSON.text([String]()) == "[]" && StoredJSON.text([String: String]()) == "{}")
        let lease = TenancyAddition(
            site: "EC-005", tenant: "91330110MAXUQF0J24", floorAreaM2: 9000, start: "2026-08-01",
            end: nil, use: .production,
            overLeased: OverLeaseFigures(day: "2026-08-01", leasedFloorAreaM2: 10_200, siteFloorAreaM2: 7408.05))
        #expect(
            StoredJSON.text(lease)
                == #"{"floor_area_m2":9000.0,"over_leased":{"day":"2026-08-01","leased_floor_area_m2":10200.0,"#
                + #""site_floor_area_m2":7408.05},"site":"EC-005","start":"2026-08-01","tenant":"91330110MAXUQF0J24","use":"production"}"#
        )
    }

    @Test func everyKindReadsBackWhatItWrote() throws {
        let kinds: [(EventEntity, EventDetails)] = [
            (
                .import,
                .layerImport(
                    LayerImportDetails(
                        layer: "parcels", file: "a.geojson", features: 3, replaced: 1, repaired: 0,
                        sha256: "ab", sourceCRS: "EPSG:4549", unchanged: 2))
            ),
            (.import, .tableImport(TableImportDetails(layer: "enterprises", file: "e.csv", rows: 40, warnings: 1))),
            (.import, .spotUpdates(SpotUpdatesDetails(file: "u.csv", sha256: "cd", rows: 6))),
            (
                .spot,
                .spotImport(
                    SpotImportDetails(
                        batch: "2024-01", importID: 4, areaM2: 622.7, farmlandAreaM2: 600,
                        basicFarmlandAreaM2: 0))
            ),
            (.zone, .retire(RetireDetails(supersededBy: 9, importID: 5))),
            (.spot, .verify(SpotVerification(judgement: .illegal, basis: "未批先建", approvalDoc: nil))),
            (
                .spot,
                .rectify(SpotRectification(measure: "demolish-restore", deadline: "2024-12-31", remainingM2: 999.75))
            ),
            (.spot, .progress(SpotProgress(restoredM2: 1, recultivatedM2: nil, remainingM2: 0))),
            (.spot, .complete(SpotCompletion())),
            (.spot, .reopen(SpotReopening(reason: "复核", remainingM2: nil))),
            (.spot, .close(SpotClosure(closedDoc: "销号〔2025〕01号"))),
            (.site, .advance(SiteChange())),
            (.site, .update(SiteChange(mode: .swap, previousMode: nil, disposedM2: 10, previousDisposedM2: 0))),
            (
                .tenancy,
                .tenancyAdd(
                    TenancyAddition(
                        site: "EC-1", tenant: "T", floorAreaM2: 1, start: "2026-01-01", end: "2026-12-31",
                        use: .storage, overLeased: nil))
            ),
            (.tenancy, .tenancyEnd(TenancyEnding(end: "2027-06-30", previousEnd: nil))),
            (.layerStyles, .stylesReset(StylesResetDetails(layers: ["sites"], styleIDs: [1], replacedDefaults: 0)))
        ]
        for (entity, details) in kinds {
            #expect(
                try EventDetails(entity: entity, action: details.action, text: details.text) == details, "\(details)")
        }
        #expect(throws: EventDetailsError(entity: .tenancy, action: .verify)) {
            try EventDetails(entity: .tenancy, action: .verify, text: "{}")
        }
    }

    @Test func oldShapesReadAsWhatTheyMeant() throws {
        #expect(
            try EventDetails(entity: .spot, action: .close, text: #"{"doc":"D-1"}"#)
                == .close(SpotClosure(closedDoc: "D-1")))
        #expect(
            try EventDetails(entity: .site, action: .update, text: #"{"mode":"recovery","previous_mode":"none"}"#)
                == .update(SiteChange(mode: .recovery, previousMode: nil)))
        #expect(
            try EventDetails(entity: .tenancy, action: .end, text: #"{"end":"2027-06-30","previous_end":"open"}"#)
                == .tenancyEnd(TenancyEnding(end: "2027-06-30", previousEnd: nil)))
        #expect(throws: DecodingError.self) {
            try EventDetails(entity: .site, action: .update, text: #"{"mode":"recovery","previous_mode":"nowhere"}"#)
        }
    }

    @Test func aCloseStoresItsDocumentAsClosedDoc() throws {
        // Given a legal spot, when it is closed with a document, then the event names the column it set.
        let registry = try Fixtures.store()
        _ = try registry.importSpots(
            file: Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "S1")])),
            batch: "2024-01", options: FeatureImportOptions(context: Fixtures.context))
        try registry.applySpotStep(
            .verify(judgement: .legal, basis: nil, approvalDoc: "浙土字〔2024〕9号"), code: "S1",
            context: Fixtures.context)
        try registry.applySpotStep(.close(doc: "销号〔2025〕01号"), code: "S1", context: Fixtures.context)
        let close = try #require(try registry.spotHistory(code: "S1").last)
        #expect(close.details == #"{"closed_doc":"销号〔2025〕01号"}"#)
        #expect(try registry.spots().first?.closedDoc == "销号〔2025〕01号")
        #expect(try registry.spots(asOf: "2999-01-01").first?.closedDoc == "销号〔2025〕01号")
    }

    @Test func aSiteWithoutAModeRecordsNoPreviousModeAndIsSeenWithoutOneBefore() throws {
        // Given a site imported without a mode that gets one on a later date.
        let registry = try Fixtures.store()
        let site = Fixtures.squareFeature(code: "EC-9", extra: #","stage":"identified""#)
        _ = try registry.importSites(
            file: Fixtures.write(Fixtures.collection4549([site])),
            options: FeatureImportOptions(context: Fixtures.context))
        try registry.advanceSite(
            code: "EC-9", to: .identified, mode: .recovery, disposedM2: 100,
            context: ChangeContext(actor: "t", effectiveDate: "2099-02-01"))
        // Then its event says only what was set and what was there before, and the replay puts back "no mode".
        let update = try #require(try registry.events(entity: .site, code: "EC-9").last)
        #expect(
            update.action == .update
                && update.details == #"{"disposed_m2":100.0,"mode":"recovery","previous_disposed_m2":0.0}"#)
        let states = try registry.dbQueue.read { db in
            (
                try registry.siteStates(db, asOf: "2099-01-31").first?.value,
                try registry.siteStates(db, asOf: "2099-02-01").first?.value
            )
        }
        #expect(states.0 == SiteStateAsOf(stage: "identified", mode: nil, disposedM2: 0))
        #expect(states.1 == SiteStateAsOf(stage: "identified", mode: "recovery", disposedM2: 100))
    }

    @Test func aStepChangesOnlyTheColumnsItSets() throws {
        // Given a rectifying spot, when progress reports one area, then the row's other areas are as they were.
        let registry = try Fixtures.store()
        _ = try registry.importSpots(
            file: Fixtures.write(Fixtures.collection4549([Fixtures.squareFeature(code: "S1")])),
            batch: "2024-01", options: FeatureImportOptions(context: Fixtures.context))
        try registry.applySpotStep(
            .verify(judgement: .illegal, basis: nil, approvalDoc: nil), code: "S1", context: Fixtures.context)
        try registry.applySpotStep(
            .rectify(measure: "demolish-restore", deadline: "2999-12-31"), code: "S1", context: Fixtures.context)
        try registry.applySpotStep(
            .progress(restoredM2: 400, recultivatedM2: nil, remainingM2: nil), code: "S1", context: Fixtures.context)
        let spot = try #require(try registry.spots().first)
        #expect(spot.status == .rectifying && spot.restoredM2 == 400 && spot.recultivatedM2 == nil)
        #expect(spot.remainingM2 == spot.ellipsoidalAreaM2) // set by rectify, left by progress
        #expect(try registry.spots(asOf: "2999-01-01").first == spot)
    }

    @Test func noUntypedDictionaryIsLeftInLandRegistry() throws {
        let sources = Fixtures.repo.appendingPathComponent("Sources/LandRegistry")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50)
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("[String: Any]"), "\(file)")
        }
    }
}

/// The details types carry no CodingKeys: StoredJSON writes their properties' names in JSONEncoder's snake case and
/// its decoder reads them back with the store's column conversion. A name the two do not take to the same key would
/// be left out when read (an optional) or fail, so every type is taken round the loop with every property set.
@Suite("Stored event keys")
struct StoredEventKeyTests {
    static let breakdown: SpotBreakdown = {
        var b = SpotBreakdown()
        (b.farmlandM2, b.farmlandPlanarM2, b.agriculturalM2, b.agriculturalPlanarM2) = (1, 2, 3, 4)
        (b.constructionM2, b.constructionPlanarM2, b.unusedM2, b.unusedPlanarM2) = (5, 6, 7, 8)
        (b.basicFarmlandM2, b.basicFarmlandPlanarM2, b.ecoRedlineM2, b.ecoRedlinePlanarM2) = (9, 10, 11, 12)
        (b.outsideUrbanBoundaryM2, b.outsideUrbanBoundaryPlanarM2) = (13, 14)
        (b.approvalCoverage, b.approvalDocuments) = (0.5, ["浙土字〔2024〕9号"])
        return b
    }()

    static let verification = SpotVerification(judgement: .illegal, basis: "未批先建", approvalDoc: "浙土字〔2024〕9号")
    static let rectification = SpotRectification(measure: "demolish-restore", deadline: "2024-12-31", remainingM2: 9)
    static let progress = SpotProgress(restoredM2: 1, recultivatedM2: 2, remainingM2: 3)

    static let kinds: [(EventEntity, EventDetails)] = [
        (
            .import,
            .layerImport(
                LayerImportDetails(
                    layer: "parcels", file: "a.geojson", features: 3, replaced: 1, repaired: 0, sha256: "ab",
                    sourceCRS: "EPSG:4549", unchanged: 2))
        ),
        (.import, .tableImport(TableImportDetails(layer: "tenancies", file: "t.csv", rows: 4, warnings: 1))),
        (.import, .spotUpdates(SpotUpdatesDetails(file: "u.csv", sha256: "cd", rows: 6))),
        (
            .spot,
            .spotImport(
                SpotImportDetails(
                    batch: "2024-01", importID: 4, areaM2: 622.7, farmlandAreaM2: 600, basicFarmlandAreaM2: 1))
        ),
        (.spot, .spotRecompute(SpotRecomputation(before: SpotBreakdown(), after: breakdown, importID: 7))),
        (.parcel, .retire(RetireDetails(supersededBy: 9, importID: 5, surveyYear: 2024))),
        (.spot, .verify(verification)),
        (.spot, .rectify(rectification)),
        (.spot, .progress(progress)),
        (.spot, .reopen(SpotReopening(reason: "复核", remainingM2: 5))),
        (.spot, .close(SpotClosure(closedDoc: "销号〔2025〕01号"))),
        (.spot, .submit(SpotSubmission(levels: ["county", "city"]))),
        (.spot, .review(SpotReviewRecord(level: "county", outcome: .return, reason: "复耕不到位", remainingM2: 4))),
        (.spot, .split(SpotSplitRecord(children: ["A-1", "A-2"], file: "c.geojson", sha256: "ef", inherit: true))),
        (
            .spot,
            .splitChild(
                SpotSplitChild(
                    parent: "A", parentFid: 12, index: 1, areaM2: 300, farmlandAreaM2: 200, basicFarmlandAreaM2: 100,
                    inherited: SpotInheritance(
                        verification: verification, rectification: rectification, progress: progress)
                ))
        ),
        (
            .site,
            .update(SiteChange(mode: .swap, previousMode: .recovery, disposedM2: 10, previousDisposedM2: 5))
        ),
        (
            .tenancy,
            .tenancyAdd(
                TenancyAddition(
                    site: "EC-1", tenant: "T", floorAreaM2: 1, start: "2026-01-01", end: "2026-12-31",
                    use: .storage,
                    overLeased: OverLeaseFigures(day: "2026-02-01", leasedFloorAreaM2: 12, siteFloorAreaM2: 10)))
        ),
        (.tenancy, .tenancyEnd(TenancyEnding(end: "2027-06-30", previousEnd: "2027-12-31"))),
        (.layerStyles, .stylesReset(StylesResetDetails(layers: ["sites"], styleIDs: [1, 2], replacedDefaults: 1))),
        (
            .spot,
            .spotPhoto(
                SpotPhotoEvidence(
                    mediaID: 3, file: "p.jpg", sha256: "01", takenAt: "2024-08-01T09:00:00Z", latitude: 30.19,
                    longitude: 120.19, directionDeg: 90, distanceM: 12.5))
        )
    ]

    /// Given details with every property set, when they are stored and read back, then they are what was written,
    /// and each stored key is the key the CLI's JSON (JSONEncoder, `.convertToSnakeCase`) gives the same property.
    @Test func everyPropertyOfEveryKindIsStoredUnderItsSnakeCaseKeyAndReadBack() throws {
        for (entity, details) in Self.kinds {
            let value = try #require(Mirror(reflecting: details).children.first?.value)
            let unset = Self.unsetProperties(value)
            #expect(unset.isEmpty, "\(details): the sample leaves \(unset) nil, so the round trip would not test them")
            #expect(try EventDetails(entity: entity, action: details.action, text: details.text) == details)
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = .sortedKeys
            let cli = try encoder.encode(AnyEncodable(value))
            #expect(try Self.keys(Data(details.text.utf8)) == Self.keys(cli), "\(details)")
        }
    }

    /// A dictionary's keys are data: stored and read as they are, like JSONEncoder and JSONDecoder keep them.
    @Test func aDictionarysKeysAreStoredAsTheyAre() throws {
        struct Options: Codable, Equatable { var fieldMap: [String: String] }
        let options = Options(fieldMap: ["landUse": "DLBM", "owner_name": "QSDWMC"])
        let text = StoredJSON.text(options)
        #expect(text == #"{"field_map":{"landUse":"DLBM","owner_name":"QSDWMC"}}"#)
        #expect(try StoredJSON.decoder().decode(Options.self, from: Data(text.utf8)) == options)
        #expect(StoredJSON.text(["landUse": 1]) == #"{"landUse":1}"#)
    }

    /// The properties of `value`, and of the structs it holds, that are nil.
    static func unsetProperties(_ value: Any, path: String = "") -> [String] {
        Mirror(reflecting: value).children.flatMap { child -> [String] in
            let name = path + (child.label ?? "?")
            let inner = Mirror(reflecting: child.value)
            if inner.displayStyle == .optional {
                guard let some = inner.children.first?.value else { return [name] }
                return Mirror(reflecting: some).displayStyle == .struct ? unsetProperties(some, path: name + ".") : []
            }
            return inner.displayStyle == .struct ? unsetProperties(child.value, path: name + ".") : []
        }
    }

    /// Every object key of a JSON document, with its path.
    static func keys(_ json: Data) throws -> Set<String> {
        func walk(_ v: Any, _ path: String, into keys: inout Set<String>) {
            if let object = v as? NSDictionary {
                for case let (key as String, member) in object {
                    keys.insert(path + key)
                    walk(member, path + key + ".", into: &keys)
                }
            } else if let array = v as? NSArray {
                for element in array { walk(element, path, into: &keys) }
            }
        }
        var keys: Set<String> = []
        walk(try JSONSerialization.jsonObject(with: json), "", into: &keys)
        return keys
    }
}

/// A value of any Encodable type, for encoding what a Mirror hands back.
private struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: Any) { self.value = value as! any Encodable }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
