import Foundation
import GRDB

// MARK: - landreg check
//
// Reads only: one read transaction (a consistent snapshot while others write), nothing written. The sections are
// independent; each reports what it found, and `HealthReport.ok` is false when any found something.

extension Registry {
    /// Checks the store: SQLite integrity and foreign keys, GeoPackage structure (and GDAL's validator on request),
    /// geometry validity, registered vs computed parcel areas, overlaps between live parcels, events that refer to
    /// nothing. See `HealthCheckOptions` for the tolerances.
    /// - Throws: SQL errors that stop a check from running at all (an unreadable file).
    public func check(_ options: HealthCheckOptions = HealthCheckOptions()) throws -> HealthReport {
        let started = Date()
        var report = try dbQueue.read { db -> HealthReport in
            let integrity = IntegrityFindings(
                integrityCheck: try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                foreignKeyViolations: try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
                    "\(row[0] as String? ?? "?") rowid \(row[1] as Int64? ?? -1) → \(row[2] as String? ?? "?")"
                })
            let geopackage = GeoPackageFindings(problems: try GeoPackageStructureCheck.problems(db), gdal: nil)
            let (orphans, events) = try EventReferenceCheck.orphans(db, limit: options.listLimit)
            var report = HealthReport(
                store: path, integrity: integrity, geopackage: geopackage, invalidGeometries: nil, areaMismatches: nil,
                overlaps: nil, orphanEvents: orphans, checked: CheckedCounts(events: events),
                tolerances: Tolerances(
                    areaM2: options.areaToleranceM2, areaPercent: options.areaTolerancePercent,
                    overlapM2: options.overlapToleranceM2),
                seconds: 0)
            if !options.quick {
                let geometries = try GeometryHealthCheck.run(db, storeCRS: storeCRS, options: options)
                report.invalidGeometries = geometries.invalid
                report.areaMismatches = geometries.mismatches
                report.checked.geometries = geometries.checkedRows
                report.checked.parcelsWithRegisteredArea = geometries.parcelsWithRegisteredArea
                let (overlaps, pairs) = try OverlapCheck.run(
                    db, liveParcels: geometries.liveParcels, storeCRS: storeCRS,
                    options: options)
                report.overlaps = overlaps
                report.checked.candidatePairs = pairs
                (report.spotGaps, report.checked.spots) = try SpotGapCheck.run(db, limit: options.listLimit)
            }
            return report
        }
        if options.gdalValidator { report.geopackage.gdal = GDALValidator.validate(store: path) }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }
}
