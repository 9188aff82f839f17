import Foundation
import GRDB
import GRDBSQLite
import LandGeometry

// MARK: - How records meet the store's rows
//
// A record's properties are its table's columns in camelCase: `planar_area_m2` is `planarAreaM2`, `import_id` is
// `importID`. Records say so with `databaseColumnDecodingStrategy = .storeColumns` instead of a CodingKeys enum;
// the CLI's JSON output converts back with JSONEncoder's `.convertToSnakeCase` (the same algorithm GRDB's
// `.convertToSnakeCase` copies), so `--json` keys stay the column names. A CodingKeys enum is left only where a
// name really differs from its column (`class`, a Swift keyword).
//
// Records written back (`Spot`, for `updateChanges`) encode with GRDB's `.convertToSnakeCase`, which gets
// `importID` → `import_id` right: only the decoding direction needs the initialisms below.
//
// A store edited by another tool may hold what landreg never writes (NULL in a column it always fills). Row
// subscripts (`row["x"] as Double`) trap on it; records' decoding throws, and `fetchAllNamingBadRow` turns GRDB's
// error into `UnreadableRow`, which names the file, table, row and column, instead of a row dump.

extension DatabaseColumnDecodingStrategy {
    /// snake_case columns to camelCase properties, with Swift's capitalised initialisms: `import_id` → `importID`,
    /// `planned_far` → `plannedFAR`, `energy_tce` → `energyTCE`. GRDB's `.convertFromSnakeCase` would look for
    /// `importId`, miss the property and, the property being optional, leave it nil without a word.
    static let storeColumns = DatabaseColumnDecodingStrategy.custom { column in
        StoreColumnKey(stringValue: cachedPropertyName(ofColumn: column))
    }

    /// `propertyName(ofColumn:)`, worked out once per column name: GRDB asks for every column of every row it
    /// decodes (and the audit log's JSON decoder for every key of every event it reads).
    static func cachedPropertyName(ofColumn column: String) -> String { propertyNames.cached(column) }

    private static let propertyNames = PropertyNameCache()

    // `names` is only touched under `lock` (Mutex would need macOS 15).
    private final class PropertyNameCache: @unchecked Sendable {
        private let lock = NSLock()
        private var names: [String: String] = [:]
        func cached(_ column: String) -> String {
            lock.withLock {
                if let name = names[column] { return name }
                let name = propertyName(ofColumn: column)
                names[column] = name
                return name
            }
        }
    }

    /// The words of column names that Swift names write in capitals (`sourceCRS`, `evidenceSHA256`). Not `fid`:
    /// records spell their fid columns `spotFid`, `otherFid`.
    static let initialisms: Set<Substring> = ["id", "far", "tce", "crs", "sha256"]

    static func propertyName(ofColumn column: String) -> String {
        let words = column.split(separator: "_", omittingEmptySubsequences: false)
        guard let first = words.first else { return column }
        return String(first)
            + words.dropFirst().map { word in
                initialisms.contains(word) ? word.uppercased() : word.prefix(1).uppercased() + word.dropFirst()
            }.joined()
    }
}

struct StoreColumnKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// A store row that does not decode as its record.
public struct UnreadableRow: Error, LocalizedError, Equatable {
    /// The store file.
    public let file: String
    public let table: String
    /// The row's primary key column (`fid` in feature layers, `id` elsewhere) and value, when they can be read.
    public let keyColumn: String?
    public let rowID: Int64?
    public let code: String?
    /// What is wrong, in GRDB's words: `could not decode Double from database value NULL - column: "planar_area_m2"`.
    public let problem: String

    public var errorDescription: String? {
        var row = "a row"
        if let keyColumn, let rowID { row = "\(keyColumn) \(rowID)" }
        return "\(file): \(table) \(row)\(code.map { " (code \($0))" } ?? ""): \(problem). landreg never writes that: "
            + "the file was changed by another program; correct the row (QGIS, sqlite3) or restore a backup. "
            + "Nothing was changed."
    }

    init(file: String, table: String, row: Row, error: RowDecodingError) {
        self.file = file
        self.table = table
        // Read without trapping: the row is known to hold something unexpected.
        keyColumn = ["fid", "id"].first { row.hasColumn($0) }
        rowID = keyColumn.flatMap { row[$0] as DatabaseValue? }.flatMap(Int64.fromDatabaseValue)
        code = (row["code"] as DatabaseValue?).flatMap(String.fromDatabaseValue)
        // GRDB's description goes on with the column index, the whole row and the SQL: the row is named above,
        // the rest is for debugging.
        let text = String(describing: error)
        problem = text.range(of: ", column index:").map { String(text[..<$0.lowerBound]) } ?? text
    }

    /// The value of `column` in `row`, or `UnreadableRow` naming it when the value is NULL or of another type.
    static func value<Value: DatabaseValueConvertible>(
        _ row: Row, _ column: String, as _: Value.Type = Value.self,
        file: String, table: String
    ) throws -> Value {
        do { return try row.decode(Value.self, forColumn: column) } catch let error as RowDecodingError {
            throw UnreadableRow(file: file, table: table, row: row, error: error)
        }
    }

    /// The value at `index` in `row` (a statement that reads columns by position), or `UnreadableRow` naming it.
    static func value<Value: DatabaseValueConvertible>(
        _ row: Row, at index: Int, as _: Value.Type = Value.self,
        file: String, table: String
    ) throws -> Value {
        do { return try row.decode(Value.self, atIndex: index) } catch let error as RowDecodingError {
            throw UnreadableRow(file: file, table: table, row: row, error: error)
        }
    }

    /// Decodes `row` as `Record`, or throws `UnreadableRow` naming it.
    static func decode<Record: FetchableRecord>(
        _ row: Row, as _: Record.Type = Record.self, file: String,
        table: String
    ) throws -> Record {
        do { return try Record(row: row) } catch let error as RowDecodingError {
            throw UnreadableRow(file: file, table: table, row: row, error: error)
        }
    }
}

extension QueryInterfaceRequest where RowDecoder: FetchableRecord & TableRecord {
    /// `fetchAll`, except that a row that does not decode throws `UnreadableRow` (the request is run again, row
    /// by row, to find it: reads that succeed cost what `fetchAll` costs).
    func fetchAllNamingBadRow(_ db: Database, file: String) throws -> [RowDecoder] {
        do { return try fetchAll(db) } catch let error as RowDecodingError {
            let rows = try Row.fetchCursor(db, self)
            while let row = try rows.next() {
                _ = try UnreadableRow.decode(row, as: RowDecoder.self, file: file, table: RowDecoder.databaseTableName)
            }
            throw error
        }
    }

    /// `fetchOne`, except that a row that does not decode throws `UnreadableRow`.
    func fetchOneNamingBadRow(_ db: Database, file: String) throws -> RowDecoder? {
        try limit(1).fetchAllNamingBadRow(db, file: file).first
    }
}

// MARK: - Requests shared by the feature layers (parcels, zones, spots, sites)

/// A record of a feature layer: `fid`, `code`, `retired_at` columns and an R*Tree `rtree_<table>_geom`.
protocol FeatureRecord: TableRecord {}

extension DerivableRequest where RowDecoder: FeatureRecord {
    /// Live rows only (a re-survey or a retirement sets `retired_at`; nothing is deleted).
    func live() -> Self { filter(Column("retired_at") == nil) }

    /// Rows with this code (every version unless `live()` too).
    func code(_ code: String) -> Self { filter(Column("code") == code) }

    /// Rows whose geometry's bounding box meets `box` (store CRS), from the layer's R*Tree: candidates for an
    /// exact GEOS test.
    func boxIntersecting(_ box: Envelope) -> Self {
        let rtree = "rtree_\(RowDecoder.databaseTableName)_geom"
        return filter(
            literal: """
                \(Column("fid")) IN (SELECT id FROM \(identifier: rtree)
                                     WHERE minx <= \(box.maxX) AND maxx >= \(box.minX) AND miny <= \(box.maxY) AND maxy >= \(box.minY))
                """)
    }
}

extension Database {
    /// The file of the main database, to name in errors where only the connection is at hand.
    var storeFile: String {
        guard let connection = sqliteConnection, let name = sqlite3_db_filename(connection, "main") else {
            return "the store"
        }
        let file = String(cString: name)
        return file.isEmpty ? "the store" : file
    }
}
