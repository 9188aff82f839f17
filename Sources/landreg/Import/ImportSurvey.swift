import ArgumentParser
import LandRegistry

extension ImportCommand {
    struct Survey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "survey",
            abstract: "Import an annual survey version (国土变更调查): retire, supersede and add parcels by code.",
            discussion: """
                The file is the whole survey of the subdistrict. Parcels whose code is missing are retired; changed ones \
                (geometry beyond 0.01 m², land use or fields) are superseded; new ones added; unchanged ones untouched. \
                A file that would retire more than 10 % of the live parcels is refused unless --partial (then only the \
                parcels its features overlap are retired). Re-importing the latest version unchanged changes nothing.
                """)
        @OptionGroup var source: GeoJSONImportOptions
        @Option(help: "The survey year (the version as of 31 December of it).") var year: Int
        @Flag(help: "The file holds only part of the subdistrict: retire only the parcels its features overlap.")
        var partial = false
        @Option(help: "The land-use code system of the file: gb21010 (GB/T 21010-2017) or yongdi (用地用海).")
        var codeSystem = "gb21010"
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if !(1900...9999).contains(year) { throw ValidationError("--year \(year): give a four-digit year") }
            if source.replace { throw ValidationError("--replace is implied: a survey supersedes changed parcels") }
        }

        func run() throws {
            let options = try source.importOptions(change, store: store)
            let bar = ProgressBar(label: "import survey", quiet: source.quiet)
            let report: ImportReport
            do {
                report = try store.change { registry in
                    try registry.importSurvey(
                        file: source.file,
                        survey: SurveyImportOptions(year: year, partial: partial, codeSystem: codeSystem),
                        options: options
                    ) { bar.update($0) }
                }
            } catch {
                bar.finish()
                throw error
            }
            bar.finish()
            if source.json { try printJSON(report); return }
            for r in report.repairs { diagnose("\(source.file): repaired \(r)") }
            guard let s = report.survey else { return }
            let verb = report.dryRun ? "would import" : "imported"
            if report.importID == nil && !report.dryRun {
                printOut("survey \(year) from \(source.file) is the store's version already: nothing changed\n")
            } else {
                printOut(
                    "\(verb) survey \(year) from \(source.file) (\(report.sourceCRS))"
                        + (s.partial ? ", partial" : "") + (report.importID.map { " [import #\($0)]" } ?? "") + "\n")
            }
            var t = TextTable(["part", "parcels", "area m²", "area 亩"], rightAligned: [1, 2, 3])
            for (label, c) in [
                ("unchanged", s.unchanged), ("changed", s.changed), ("new", s.new), ("retired", s.retired)
            ] {
                t.add([label, String(c.parcels), Format.m2(c.ellipsoidalAreaM2), Format.mu(c.ellipsoidalAreaM2)])
            }
            printOut(t.render(.table))
            printOut("lineage: \(s.lineageLinks) links; areas ellipsoidal (CGCS2000)\n")
        }
    }
}
