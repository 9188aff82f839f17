import Foundation
import LandGeometry

// MARK: - The store a command works on, whichever database holds it
//
// Two implementations: `Registry` (a GeoPackage file, the default) and `PostGISStore` (a district's PostgreSQL +
// PostGIS database, each office writing its own subdistrict). What a command asks of the store goes through this
// protocol, so the command does not know which one it talks to; both run the same code on the same schema, so they
// give the same results. A spot step goes through `applySpotStep` (on PostGIS: the spot's row locked, the rest
// untouched), every other change through `applyChange`, and a read opens a `Registry` of the store as it is
// (on PostGIS: `PostGISStore.snapshot`). Only what is a GeoPackage's own (its file backup) opens a `Registry`
// and refuses a PostgreSQL store (`RegistryError.postgresStore`).

public protocol LandStore: AnyObject {
    /// The file, or the URL without its password.
    var location: String { get }
    var storeCRS: CRS { get }

    /// Applies one lifecycle step to the live spot with this code, in one transaction with its event; concurrent
    /// steps on one spot run one after the other. - Throws: `NotFound`, `SpotStepRefused` (store unchanged).
    func applySpotStep(_ step: SpotStep, code: String, context: ChangeContext, minApprovalCoverage: Double) throws
        -> SpotStepResult

    /// Runs a change written for a GeoPackage registry (imports, splits, photos, site and tenancy changes) on this
    /// store: on a GeoPackage, on the registry itself; on PostGIS, on a working set of the subdistrict holding
    /// `tables` whole (nil: every table), written back in one transaction. The change keeps its own all-or-nothing
    /// rules. - Throws: what `change` throws (store unchanged).
    func applyChange<T>(loading tables: [String]?, _ change: (Registry) throws -> T) throws -> T
}

extension Registry: LandStore {
    public var location: String { path }

    public func applyChange<T>(loading tables: [String]?, _ change: (Registry) throws -> T) throws -> T {
        try change(self)
    }
}

/// Opens the store at `location`: a postgresql:// URL is a PostGIS store, anything else a GeoPackage file.
public func openLandStore(_ location: String) throws -> any LandStore {
    if case .postgres(let url) = StoreLocation(location) { return try PostGISStore.open(url: url) }
    return try Registry.open(at: location)
}
