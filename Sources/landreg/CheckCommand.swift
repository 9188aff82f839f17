import ArgumentParser
import Foundation
import LandRegistry

/// `landreg check`: is the store sound? Exits 1 when anything is wrong.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the store: integrity, GeoPackage validity, geometries, registered areas, overlaps, audit log.",
        discussion: """
            Exits 0 when every check passes and 1 when any finds something. A parcel's registered and computed \
            (ellipsoidal) areas may differ by max(--tolerance-m2, --tolerance-percent of the registered area); \
            two live parcels overlap when they share more than --overlap-tolerance-m2.
            """)

    @Option(help: ArgumentHelp("Area difference always allowed, in m².", valueName: "X"))
    var toleranceM2: Double = 1

    @Option(help: ArgumentHelp("Area difference allowed as a percentage of the registered area.", valueName: "P"))
    var tolerancePercent: Double = 0.5

    @Option(help: ArgumentHelp("Shared area of two live parcels that counts as an overlap, in m².", valueName: "X"))
    var overlapToleranceM2: Double = 0.01

    @Flag(help: "Only integrity, GeoPackage structure and the audit log (no geometry checks).")
    var quick = false

    @Flag(help: "Also run GDAL's validate_gpkg.py --extra (needs python3-gdal).")
    var gdal = false

    @Option(help: "At most this many items listed per finding (all are counted).")
    var limit = 50

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        // `!(x >= 0)`, not `x < 0`: "nan" parses as a Double and would make every comparison false (no finding).
        if !(toleranceM2 >= 0) || !(tolerancePercent >= 0) || !(overlapToleranceM2 >= 0) {
            throw ValidationError("tolerances must be numbers ≥ 0 (not negative, not nan)")
        }
        if limit < 0 { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        let options = HealthCheckOptions(
            areaToleranceM2: toleranceM2, areaTolerancePercent: tolerancePercent,
            overlapToleranceM2: overlapToleranceM2, quick: quick, gdalValidator: gdal,
            listLimit: limit)
        // On PostgreSQL the checks read a snapshot of the subdistrict (PostGISStore.snapshot); GDAL's validator
        // checks a GeoPackage file, which a PostGIS store is not.
        if gdal, case .postgres = StoreLocation(store.path) {
            throw ValidationError("--gdal validates a GeoPackage file; a PostgreSQL store has none to validate")
        }
        let report = try store.openForReading().check(options)
        if json { try printJSON(report) } else { printOut(Self.text(report)) }
        if !report.ok { throw ExitCode.failure }
    }

    static func text(_ r: HealthReport) -> String {
        var lines: [String] = ["store \(r.store)"]
        func mark(_ ok: Bool) -> String { ok ? "ok  " : "FAIL" }
        func more(_ count: Int, _ listed: Int) {
            if count > listed { lines.append("      … and \(count - listed) more") }
        }

        lines.append(
            "\(mark(r.integrity.ok)) integrity: PRAGMA integrity_check "
                + (r.integrity.integrityCheck == ["ok"] ? "ok" : "found \(r.integrity.integrityCheck.count) problems")
                + ", \(r.integrity.foreignKeyViolations.count) foreign-key violations")
        for p in r.integrity.integrityCheck where p != "ok" { lines.append("      \(p)") }
        for p in r.integrity.foreignKeyViolations { lines.append("      \(p)") }

        lines.append(
            "\(mark(r.geopackage.ok)) geopackage: \(r.geopackage.problems.count) structural problems"
                + (r.geopackage.gdal.map { g in
                    g.ran
                        ? (g.ok ? ", GDAL's validator: ok" : ", GDAL's validator: FAILED")
                        : ", GDAL's validator: not run"
                } ?? ""))
        for p in r.geopackage.problems { lines.append("      \(p)") }
        if let g = r.geopackage.gdal, !g.ok {
            lines += g.output.split(separator: "\n").prefix(20).map { "      \($0)" }
        }

        if let f = r.invalidGeometries {
            let rows = r.checked.geometries.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(
                separator: ", ")
            lines.append("\(mark(f.count == 0)) geometries: \(f.count) invalid of \(rows.isEmpty ? "0" : rows)")
            for i in f.items {
                let at =
                    i.x.map { x in " at (\(Format.number(x, decimals: 3)), \(Format.number(i.y ?? 0, decimals: 3)))" }
                    ?? ""
                lines.append(
                    "      \(i.layer) fid \(i.fid) code \(i.code ?? "–")\(i.live ? "" : " (retired)"): \(i.reason)\(at)"
                )
            }
            more(f.count, f.items.count)
        }
        if let f = r.areaMismatches {
            lines.append(
                "\(mark(f.count == 0)) areas: \(f.count) of \(r.checked.parcelsWithRegisteredArea) live parcels with a registered "
                    + "area differ by more than max(\(Format.number(r.tolerances.areaM2, decimals: 2)) m², "
                    + "\(Format.number(r.tolerances.areaPercent, decimals: 2)) %)")
            for m in f.items {
                lines.append(
                    "      \(m.code): registered \(Format.m2(m.registeredAreaM2)) m², computed \(Format.m2(m.computedAreaM2)) m² "
                        + "(\(m.differenceM2 >= 0 ? "+" : "")\(Format.number(m.differenceM2, decimals: 2)) m², tolerance \(Format.number(m.toleranceM2, decimals: 2)) m²)"
                )
            }
            more(f.count, f.items.count)
        }
        if let f = r.spotGaps {
            lines.append(
                "\(mark(f.count == 0)) spots: \(f.count) of \(r.checked.spots) live spots whose land classes miss their area "
                    + "by more than max(0.01 m², 0.1 %)")
            for g in f.items {
                lines.append(
                    "      \(g.code) (batch \(g.batch)): area \(Format.m2(g.areaM2)) m², classes \(Format.m2(g.classesM2)) m², "
                        + "gap \(Format.number(g.gapM2, decimals: 2)) m² = \(Format.mu(g.gapM2)) 亩 (landreg spots recompute after parcels change)"
                )
            }
            more(f.count, f.items.count)
        }
        if let f = r.overlaps {
            lines.append(
                "\(mark(f.count == 0)) overlaps: \(f.count) pairs of live parcels share more than "
                    + "\(Format.number(r.tolerances.overlapM2, decimals: 2)) m² (\(r.checked.candidatePairs) candidate pairs measured)"
            )
            for o in f.items {
                lines.append(
                    "      \(o.codeA) ∩ \(o.codeB): \(Format.number(o.overlapAreaM2, decimals: 2)) m² = \(Format.mu(o.overlapAreaM2)) 亩"
                )
            }
            more(f.count, f.items.count)
        }
        lines.append(
            "\(mark(r.orphanEvents.count == 0)) events: \(r.orphanEvents.count) of \(r.checked.events) refer to nothing"
        )
        for e in r.orphanEvents.items { lines.append("      event \(e.id) (\(e.entity) \(e.action)): \(e.reason)") }
        more(r.orphanEvents.count, r.orphanEvents.items.count)
        lines.append((r.ok ? "the store is sound" : "PROBLEMS FOUND") + " (\(Format.number(r.seconds, decimals: 1)) s)")
        return lines.joined(separator: "\n") + "\n"
    }
}
