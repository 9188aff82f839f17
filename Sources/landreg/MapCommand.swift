import ArgumentParser
import Foundation
import LandMaps
import LandRegistry

/// `landreg map spot|site|zone|batch|district -o FILE.png|svg|pdf`: a map picture of the store.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Draw a map picture (PNG, SVG or PDF) of a spot, a site, a zone, a batch or the district.",
        discussion: """
            Parcels are coloured by land use in the store's default styles (the 三调 colours QGIS shows), the \
            subject is outlined in cyan, spot ∩ farmland is hatched, zones are outlined by kind; the legend lists \
            only the classes drawn; the scale bar is a ground distance on the CGCS2000 ellipsoid at the map's centre; \
            the north arrow points to true north there. The format is the output's extension.
            """,
        subcommands: [Spot.self, Site.self, Zone.self, Batch.self, District.self])

    struct Spot: MapOfOne {
        static let configuration = CommandConfiguration(abstract: "A violation spot and what lies around it.")
        @Argument(help: "The spot's code.") var code: String
        @OptionGroup var drawing: Drawing
        @OptionGroup var store: StoreOptions
        var subject: MapSubject { .spot(code) }
    }

    struct Site: MapOfOne {
        static let configuration = CommandConfiguration(abstract: "A redevelopment site and what lies around it.")
        @Argument(help: "The site's code.") var code: String
        @OptionGroup var drawing: Drawing
        @OptionGroup var store: StoreOptions
        var subject: MapSubject { .site(code) }
    }

    struct Zone: MapOfOne {
        static let configuration = CommandConfiguration(abstract: "A zone (every live zone with that code).")
        @Argument(help: "The zone's code.") var code: String
        @OptionGroup var drawing: Drawing
        @OptionGroup var store: StoreOptions
        var subject: MapSubject { .zone(code) }
        static let defaultBufferM = 100.0
    }

    struct Batch: MapOfOne {
        static let configuration = CommandConfiguration(abstract: "The live spots of an inspection batch.")
        @Argument(help: "The batch, e.g. 2023-07.") var name: String
        @OptionGroup var drawing: Drawing
        @OptionGroup var store: StoreOptions
        var subject: MapSubject { .batch(name) }
        static let defaultBufferM = 100.0
    }

    struct District: MapOfOne {
        static let configuration = CommandConfiguration(abstract: "Every live parcel of the store.")
        @OptionGroup var drawing: Drawing
        @OptionGroup var store: StoreOptions
        var subject: MapSubject { .district }
    }

    /// The options every map takes.
    struct Drawing: ParsableArguments {
        @Option(
            name: [.short, .customLong("output")],
            help: ArgumentHelp(
                "The picture to write; its extension (.png, .svg, .pdf) is the format.", valueName: "FILE"))
        var output: String
        @Option(
            help: ArgumentHelp(
                "Page size: pixels for PNG and SVG (default 1600x1200), millimetres for PDF (default 297x210, A4 landscape).",
                valueName: "WxH"))
        var size: String?
        @Option(
            help: ArgumentHelp(
                "PNG pixels per inch: lines and text keep their size in mm (default 150).", valueName: "N"))
        var dpi: Double?
        @Option(
            help: ArgumentHelp(
                "Ground margin around the subject in metres (default: 50 for a spot, site or the district, 100 for a zone or batch).",
                valueName: "M"))
        var buffer: Double?
        @Option(
            help: ArgumentHelp(
                "Draw spots and sites as they stood on this day; overdue is judged on it (default: now).",
                valueName: "YYYY-MM-DD"),
            transform: parseDay)
        var asOf: String?
        @Flag(help: "Replace an existing output file.")
        var overwrite = false
        @Flag(help: "Print what was drawn and where (extent, frame, scale bar, legend) as JSON.")
        var json = false

        var format: MapFormat {
            get throws {
                guard let f = MapFormat(path: output) else {
                    throw ValidationError(
                        "-o \(output): the file must end in .png, .svg or .pdf (the format is taken from it)")
                }
                return f
            }
        }

        func validate() throws {
            let format = try format
            if dpi != nil, format != .png {
                throw ValidationError(
                    "--dpi sets a PNG's pixels per inch; \(format.rawValue.uppercased()) is drawn in vector units (leave --dpi out)"
                )
            }
            if let dpi, !(dpi >= 36 && dpi <= 1200) { throw ValidationError("--dpi \(dpi): expected 36 to 1200") }
            if let buffer, !(buffer >= 0 && buffer <= 100_000) {
                throw ValidationError("--buffer \(buffer): expected 0 to 100000 metres")
            }
            _ = try pageSize(format)
        }

        /// --size as (width, height) in the format's unit.
        func pageSize(_ format: MapFormat) throws -> (Double, Double) {
            let unit = format == .pdf ? "mm" : "px"
            guard let size else { return format == .pdf ? (297, 210) : (1600, 1200) }
            var text = size.lowercased()
            if text.hasSuffix(unit) { text.removeLast(2) }
            let parts = text.split(whereSeparator: { $0 == "x" || $0 == "×" }).map {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
            let limit = format == .pdf ? 2000.0 : 20_000.0
            guard parts.count == 2, let w = parts[0], let h = parts[1], w > 0, h > 0, w <= limit, h <= limit else {
                throw ValidationError(
                    "--size \(size): expected WIDTHxHEIGHT in \(unit) for \(format.rawValue.uppercased()), each 1 to \(Int(limit)), e.g. \(format == .pdf ? "297x210" : "1600x1200")"
                )
            }
            return (w, h)
        }

        func draw(_ subject: MapSubject, defaultBufferM: Double, store: StoreOptions) throws {
            let format = try format
            let (w, h) = try pageSize(format)
            // The output is refused before the store is opened (a user who may not write the folder may not be
            // able to open the store for writing either, and would be told about the store instead).
            let policy = OutputPolicy(overwrite: overwrite, protectedPaths: [store.path])
            try OutputFile.check(output, policy: policy)
            let registry = try store.openForReading()
            let options = MapOptions(
                format: format, width: w, height: h, dpi: dpi ?? 150, bufferM: buffer ?? defaultBufferM,
                asOf: asOf, stateDay: asOf ?? Clock.today())
            let drawn = try OutputFile.write(to: output, policy: policy) { temporary in
                try MapRenderer.draw(subject, registry: registry, options: options, to: temporary)
            }
            if json { try printJSON(drawn); return }
            let size =
                format == .pdf
                ? "\(Int(w))×\(Int(h)) mm"
                : "\(Int(w))×\(Int(h)) px" + (format == .png ? " at \(Int(options.dpi)) dpi" : "")
            let d = drawn.drawn
            printOut(
                "wrote \(output) (\(format.rawValue), \(size), 1:\(Int(drawn.scaleDenominator.rounded())), scale bar \(drawn.scaleBar.label)): "
                    + [
                        Format.count(d.parcels, "parcel"), Format.count(d.spots, "spot"), Format.count(d.sites, "site"),
                        Format.count(d.zones, "zone"),
                        Format.count(drawn.legend.count, "legend entry", plural: "legend entries")
                    ].joined(separator: ", ") + "\n"
            )
        }
    }
}

/// A `map` subcommand: its subject, the drawing options, the store.
protocol MapOfOne: ParsableCommand {
    var subject: MapSubject { get }
    var drawing: MapCommand.Drawing { get }
    var store: StoreOptions { get }
    /// The --buffer when none is given, metres.
    static var defaultBufferM: Double { get }
}

extension MapOfOne {
    static var defaultBufferM: Double { 50 }
    func run() throws { try drawing.draw(subject, defaultBufferM: Self.defaultBufferM, store: store) }
}
