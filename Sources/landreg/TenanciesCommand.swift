import ArgumentParser
import Foundation
import LandRegistry

extension TenancyUse: ExpressibleByArgument {}

struct TenanciesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenancies", abstract: "Record, end and list leases of factory floor space (一厂多租).",
        subcommands: [Add.self, End.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a lease.",
            discussion:
                "A lease that makes the site's concurrently leased floor area exceed its floor area is recorded with a warning (refused with --strict)."
        )
        @Option(help: "The site code.") var site: String
        @Option(help: "The tenant's unified social credit code (an imported enterprise).") var tenant: String
        @Option(help: ArgumentHelp("Leased floor area, m² (> 0).", valueName: "M2")) var floorArea: Double
        @Option(help: ArgumentHelp("First day of the lease.", valueName: "YYYY-MM-DD"), transform: parseDay) var start:
            String
        @Option(
            help: ArgumentHelp("Last day of the lease (default: open-ended).", valueName: "YYYY-MM-DD"),
            transform: parseDay) var end: String?
        @Option(help: "production, storage or office.") var use: TenancyUse = .production
        @Flag(help: "Refuse the lease if it would over-lease the site.") var strict = false
        @Flag(help: "Print the lease as JSON.") var json = false
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let context = try change.context(store: store)
            let r = try store.change { registry in
                try registry.addTenancy(
                    NewTenancy(
                        siteCode: site, tenantCreditCode: tenant, floorAreaM2: floorArea, startDate: start,
                        endDate: end, use: use),
                    strict: strict, context: context)
            }
            if let over = r.overLease { diagnose("warning: \(over.description); recorded and flagged") }
            if json { try printJSON(r.tenancy); return }
            printOut(
                "recorded tenancy #\(r.tenancy.id): \(r.tenancy.tenantName ?? tenant) leases \(Format.m2(floorArea)) m² of \(site) "
                    + "from \(start)\(end.map { " to \($0)" } ?? " (open-ended)")\n")
        }
    }

    struct End: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a lease on a day (its last day).")
        @Argument(help: "The tenancy id.") var id: Int64
        @OptionGroup var change: ChangeOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if change.effectiveDate == nil {
                throw ValidationError("--on YYYY-MM-DD is required: the lease's last day")
            }
        }

        func run() throws {
            let context = try change.context(store: store)
            let t = try store.change { try $0.endTenancy(id: id, on: change.effectiveDate!, context: context) }
            printOut("tenancy #\(t.id) on \(t.siteCode) ended on \(t.endDate ?? "")\n")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List leases.")
        @Option(help: "Only leases of this site.") var site: String?
        @Option(help: ArgumentHelp("Only leases active on this day.", valueName: "YYYY-MM-DD"), transform: parseDay)
        var activeOn: String?
        @Option(help: "table, json, csv or md.") var format: OutputFormat = .table
        @Flag(help: "Same as --format json.") var json = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let leases = try store.openForReading().tenancies(siteCode: site, activeOn: activeOn)
            if json || format == .json { try printJSON(leases); return }
            var t = TextTable(
                ["id", "site", "tenant", "name", "floor m²", "start", "end", "use", "status", "flag"],
                rightAligned: [0, 4])
            for l in leases {
                t.add([
                    String(l.id), l.siteCode, l.tenantCreditCode, l.tenantName ?? "", Format.m2(l.floorAreaM2),
                    l.startDate,
                    l.endDate ?? "open", l.use.rawValue, l.status.rawValue, l.overLeasedAtCreation ? "over-leased" : ""
                ])
            }
            printOut(t.render(format))
            if format == .table {
                printOut("\(leases.count) leases, \(Format.m2(leases.reduce(0) { $0 + $1.floorAreaM2 })) m²\n")
            }
        }
    }
}
