import ArgumentParser
import Foundation
import LandRegistry

/// `landreg office add|list`: the offices (PostgreSQL roles) of a PostGIS district store.
struct OfficeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "office",
        abstract: "The offices of a PostGIS district store: one PostgreSQL login role per subdistrict office.",
        subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an office's role: it reads the whole district and writes only its own subdistrict.",
            discussion: """
                Row-level security in PostgreSQL enforces it, for landreg and for any other client (psql, QGIS) \
                connecting as that role. No office may delete anything, or change the audit log. With \
                --password-stdin the first line of standard input is the role's password (hashed here before it \
                is sent); without it, the server's own authentication (pg_hba.conf: peer, certificates) applies.
                """)

        @Argument(help: "The role name: lower-case letters, digits and _.")
        var name: String

        @Option(help: ArgumentHelp("The subdistrict's (街道's) code: 6 to 12 digits.", valueName: "CODE"))
        var subdistrict: String

        @Flag(help: "Read the role's password from the first line of standard input.")
        var passwordStdin = false

        @OptionGroup var store: StoreOptions

        func run() throws {
            let url = try store.postgresURL(for: "office add")
            var password: String?
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("--password-stdin: standard input holds no password")
                }
                password = line
            }
            let office = try Offices.add(url: url, name: name, subdistrict: subdistrict, password: password)
            printOut(
                "created office \(office.role) for subdistrict \(office.subdistrict) in \(StoreLocation(url).display)"
                    + (password == nil ? " (no password: the server's pg_hba.conf decides how it logs in)" : "") + "\n")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the offices and their subdistricts.")

        @Flag(help: "Print the list as JSON.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() throws {
            let offices = try Offices.list(url: try store.postgresURL(for: "office list"))
            if json { try printJSON(offices); return }
            var t = TextTable(["office", "subdistrict", "created", "by"])
            for o in offices { t.add([o.role, o.subdistrict, o.createdAt, o.createdBy]) }
            printOut(t.render() + "\(offices.count) offices\n")
        }
    }
}
