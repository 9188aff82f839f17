import ArgumentParser
import Foundation
import LandGeometry
import LandRegistry

struct ParcelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parcels", abstract: "List, show and find survey parcels.",
        subcommands: [List.self, Show.self, History.self, Lineage.self, At.self])

    /// The parcels table; a `survey` column when any row came with a survey version.
    static func table(_ parcels: [Parcel]) -> TextTable {
        let survey = parcels.contains { $0.surveyYear != nil }
        var t = TextTable(
            ["code", "land use", "name", "owner", "area m²", "area 亩", "status"] + (survey ? ["survey"] : []),
            rightAligned: [4, 5])
        for p in parcels {
            t.add(
                [
                    p.code, [p.landUse, p.landUseName].compactMap { $0 }.joined(separator: " "), p.name ?? "",
                    p.owner ?? "",
                    Format.m2(p.ellipsoidalAreaM2), Format.mu(p.ellipsoidalAreaM2),
                    p.retiredAt.map { "retired \($0.prefix(10))" } ?? "live"
                ] + (survey ? [p.surveyYear.map(String.init) ?? "–"] : []))
        }
        return t
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live parcels, optionally filtered.")
        @Option(help: "Land-use code prefix (01 = farmland, 0601 = industrial).") var landUse: String?
        @Option(help: "Only parcels overlapping the zone with this code.") var zone: String?
        @Option(
            help: ArgumentHelp(
                "Only parcels intersecting this box, in store CRS units.", valueName: "minx,miny,maxx,maxy"))
        var bbox: String?
        @Option(help: "At most this many parcels.") var limit: Int?
        @Option(help: "The parcels of this survey version (year) instead of the live ones.") var survey: Int?
        @Option(help: "table, json, csv or md.") var format: OutputFormat = .table
        @Flag(help: "Same as --format json.") var json = false
        @OptionGroup var store: StoreOptions

        func validate() throws {
            _ = try parsedBBox()
            // A negative count would reach Array.prefix (with --zone or --bbox), which traps on it.
            if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        }

        func parsedBBox() throws -> Envelope? {
            guard let bbox else { return nil }
            let v = bbox.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard v.count == 4, v[0] <= v[2], v[1] <= v[3] else {
                throw ValidationError("--bbox \(bbox): expected minx,miny,maxx,maxy with min ≤ max")
            }
            return Envelope(minX: v[0], minY: v[1], maxX: v[2], maxY: v[3])
        }

        func run() throws {
            let parcels = try store.openForReading().parcels(
                ParcelFilter(landUsePrefix: landUse, zoneCode: zone, bbox: try parsedBBox(), limit: limit).inSurvey(
                    survey))
            let total = parcels.reduce(0) { $0 + $1.ellipsoidalAreaM2 }
            if json || format == .json { try printJSON(parcels); return }
            printOut(ParcelsCommand.table(parcels).render(format))
            if format == .table {
                printOut(
                    "\(parcels.count) parcels, \(Format.m2(total)) m² = \(Format.mu(total)) 亩 = \(Format.ha(total)) ha\n"
                )
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one live parcel with its areas and kept properties.")
        @Argument(help: "The parcel code.") var code: String
        @Option(help: "The parcel as it was in this survey version (year).") var survey: Int?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.openForReading()
            let p = try registry.parcel(code: code, surveyYear: survey)
            if json { try printJSON(p); return }
            var lines = [
                "code            \(p.code)",
                "land use        \([p.landUse, p.landUseName].compactMap { $0 }.joined(separator: " ")) (\(p.landUseSystem))",
                "name            \(p.name ?? "–")",
                "owner           \(p.owner ?? "–")",
                "area            \(Format.m2(p.ellipsoidalAreaM2)) m² = \(Format.mu(p.ellipsoidalAreaM2)) 亩 = \(Format.ha(p.ellipsoidalAreaM2)) ha (ellipsoidal, CGCS2000)",
                "planar area     \(Format.m2(p.planarAreaM2)) m² (\(registry.storeCRS))"
            ]
            if let r = p.registeredAreaM2 {
                let diff = p.ellipsoidalAreaM2 - r
                lines.append(
                    "registered      \(Format.m2(r)) m² = \(Format.mu(r)) 亩 (computed − registered: \(Format.number(diff, decimals: 2)) m²)"
                )
            }
            lines.append("imported        \(p.createdAt) (import #\(p.importID.map(String.init) ?? "–"))")
            if let y = p.surveyYear { lines.append("survey          \(y)") }
            if let r = p.retiredAt { lines.append("retired         \(r)") }
            lines.append("properties      \(p.properties)")
            printOut(lines.joined(separator: "\n") + "\n")
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every version of a parcel code and the events that made them.")
        @Argument(help: "The parcel code.") var code: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.openForReading()
            let versions = try registry.parcelHistory(code: code)
            try HistoryPrinter.print(
                versions: versions, as: ParcelsCommand.table(versions),
                events: try registry.events(entity: .parcel, code: code), json: json)
        }
    }

    struct Lineage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The parcels a parcel arose from and those that arose from it, by overlay (import survey).")
        @Argument(help: "The parcel code.") var code: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let lineage = try store.openForReading().parcelLineage(code: code)
            if json { try printJSON(lineage); return }
            var t = TextTable(
                ["link", "code", "land use", "survey", "status", "shared m²", "shared 亩"], rightAligned: [5, 6])
            for (label, links) in [("from", lineage.predecessors), ("into", lineage.successors)] {
                for l in links {
                    t.add([
                        label, l.otherCode, l.otherLandUse ?? "", l.otherSurveyYear.map(String.init) ?? "–",
                        l.otherRetiredAt.map { "retired \($0.prefix(10))" } ?? "live", Format.m2(l.sharedAreaM2),
                        Format.mu(l.sharedAreaM2)
                    ])
                }
            }
            if t.rows.isEmpty {
                printOut("parcel \(code) has no lineage: no survey import linked it to another parcel\n")
                return
            }
            printOut(t.render())
        }
    }

    struct At: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The parcel containing a point.")
        @Argument(help: "Easting or longitude.") var x: Double
        @Argument(help: "Northing or latitude.") var y: Double
        @Option(help: "The point's CRS (default: the store's).") var crs: CRS?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let registry = try store.openForReading()
            var point = XY(x, y)
            if let crs, crs != registry.storeCRS {
                point = try CoordinateTransform(from: crs, to: registry.storeCRS).transform(point)
            }
            let found = try registry.parcels(containing: point)
            if json { try printJSON(found); return }
            if found.isEmpty { throw NotFound(what: "parcel", code: "at (\(x), \(y))") }
            printOut(ParcelsCommand.table(found).render())
        }
    }
}
