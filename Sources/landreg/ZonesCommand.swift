import ArgumentParser
import LandRegistry

extension ZoneKind: ExpressibleByArgument {}

struct ZonesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zones", abstract: "List zones.", subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live zones.")
        @Option(help: "Only zones of this kind.") var kind: ZoneKind?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let zones = try store.openForReading().zones(kind: kind)
            if json { try printJSON(zones); return }
            var t = TextTable(["kind", "code", "name", "area m²", "area 亩"], rightAligned: [3, 4])
            for z in zones {
                t.add([z.kind, z.code, z.name ?? "", Format.m2(z.ellipsoidalAreaM2), Format.mu(z.ellipsoidalAreaM2)])
            }
            printOut(t.render())
        }
    }
}
