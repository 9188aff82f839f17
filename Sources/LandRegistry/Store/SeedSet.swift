import Foundation
import GRDB

// MARK: - Reference data loaded into every new store
//
// The seeds/ folder holds CSV files (see seeds/README.md). `landreg init` copies them into the store, so
// everything after init needs only the store. Local values (thresholds, minimum FAR) are data, not code.

public struct SeedSet: Sendable {
    public let directory: String

    /// One seed file and the table it fills; `fixed` adds constant columns (e.g. the code system).
    struct Entry: Sendable {
        let file: String
        let table: String
        let columns: [String]
        let fixed: [String: String]
        let optional: Bool
        /// Columns written as yes/no (or true/false, 1/0) in the CSV, stored as 1/0.
        var booleans: Set<String> = []
        /// The file replaces the rows a migration put there (a default for stores made before the table existed).
        var replaces = false
    }

    static let entries: [Entry] = [
        Entry(
            file: "landuse-gb21010.csv", table: "landuse_codes",
            columns: ["code", "name_zh", "name_en", "parent", "level"], fixed: ["system": "gb21010"], optional: false),
        Entry(
            file: "landuse-yongdi.csv", table: "landuse_codes",
            columns: ["code", "name_zh", "name_en", "parent", "level"], fixed: ["system": "yongdi"], optional: false),
        Entry(
            file: "landuse-crosswalk.csv", table: "landuse_crosswalk",
            columns: ["gb_code", "yongdi_code", "note"], fixed: [:], optional: false),
        Entry(
            file: "rectification-measures.csv", table: "rectification_measures",
            columns: ["code", "name_zh", "restores_land"], fixed: [:], optional: false, booleans: ["restores_land"]),
        Entry(
            file: "industry-min-far.csv", table: "industry_min_far",
            columns: ["industry", "min_far", "note"], fixed: [:], optional: true),
        Entry(
            file: "efficiency-thresholds.csv", table: "efficiency_thresholds",
            columns: ["indicator", "class", "min_value", "unit", "note"], fixed: [:], optional: true),
        Entry(
            file: "landuse-three-classes.csv", table: "landuse_three_classes",
            columns: ["system", "code", "class", "note"], fixed: [:], optional: false),
        Entry(
            file: "review-levels.csv", table: "review_levels", columns: ["code", "name_zh", "order"], fixed: [:],
            optional: true, replaces: true),
        Entry(
            file: "landuse-balance-classes.csv", table: "landuse_balance_classes", columns: ["code", "class"],
            fixed: [:], optional: true, replaces: true)
    ]

    public init(directory: String) { self.directory = directory }

    /// Finds seeds/: `$LANDREG_SEEDS`, else the `seeds` folder found from the executable (see `locateFolder`).
    public static func locate() -> SeedSet? {
        if let env = ProcessInfo.processInfo.environment["LANDREG_SEEDS"], !env.isEmpty {
            return SeedSet(directory: env)
        }
        return locateFolder(named: "seeds", containing: "landuse-gb21010.csv").map(SeedSet.init(directory:))
    }

    func load(into db: Database) throws {
        for entry in Self.entries { try load(entry, into: db) }
        try loadProfiles(into: db)
    }

    /// Loads the seed tables a migration added to an older store (empty tables this seed set fills).
    func loadMissing(into db: Database) throws {
        for entry in Self.entries where try Int.fetchOne(db, sql: "SELECT count(*) FROM \(entry.table)") == 0 {
            try load(entry, into: db)
        }
    }

    private func load(_ entry: Entry, into db: Database) throws {
        let path = directory + "/" + entry.file
        if entry.optional && !FileManager.default.fileExists(atPath: path) { return }
        let csv = try CSVTable(contentsOf: path)
        let required = entry.columns.filter {
            $0 != "note" && $0 != "name_en" && $0 != "parent" && $0 != "level" && $0 != "unit"
        }
        try csv.require(required)
        let present = entry.columns.filter { csv.column($0) != nil }
        let names = present + entry.fixed.keys.sorted()
        if entry.replaces { try db.execute(sql: "DELETE FROM \(entry.table)") }
        // Quoted: a seed column may be an SQL keyword (review-levels.csv's `order`).
        let sql =
            "INSERT INTO \(entry.table) (" + names.map { "\"\($0)\"" }.joined(separator: ", ") + ") VALUES ("
            + names.map { _ in "?" }.joined(separator: ", ") + ")"
        let statement = try db.makeStatement(sql: sql)
        for (i, row) in csv.rows.enumerated() {
            var values: [DatabaseValueConvertible?] = present.map { name in
                let v = row[csv.column(name)!].trimmingCharacters(in: .whitespaces)
                if entry.booleans.contains(name) {
                    switch v.lowercased() {
                    case "yes", "true", "1": return 1
                    case "no", "false", "0": return 0
                    default: return v // the table's CHECK refuses it, naming the line
                    }
                }
                return v.isEmpty ? nil : v
            }
            values += entry.fixed.keys.sorted().map { entry.fixed[$0] }
            do {
                try statement.execute(arguments: StatementArguments(values))
            } catch let error as DatabaseError {
                throw CSVError(file: path, line: csv.lineNumbers[i], message: error.message ?? "\(error)")
            }
        }
    }

    private func loadProfiles(into db: Database) throws {
        let profilePrefix = "profile-"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files.sorted() where file.hasPrefix(profilePrefix) && file.hasSuffix(".csv") {
            let profile = String(file.dropFirst(profilePrefix.count).dropLast(4))
            let csv = try CSVTable(contentsOf: directory + "/" + file)
            try csv.require(["our_field", "source_property"])
            for i in csv.rows.indices {
                let r = csv.record(i)
                try db.execute(
                    sql: "INSERT INTO field_profiles (profile, field, property) VALUES (?, ?, ?)",
                    arguments: [profile, r["our_field"], r["source_property"]])
            }
        }
    }
}
