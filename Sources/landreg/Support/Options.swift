import ArgumentParser
import Foundation
import LandGeometry
import LandRegistry

/// `--store PATH`, shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store: a GeoPackage file, or a postgresql:// URL.", valueName: "PATH"))
    var store: String?

    /// --store, else $LANDREG_STORE, else ./landreg.gpkg.
    var path: String {
        if let store { return store }
        if let env = ProcessInfo.processInfo.environment["LANDREG_STORE"], !env.isEmpty { return env }
        return "landreg.gpkg"
    }

    /// Opens the GeoPackage store, for the commands that work on one only: a PostgreSQL store is refused (this
    /// version copies to and from one, manages its offices and applies spot lifecycle steps there: `openStore`).
    func open() throws -> Registry {
        if case .postgres = StoreLocation(path) { throw RegistryError.postgresStore(StoreLocation(path).display) }
        return try Registry.open(at: path)
    }

    /// Opens the store for a command that only reads it: a GeoPackage, or a PostGIS store's subdistrict as it is
    /// now (`PostGISStore.snapshot`).
    /// `tables`: on PostGIS, the only tables (with the reference tables) the command reads; nil, every table.
    func openForReading(tables: [String]? = nil) throws -> Registry {
        if case .postgres(let url) = StoreLocation(path) {
            return try PostGISStore.open(url: url).snapshot(tables: tables)
        }
        return try Registry.open(at: path)
    }

    /// Opens the store, a GeoPackage or PostGIS, for the commands that run on both.
    func openStore() throws -> any LandStore { try openLandStore(path) }

    /// Runs a registry change on the store, a GeoPackage or PostGIS (there on a working set of the subdistrict
    /// holding `tables` whole, nil: every table; see LandStore.applyChange).
    func change<T>(loading tables: [String]? = nil, _ body: (Registry) throws -> T) throws -> T {
        try openStore().applyChange(loading: tables, body)
    }

    /// The store as a PostgreSQL URL, for the commands that need one.
    func postgresURL(for command: String) throws -> String {
        guard case .postgres(let url) = StoreLocation(path) else {
            throw ValidationError("`landreg \(command)` works on a PostgreSQL store: pass --store postgresql://…")
        }
        return url
    }
}

/// Who makes a change, when it takes effect, why, and on what evidence.
struct ChangeOptions: ParsableArguments {
    @Option(help: "Who makes the change (default: $LANDREG_ACTOR, then the login name).")
    var actor: String?

    @Option(help: "A note kept with the change in the audit log.")
    var note: String?

    @Option(
        name: .customLong("on"),
        help: ArgumentHelp("The date the change takes effect (default: today).", valueName: "YYYY-MM-DD"),
        transform: parseDay)
    var effectiveDate: String?

    @Option(help: ArgumentHelp("A file the change rests on; its path and SHA-256 are kept.", valueName: "FILE"))
    var evidence: String?

    func validate() throws {
        if let a = actor, a.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--actor must not be empty")
        }
    }

    /// The change's context; --evidence is checked (a regular file), hashed, and kept relative to the folder of
    /// `store` when inside it.
    func context(store: StoreOptions) throws -> ChangeContext {
        // A PostgreSQL store has no folder: evidence paths are kept absolute.
        let storeFolder: String? =
            if case .postgres = StoreLocation(store.path) { nil } else { Evidence.folder(ofStore: store.path) }
        return ChangeContext(
            actor: resolvedActor, effectiveDate: effectiveDate, note: note,
            evidence: try evidence.map { try Evidence(file: $0, storeFolder: storeFolder) })
    }

    var resolvedActor: String {
        if let actor { return actor }
        let env = ProcessInfo.processInfo.environment
        if let a = env["LANDREG_ACTOR"], !a.isEmpty { return a }
        if let u = env["USER"] ?? env["LOGNAME"], !u.isEmpty { return u }
        let name = ProcessInfo.processInfo.userName
        return name.isEmpty ? "unknown" : name
    }
}

/// The `transform:` of every date option (--as-of, --on, --deadline, --active-on): a real calendar day
/// written YYYY-MM-DD, refused while parsing so that no command has to check it again.
func parseDay(_ text: String) throws -> String {
    guard let day = Clock.validDay(text) else { throw ValidationError("expected a calendar date as YYYY-MM-DD") }
    return day
}

/// Output format for lists and reports.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, md
}

extension CRS: ExpressibleByArgument {
    public init?(argument: String) {
        guard let crs = try? CRS.parse(argument) else { return nil }
        self = crs
    }
}

/// Writes a line to stderr.
func diagnose(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints a Codable value as one pretty JSON document on stdout. Keys are snake_case: a record's are its store
/// columns (`planarAreaM2` → `planar_area_m2`, the conversion GRDB's records decode with).
func printJSON<T: Encodable>(_ value: T, keys: JSONEncoder.KeyEncodingStrategy = .convertToSnakeCase) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = keys
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
