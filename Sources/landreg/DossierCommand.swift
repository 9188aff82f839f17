import ArgumentParser
import Foundation
import LandMaps
import LandRegistry

/// `landreg dossier spots …`: a PDF with a cover page and one A4 page per spot (map, fields, history, evidence).
struct DossierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dossier",
        abstract: "Write a PDF dossier (核查举证档案): a cover page, then one A4 page per spot.",
        subcommands: [Spots.self])

    struct Spots: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Spots by code, or the live spots of a batch, a status or overdue (default: every live spot).",
            discussion: """
                Each page: the spot's map (parcels by land use, the spot outlined, spot ∩ farmland hatched, scale \
                bar, north arrow, legend), its fields (areas in m² and 亩), its lifecycle events as `spots history` \
                lists them and its evidence files with their SHA-256. The cover counts the selection by status and \
                sums its areas.
                """)
        @Argument(help: "Spot codes, in page order (leave out to select with --batch, --status, --overdue).")
        var codes: [String] = []
        @Option(help: "Only spots of this batch.") var batch: String?
        @Option(help: "Only spots in this status (on the --as-of day).") var status: SpotStatus?
        @Flag(help: "Only spots overdue on the --as-of day (illegal or rectifying past their deadline).")
        var overdue = false
        @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The PDF to write.", valueName: "FILE.pdf"))
        var output: String
        @Flag(help: "Replace an existing output file.") var overwrite = false
        @Option(
            help: ArgumentHelp(
                "Spots as they stood on this day: status, history, overdue (default: now).", valueName: "YYYY-MM-DD"),
            transform: parseDay)
        var asOf: String?
        @Option(help: ArgumentHelp("Ground margin around each spot's map in metres (default 50).", valueName: "M"))
        var buffer: Double = 50
        @Flag(help: "Print what was written (pages, the cover's figures, per-page facts, phase timings) as JSON.")
        var json = false
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard (output as NSString).pathExtension.lowercased() == "pdf" else {
                throw ValidationError("-o \(output): a dossier is a PDF (the file must end in .pdf)")
            }
            if !codes.isEmpty, batch != nil || status != nil || overdue {
                throw ValidationError("give spot codes or --batch/--status/--overdue, not both")
            }
            guard buffer >= 0 && buffer <= 100_000 else {
                throw ValidationError("--buffer \(buffer): expected 0 to 100000 metres")
            }
        }

        func run() throws {
            let policy = OutputPolicy(overwrite: overwrite, protectedPaths: [store.path])
            // A refused target fails before the store is read; an unknown code or an empty selection before the
            // file is created.
            try OutputFile.check(output, policy: policy)
            let registry = try store.openForReading()
            let selector: DossierSelector =
                codes.isEmpty
                ? .filter(SpotFilter(batch: batch, status: status, overdue: overdue, asOf: asOf)) : .codes(codes)
            let selection = try registry.dossierSelection(selector, asOf: asOf)
            let options = DossierOptions(
                selectionLabel: label, generatedAt: Self.now(), bufferM: buffer)
            let written: DossierDescription
            do {
                written = try OutputFile.write(to: output, policy: policy) { temporary in
                    try DossierRenderer.draw(selection, registry: registry, options: options, to: temporary)
                }
            } catch let error as MapError {
                // The drawing only knows its temporary: the message names the file the user asked for.
                throw MapError("\(output): \(error.message) (nothing was written)")
            }
            if json { try printJSON(written); return }
            let s = written.summary
            printOut(
                "wrote \(output) (pdf, A4, \(written.pages) pages: cover + \(Format.count(s.spots, "spot")); "
                    + "\(Format.m2(s.areaM2)) m² = \(Format.mu(s.areaM2)) 亩, farmland \(Format.m2(s.farmlandM2)) m² = "
                    + "\(Format.mu(s.farmlandM2)) 亩, \(s.overdue) overdue)\n")
        }

        /// The cover's words for the selection.
        private var label: String {
            if !codes.isEmpty { return codes.count == 1 ? "图斑 \(codes[0])" : "\(codes.count) 个指定图斑 listed spots" }
            var parts: [String] = []
            if let batch { parts.append("批次 batch \(batch)") }
            if let status { parts.append("状态 \(status.label)") }
            if overdue { parts.append("逾期 overdue") }
            return parts.isEmpty ? "全部现状图斑 all live spots" : parts.joined(separator: " · ")
        }

        private static func now() -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
            return f.string(from: Date())
        }
    }
}
