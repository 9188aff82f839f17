import ArgumentParser
import LandRegistry

/// `landreg styles list|reset`: the QGIS default styles kept in the store's layer_styles table.
struct StylesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "styles",
        abstract: "List or rewrite the QGIS layer styles kept in the store (layer_styles).",
        discussion: """
            Every store holds a default QGIS style for parcels, zones, spots and sites, so QGIS opens each layer \
            styled. See docs/styles.md for what each style shows.
            """,
        subcommands: [List.self, Reset.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the styles in layer_styles, oldest first.")
        @Flag(help: "Print the rows as JSON.")
        var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let rows = try store.openForReading().layerStyles()
            if json { try printJSON(rows); return }
            var t = TextTable(
                ["id", "layer", "style", "default", "owner", "updated", "QML bytes"], rightAligned: [0, 6])
            for r in rows {
                t.add([
                    String(r.id), r.table, r.name ?? "", r.isDefault ? "yes" : "no", r.owner ?? "",
                    r.updatedAt ?? "", String(r.qmlBytes)
                ])
            }
            printOut(t.render())
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write landreg's default styles again (earlier landreg defaults are kept, as non-default).",
            discussion: "Nothing is deleted: the new rows become the defaults, and a styles-reset event is logged.")
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let context = try change.context(store: store)
            let rows = try store.change { try $0.resetLayerStyles(context: context) }
            printOut(
                "wrote \(rows.count) default styles (\(rows.map(\.table).joined(separator: ", "))) into "
                    + "\(StoreLocation(store.path).display)\n")
        }
    }
}
