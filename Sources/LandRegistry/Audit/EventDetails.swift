import Foundation
import GRDB

// MARK: - What the audit log holds: every kind of event and its details
//
//   entity                      action         details
//   import                      import         LayerImportDetails (a GeoJSON or GDAL layer) or TableImportDetails (a CSV/xlsx table)
//   import                      spot-updates   SpotUpdatesDetails
//   spot                        import         SpotImportDetails (one per spot of a batch)
//   parcel | zone | site | spot | approval
//                               retire         RetireDetails (a newer import superseded the row)
//   spot                        recompute      SpotRecomputation (the breakdown and approval coverage measured again)
//   spot                        verify …       SpotVerification, SpotRectification, SpotProgress, SpotCompletion,
//                                              SpotReopening, SpotClosure (one per step of SpotStateMachine)
//   spot                        submit|review  SpotSubmission, SpotReviewRecord (the review chain, SpotReview.swift)
//   spot                        split          SpotSplitRecord (the parent); split-child: SpotSplitChild (each child)
//   site                        advance|update SiteChange (a stage step; `update`: the same stage, new mode or area)
//   spot                        evidence       SpotPhotoEvidence (one per photo added; the lifecycle is untouched)
//   tenancy                     add | end      TenancyAddition, TenancyEnding
//   layer_styles                styles-reset   StylesResetDetails
//
// Details are written with `StoredJSON` (keys sorted, numbers as Swift prints them, properties' names in
// snake_case) and read with its decoder (snake_case back to the properties' names); the keys are those the log has
// always had. Two shapes changed, and the old ones still read: a close's document is
// `closed_doc` (was `doc`), and a missing previous value is left out (was `previous_mode: "none"`,
// `previous_end: "open"`).

/// What kind of record an event is about. Raw values are those stored in `events.entity`.
public enum EventEntity: String, Codable, Sendable, CaseIterable, CustomStringConvertible, DatabaseValueConvertible {
    case parcel, zone, spot, site, tenancy, approval
    /// An import as a whole (its `imports` row), or a batch of spot updates.
    case `import`
    case layerStyles = "layer_styles"

    public var description: String { rawValue }
}

/// What happened. Raw values are those stored in `events.action`.
public enum EventAction: String, Codable, Sendable, CaseIterable, CustomStringConvertible, DatabaseValueConvertible {
    case `import`, retire
    case verify, rectify, progress, complete, reopen, close
    case submit, review, split
    case splitChild = "split-child"
    case advance, update
    case add, end
    case spotUpdates = "spot-updates"
    case recompute
    case stylesReset = "styles-reset"
    case evidence

    public var description: String { rawValue }
}

/// An event's details, typed by its kind. `action` says which action writes each one.
public enum EventDetails: Sendable, Equatable {
    case layerImport(LayerImportDetails)
    case tableImport(TableImportDetails)
    case spotUpdates(SpotUpdatesDetails)
    case spotImport(SpotImportDetails)
    case spotRecompute(SpotRecomputation)
    case retire(RetireDetails)
    case verify(SpotVerification)
    case rectify(SpotRectification)
    case progress(SpotProgress)
    case complete(SpotCompletion)
    case reopen(SpotReopening)
    case close(SpotClosure)
    case submit(SpotSubmission)
    case review(SpotReviewRecord)
    case split(SpotSplitRecord)
    case splitChild(SpotSplitChild)
    case advance(SiteChange)
    case update(SiteChange)
    case tenancyAdd(TenancyAddition)
    case tenancyEnd(TenancyEnding)
    case stylesReset(StylesResetDetails)
    case spotPhoto(SpotPhotoEvidence)

    /// The action an event with these details records.
    public var action: EventAction {
        switch self {
        case .layerImport, .tableImport, .spotImport: return .import
        case .spotUpdates: return .spotUpdates
        case .spotRecompute: return .recompute
        case .retire: return .retire
        case .verify: return .verify
        case .rectify: return .rectify
        case .progress: return .progress
        case .complete: return .complete
        case .reopen: return .reopen
        case .close: return .close
        case .submit: return .submit
        case .review: return .review
        case .split: return .split
        case .splitChild: return .splitChild
        case .advance: return .advance
        case .update: return .update
        case .tenancyAdd: return .add
        case .tenancyEnd: return .end
        case .stylesReset: return .stylesReset
        case .spotPhoto: return .evidence
        }
    }

    /// The stored JSON text.
    var text: String {
        switch self {
        case .layerImport(let d): return StoredJSON.text(d)
        case .tableImport(let d): return StoredJSON.text(d)
        case .spotUpdates(let d): return StoredJSON.text(d)
        case .spotImport(let d): return StoredJSON.text(d)
        case .spotRecompute(let d): return StoredJSON.text(d)
        case .retire(let d): return StoredJSON.text(d)
        case .verify(let d): return StoredJSON.text(d)
        case .rectify(let d): return StoredJSON.text(d)
        case .progress(let d): return StoredJSON.text(d)
        case .complete(let d): return StoredJSON.text(d)
        case .reopen(let d): return StoredJSON.text(d)
        case .close(let d): return StoredJSON.text(d)
        case .submit(let d): return StoredJSON.text(d)
        case .review(let d): return StoredJSON.text(d)
        case .split(let d): return StoredJSON.text(d)
        case .splitChild(let d): return StoredJSON.text(d)
        case .advance(let d), .update(let d): return StoredJSON.text(d)
        case .tenancyAdd(let d): return StoredJSON.text(d)
        case .tenancyEnd(let d): return StoredJSON.text(d)
        case .stylesReset(let d): return StoredJSON.text(d)
        case .spotPhoto(let d): return StoredJSON.text(d)
        }
    }

    /// The details of a stored event of this entity and action, from its JSON text.
    /// - Throws: `EventDetailsError` for a kind no landreg writes, `DecodingError` for a text that does not fit it.
    public init(entity: EventEntity, action: EventAction, text: String) throws {
        let data = Data(text.utf8)
        let decoder = StoredJSON.decoder()
        func read<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type, from: data) }
        switch (entity, action) {
        case (.import, .import):
            // A layer import counts features, a table import rows.
            self =
                try read(ImportShape.self).features != nil
                ? .layerImport(try read(LayerImportDetails.self)) : .tableImport(try read(TableImportDetails.self))
        case (.import, .spotUpdates): self = .spotUpdates(try read(SpotUpdatesDetails.self))
        case (.spot, .import): self = .spotImport(try read(SpotImportDetails.self))
        case (.spot, .recompute): self = .spotRecompute(try read(SpotRecomputation.self))
        case (.parcel, .retire), (.zone, .retire), (.site, .retire), (.spot, .retire), (.approval, .retire):
            self = .retire(try read(RetireDetails.self))
        case (.spot, .verify): self = .verify(try read(SpotVerification.self))
        case (.spot, .rectify): self = .rectify(try read(SpotRectification.self))
        case (.spot, .progress): self = .progress(try read(SpotProgress.self))
        case (.spot, .complete): self = .complete(try read(SpotCompletion.self))
        case (.spot, .reopen): self = .reopen(try read(SpotReopening.self))
        case (.spot, .close): self = .close(try read(SpotClosure.self))
        case (.spot, .submit): self = .submit(try read(SpotSubmission.self))
        case (.spot, .review): self = .review(try read(SpotReviewRecord.self))
        case (.spot, .split): self = .split(try read(SpotSplitRecord.self))
        case (.spot, .splitChild): self = .splitChild(try read(SpotSplitChild.self))
        case (.site, .advance): self = .advance(try read(SiteChange.self))
        case (.site, .update): self = .update(try read(SiteChange.self))
        case (.tenancy, .add): self = .tenancyAdd(try read(TenancyAddition.self))
        case (.tenancy, .end): self = .tenancyEnd(try read(TenancyEnding.self))
        case (.layerStyles, .stylesReset): self = .stylesReset(try read(StylesResetDetails.self))
        case (.spot, .evidence): self = .spotPhoto(try read(SpotPhotoEvidence.self))
        default: throw EventDetailsError(entity: entity, action: action)
        }
    }

    /// A spot step's change of the spot's lifecycle columns, for the steps of `SpotStateMachine`.
    var spotChange: (any SpotLifecycleChange)? {
        switch self {
        case .verify(let d): return d
        case .rectify(let d): return d
        case .progress(let d): return d
        case .complete(let d): return d
        case .reopen(let d): return d
        case .close(let d): return d
        case .submit(let d): return d
        case .review(let d): return d
        case .split(let d): return d
        case .splitChild(let d): return d
        default: return nil
        }
    }

    private struct ImportShape: Decodable { let features: Int? }
}

/// An event of a kind no landreg writes.
public struct EventDetailsError: Error, LocalizedError, Equatable {
    public let entity: EventEntity
    public let action: EventAction
    public var errorDescription: String? { "no \(entity) event has the action \(action)" }
}

extension Event {
    /// The details, typed by the event's kind. - Throws: see `EventDetails.init(entity:action:text:)`.
    public func typedDetails() throws -> EventDetails {
        try EventDetails(entity: entity, action: action, text: details)
    }
}

// MARK: - Imports

/// A layer imported from GeoJSON or a GDAL format (parcels, zones, sites, spots).
public struct LayerImportDetails: Codable, Sendable, Equatable {
    /// The store table.
    public var layer: String
    public var file: String
    public var features: Int
    public var replaced: Int
    public var repaired: Int
    /// The file's SHA-256 (empty when it could not be read again).
    public var sha256: String
    public var sourceCRS: String
    public var unchanged: Int
}

/// A table imported from CSV or xlsx (enterprises, enterprise years, tenancies).
public struct TableImportDetails: Codable, Sendable, Equatable {
    public var layer: String
    public var file: String
    public var rows: Int
    public var warnings: Int
}

/// A spot-updates CSV applied (the steps themselves are spot events).
public struct SpotUpdatesDetails: Codable, Sendable, Equatable {
    public var file: String
    public var sha256: String
    /// The steps applied.
    public var rows: Int
}

/// One spot of an inspection batch, imported. Areas ellipsoidal, m².
public struct SpotImportDetails: Codable, Sendable, Equatable {
    public var batch: String
    public var importID: Int64
    public var areaM2: Double
    public var farmlandAreaM2: Double
    public var basicFarmlandAreaM2: Double
}

/// A spot's breakdown and approval coverage measured again (`landreg spots recompute`, or an approvals import)
/// and found changed: the figures before and after. Changes no lifecycle column.
public struct SpotRecomputation: Codable, Sendable, Equatable {
    public var before: SpotBreakdown
    public var after: SpotBreakdown
    /// The import (of approvals) that caused it; nil for `spots recompute`.
    public var importID: Int64?

    public init(before: SpotBreakdown, after: SpotBreakdown, importID: Int64? = nil) {
        self.before = before; self.after = after; self.importID = importID
    }
}

/// A row superseded by a newer import of its code (`--replace`, a changed parcel of `import survey`), or retired
/// because a new survey version no longer has its code (no successor: `superseded_by` left out).
public struct RetireDetails: Codable, Sendable, Equatable {
    /// The fid of the row that replaces it; nil when nothing does.
    public var supersededBy: Int64?
    public var importID: Int64
    /// The survey version (year) that retired it, for `import survey`.
    public var surveyYear: Int?

    public init(supersededBy: Int64?, importID: Int64, surveyYear: Int? = nil) {
        self.supersededBy = supersededBy; self.importID = importID; self.surveyYear = surveyYear
    }
}

/// landreg's default layer styles written again.
public struct StylesResetDetails: Codable, Sendable, Equatable {
    public var layers: [String]
    /// The new `layer_styles` rows, one per layer.
    public var styleIDs: [Int64]
    /// Earlier landreg default rows made non-default.
    public var replacedDefaults: Int

    // JSONEncoder's snake case splits the plural initialism `IDs` into `i_ds`: spelt `styleIds`, the key is
    // `style_ids` written and read.
    enum CodingKeys: String, CodingKey { case layers, replacedDefaults, styleIDs = "styleIds" }
}

// MARK: - Spot steps
//
// Each step's details are the values it set; `apply` sets them on the spot's lifecycle columns. The step writer
// (applySpotStep) and the as-of replay (spotStates) both use `apply`, so what a step writes is what a replay rebuilds.

/// A spot step's change of the lifecycle columns (the status is the event's `to_state`).
protocol SpotLifecycleChange: Sendable {
    func apply(to spot: inout SpotLifecycleState)
}

public struct SpotVerification: Codable, Sendable, Equatable, SpotLifecycleChange {
    public var judgement: SpotJudgement?
    public var basis: String?
    public var approvalDoc: String?

    func apply(to spot: inout SpotLifecycleState) {
        if let judgement { spot.judgement = judgement }
        if let basis { spot.basis = basis }
        if let approvalDoc { spot.approvalDoc = approvalDoc }
    }
}

public struct SpotRectification: Codable, Sendable, Equatable, SpotLifecycleChange {
    /// A rectification_measures code.
    public var measure: String
    /// YYYY-MM-DD.
    public var deadline: String
    /// Set (to the whole spot) when no remaining area was recorded before.
    public var remainingM2: Double?

    func apply(to spot: inout SpotLifecycleState) {
        spot.measure = measure
        spot.deadline = deadline
        if let remainingM2 { spot.remainingM2 = remainingM2 }
    }
}

/// Areas reported in m²; nil: not reported by this step.
public struct SpotProgress: Codable, Sendable, Equatable, SpotLifecycleChange {
    public var restoredM2: Double?
    public var recultivatedM2: Double?
    public var remainingM2: Double?

    func apply(to spot: inout SpotLifecycleState) {
        if let restoredM2 { spot.restoredM2 = restoredM2 }
        if let recultivatedM2 { spot.recultivatedM2 = recultivatedM2 }
        if let remainingM2 { spot.remainingM2 = remainingM2 }
    }
}

/// Rectification done: nothing but the status changes.
public struct SpotCompletion: Codable, Sendable, Equatable, SpotLifecycleChange {
    private enum CodingKeys: CodingKey {}

    public init() {}

    /// An empty object, `{}` (a struct without properties would otherwise encode nothing at all).
    public func encode(to encoder: Encoder) throws { _ = encoder.container(keyedBy: CodingKeys.self) }

    func apply(to spot: inout SpotLifecycleState) {}
}

public struct SpotReopening: Codable, Sendable, Equatable, SpotLifecycleChange {
    public var reason: String
    public var remainingM2: Double?

    func apply(to spot: inout SpotLifecycleState) {
        if let remainingM2 { spot.remainingM2 = remainingM2 }
    }
}

/// Close-out (销号). The document was stored as `doc` before events had types; it is `closed_doc`, like the column.
public struct SpotClosure: Codable, Sendable, Equatable, SpotLifecycleChange {
    public var closedDoc: String?
    private enum OldKeys: String, CodingKey { case doc }

    public init(closedDoc: String?) { self.closedDoc = closedDoc }

    public init(from decoder: Decoder) throws {
        closedDoc =
            try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .closedDoc)
            ?? decoder.container(keyedBy: OldKeys.self).decodeIfPresent(String.self, forKey: .doc)
    }

    func apply(to spot: inout SpotLifecycleState) {
        if let closedDoc { spot.closedDoc = closedDoc }
    }
}

// MARK: - Review chain and split (SpotReview.swift, SpotSplit.swift)

/// A rectified spot submitted for review; `levels` is the chain (review_levels codes, in order) it will pass.
public struct SpotSubmission: Codable, Sendable, Equatable, SpotLifecycleChange {
    public var levels: [String]

    /// A submission starts the chain again at its first level.
    func apply(to spot: inout SpotLifecycleState) { spot.reviewLevel = nil }
}

/// A review at one level: passed, or returned (已打回) with the reason and, optionally, the remaining area found.
public struct SpotReviewRecord: Codable, Sendable, Equatable, SpotLifecycleChange {
    public enum Outcome: String, Codable, Sendable { case pass, `return` }
    public var level: String
    public var outcome: Outcome
    public var reason: String?
    public var remainingM2: Double?

    func apply(to spot: inout SpotLifecycleState) {
        switch outcome {
        case .pass: spot.reviewLevel = level
        case .return:
            spot.reviewLevel = nil
            if let remainingM2 { spot.remainingM2 = remainingM2 }
        }
    }
}

/// A spot split into children (the parent's event); the children have an event each (`SpotSplitChild`).
public struct SpotSplitRecord: Codable, Sendable, Equatable, SpotLifecycleChange {
    public var children: [String]
    public var file: String
    public var sha256: String
    /// The children took the parent's judgement and rectification (`--inherit`).
    public var inherit: Bool

    func apply(to spot: inout SpotLifecycleState) {}
}

/// A child spot created by a split: its parent, and what it took from it. Areas ellipsoidal, m².
public struct SpotSplitChild: Codable, Sendable, Equatable, SpotLifecycleChange {
    public var parent: String
    public var parentFid: Int64
    /// 1-based position of the child in the split file.
    public var index: Int
    public var areaM2: Double
    public var farmlandAreaM2: Double
    public var basicFarmlandAreaM2: Double
    /// Set with `--inherit`: the parent's lifecycle columns as the child took them (areas as its share).
    public var inherited: SpotInheritance?

    func apply(to spot: inout SpotLifecycleState) {
        inherited?.apply(to: &spot)
    }
}

/// What a child takes from its parent with `--inherit`, as the steps that set it on the parent record it: the
/// judgement, the measure and deadline (when rectifying), and the progress areas (its share).
public struct SpotInheritance: Codable, Sendable, Equatable {
    public var verification: SpotVerification
    public var rectification: SpotRectification?
    public var progress: SpotProgress

    /// The row the split writes and the as-of replay rebuilds, by the steps' own `apply`.
    func apply(to spot: inout SpotLifecycleState) {
        verification.apply(to: &spot)
        rectification?.apply(to: &spot)
        progress.apply(to: &spot)
    }
}

// MARK: - Sites

/// A site's stage step or update: the mode and disposed area it set, with what they were before, so that the as-of
/// replay can undo it. The stage itself is the event's from/to state.
public struct SiteChange: Codable, Sendable, Equatable {
    /// The mode set; nil: the mode was left as it was.
    public var mode: SiteMode?
    /// With `mode`: the mode before (nil: the site had none). Stored as `"none"` before events had types.
    public var previousMode: SiteMode?
    public var disposedM2: Double?
    /// With `disposedM2`: the disposed area before.
    public var previousDisposedM2: Double?

    public init(
        mode: SiteMode? = nil, previousMode: SiteMode? = nil, disposedM2: Double? = nil,
        previousDisposedM2: Double? = nil
    ) {
        self.mode = mode; self.previousMode = previousMode
        self.disposedM2 = disposedM2; self.previousDisposedM2 = previousDisposedM2
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decodeIfPresent(SiteMode.self, forKey: .mode)
        switch try c.decodeIfPresent(String.self, forKey: .previousMode) {
        case nil, "none": previousMode = nil
        case let text?:
            guard let m = SiteMode(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .previousMode, in: c, debugDescription: "unknown site mode \(text)")
            }
            previousMode = m
        }
        disposedM2 = try c.decodeIfPresent(Double.self, forKey: .disposedM2)
        previousDisposedM2 = try c.decodeIfPresent(Double.self, forKey: .previousDisposedM2)
    }

    /// Undoes the change on a site's state (the as-of replay, newest event first).
    func undo(on site: inout SiteStateAsOf) {
        if mode != nil { site.mode = previousMode?.rawValue }
        if let previousDisposedM2 { site.disposedM2 = previousDisposedM2 }
    }
}

// MARK: - Tenancies

/// A lease recorded.
public struct TenancyAddition: Codable, Sendable, Equatable {
    public var site: String
    /// The tenant's credit code.
    public var tenant: String
    public var floorAreaM2: Double
    public var start: String
    public var end: String?
    public var use: TenancyUse
    /// Set when the lease over-leased its site (recorded anyway, not strict).
    public var overLeased: OverLeaseFigures?
}

/// How far a lease over-leased its site, m² of floor area on `day`.
public struct OverLeaseFigures: Codable, Sendable, Equatable {
    public var day: String
    public var leasedFloorAreaM2: Double
    public var siteFloorAreaM2: Double
}

/// A lease ended on `end` (its last day).
public struct TenancyEnding: Codable, Sendable, Equatable {
    public var end: String
    /// The end date before; nil: the lease was open-ended. Stored as `"open"` before events had types.
    public var previousEnd: String?

    public init(end: String, previousEnd: String?) { self.end = end; self.previousEnd = previousEnd }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        end = try c.decode(String.self, forKey: .end)
        let previous = try c.decodeIfPresent(String.self, forKey: .previousEnd)
        previousEnd = previous == "open" ? nil : previous
    }
}

// MARK: - Spot evidence

/// A field photo added to a spot's evidence. Position in WGS 84 degrees; `distanceM` from the spot in metres
/// (0 inside it), nil for a photo admitted without a position.
public struct SpotPhotoEvidence: Codable, Sendable, Equatable {
    /// The `spot_photo_media` row holding the bytes.
    public var mediaID: Int64
    public var file: String
    public var sha256: String
    public var takenAt: String?
    public var latitude: Double?
    public var longitude: Double?
    public var directionDeg: Double?
    public var distanceM: Double?
}
