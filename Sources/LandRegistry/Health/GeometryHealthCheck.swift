import Foundation
import GRDB
import LandGeometry

// MARK: - Geometries: validity and registered areas
//
// Every row of every feature layer (retired rows too: history must stay readable) is decoded and checked with
// GEOS: a blob that does not decode, an SRS id that is not the layer's, a structurally broken ring or an OGC-
// invalid polygon is a finding, with GEOS's reason and location. Live parcels with a registered area have their
// ellipsoidal area recomputed from the stored geometry (not read from the row) and compared with it.
// Rows are read in chunks and checked on `workers` threads, each with its own GEOS context and PROJ transform.

/// One row to check.
struct GeometryRow: Sendable {
    let fid: Int64
    let code: String?
    let live: Bool
    let blob: Data
    let registeredAreaM2: Double?
}

/// What the checks of one row found.
struct GeometryRowResult: Sendable {
    var invalid: InvalidGeometry?
    var mismatch: AreaMismatch?
    /// The decoded geometry of a live parcel, kept for the overlap check.
    var liveParcel: Geometry?
}

/// The per-thread tools of the geometry checks.
final class GeometryCheckWorker {
    let geos = GEOSContext()
    let areas: AreaCalculator
    init(storeCRS: CRS) throws { areas = try AreaCalculator(crs: storeCRS) }
}

enum GeometryHealthCheck {
    static let chunkRows = 4096

    struct Result {
        var invalid: Findings<InvalidGeometry>
        var mismatches: Findings<AreaMismatch>
        /// Live parcels' geometries by fid, with their codes.
        var liveParcels: [Int64: (code: String, geometry: Geometry)] = [:]
        var checkedRows: [String: Int] = [:]
        var parcelsWithRegisteredArea = 0
    }

    static func run(_ db: Database, storeCRS: CRS, options: HealthCheckOptions) throws -> Result {
        var result = Result(invalid: Findings(limit: options.listLimit), mismatches: Findings(limit: options.listLimit))
        let workers = try (0..<max(1, options.workers)).map { _ in try GeometryCheckWorker(storeCRS: storeCRS) }
        let layers = try Row.fetchAll(
            db, sql: "SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns ORDER BY table_name")
        for layer in layers {
            // A row with a NULL here is a GeoPackage structure finding (GeoPackageStructureCheck): skipped.
            guard let table: String = layer["table_name"], let column: String = layer["column_name"],
                let srsID: Int32 = layer["srs_id"], try db.tableExists(table)
            else { continue }
            let columns = Set(try db.columns(in: table).map(\.name))
            let pk = try db.primaryKey(table).rowIDColumn ?? "rowid"
            let isParcels = table == "parcels"
            let select = [
                pk.quotedDatabaseIdentifier + " AS fid",
                columns.contains("code") ? "code" : "NULL AS code",
                columns.contains("retired_at") ? "retired_at IS NULL AS live" : "1 AS live",
                column.quotedDatabaseIdentifier + " AS geom",
                isParcels && columns.contains("registered_area_m2")
                    ? "registered_area_m2" : "NULL AS registered_area_m2"
            ].joined(separator: ", ")
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT \(select) FROM \(table.quotedDatabaseIdentifier) ORDER BY 1")
            var chunk: [GeometryRow] = []
            func flush() {
                let results = check(
                    chunk, layer: table, srsID: srsID, keepLive: isParcels, workers: workers, options: options)
                for (row, r) in zip(chunk, results) {
                    if let i = r.invalid { result.invalid.add(i) }
                    if let m = r.mismatch { result.mismatches.add(m) }
                    if let g = r.liveParcel { result.liveParcels[row.fid] = (row.code ?? "", g) }
                    if isParcels && row.live && row.registeredAreaM2 != nil { result.parcelsWithRegisteredArea += 1 }
                }
                result.checkedRows[table, default: 0] += chunk.count
                chunk.removeAll(keepingCapacity: true)
            }
            while let row = try cursor.next() {
                guard let blob: Data = row["geom"] else { continue } // NOT NULL in our layers; nothing to check
                chunk.append(
                    GeometryRow(
                        fid: row["fid"], code: row["code"], live: row["live"], blob: blob,
                        registeredAreaM2: row["registered_area_m2"]))
                if chunk.count == chunkRows { flush() }
            }
            flush()
        }
        return result
    }

    /// Checks `rows` on the workers' threads; results in the order of `rows`.
    static func check(
        _ rows: [GeometryRow], layer: String, srsID: Int32, keepLive: Bool, workers: [GeometryCheckWorker],
        options: HealthCheckOptions
    ) -> [GeometryRowResult] {
        if rows.isEmpty { return [] }
        let results = Unchecked([GeometryRowResult](repeating: GeometryRowResult(), count: rows.count))
        let pool = Unchecked(workers)
        let threads = min(workers.count, rows.count)
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            let worker = pool.value[w] // each worker is used by this one thread
            var local: [(Int, GeometryRowResult)] = []
            for i in stride(from: w, to: rows.count, by: threads) {
                local.append(
                    (
                        i,
                        checkRow(
                            rows[i], layer: layer, srsID: srsID, keepLive: keepLive, worker: worker, options: options)
                    ))
            }
            results.lock.withLock { for (i, r) in local { results.value[i] = r } }
        }
        return results.value
    }

    static func checkRow(
        _ row: GeometryRow, layer: String, srsID: Int32, keepLive: Bool, worker: GeometryCheckWorker,
        options: HealthCheckOptions
    ) -> GeometryRowResult {
        var out = GeometryRowResult()
        func invalid(_ reason: String, at: XY? = nil) -> GeometryRowResult {
            out.invalid = InvalidGeometry(
                layer: layer, fid: row.fid, code: row.code, live: row.live, reason: reason,
                x: at?.x, y: at?.y)
            return out
        }
        let decoded: (srsID: Int32, geometry: Geometry)
        do { decoded = try row.blob.withUnsafeBytes { try GeoPackageBinary.decode($0) } } catch {
            return invalid("the geometry blob cannot be decoded: \(error)")
        }
        if decoded.srsID != srsID {
            return invalid("the geometry's srs_id is \(decoded.srsID), the layer's is \(srsID)")
        }
        let geometry = decoded.geometry
        if geometry.isEmpty { return invalid("the geometry is empty") }
        let structure = geometry.structuralProblems(limit: 3)
        if !structure.isEmpty { return invalid(structure.joined(separator: "; ")) }
        do {
            let validity = try worker.geos.validity(of: geometry)
            if !validity.isValid { return invalid(validity.reason ?? "invalid", at: validity.location) }
        } catch {
            return invalid("GEOS cannot check it: \(error)")
        }
        guard row.live && keepLive else { return out }
        out.liveParcel = geometry
        if let registered = row.registeredAreaM2 {
            do {
                let computed = try worker.areas.ellipsoidalArea(geometry)
                let tolerance = options.areaTolerance(registeredM2: registered)
                if abs(computed - registered) > tolerance {
                    out.mismatch = AreaMismatch(
                        fid: row.fid, code: row.code ?? "", registeredAreaM2: registered,
                        computedAreaM2: computed, differenceM2: computed - registered,
                        toleranceM2: tolerance)
                }
            } catch {
                return invalid("its ellipsoidal area cannot be computed: \(error)")
            }
        }
        return out
    }
}
