import Foundation
import GRDB

// MARK: - Split spots and the review chain (2026-12-02)
//
// Adds spots.parent_code (the spot a child was split from) and spots.review_level (the last level passed while
// submitted), the statuses split, submitted and reviewed, and the review_levels table (seeds/review-levels.csv
// at init; a store migrated from before gets the national default county → city → province, which an office edits
// as data). SQLite cannot alter a CHECK: the status constraints are widened in the table's stored DDL (SQLite's
// documented procedure for changes that no stored row can violate: writable_schema, then a new schema version),
// so columns other migrations add are kept as they are.

extension Migrations {
    static func spotSplitReview(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE spots ADD COLUMN parent_code TEXT CHECK (parent_code IS NULL OR length(parent_code) > 0);
                ALTER TABLE spots ADD COLUMN review_level TEXT;
                CREATE INDEX spots_parent_code ON spots(parent_code);
                CREATE TABLE review_levels (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  code TEXT NOT NULL UNIQUE CHECK (length(code) > 0),
                  name_zh TEXT NOT NULL,
                  "order" INTEGER NOT NULL UNIQUE CHECK ("order" > 0)
                );
                INSERT INTO review_levels (code, name_zh, "order") VALUES ('county', '县级审核', 1), ('city', '市级审核', 2),
                  ('province', '省级审核', 3);
                """)
        try GeoPackageSchema.registerAttributes(
            db, table: "review_levels", description: "the review chain above the subdistrict, in order")

        // Each pair: the constraint text as the spots migration wrote it, and the widened one.
        let widenings = [
            (
                "'rectifying', 'rectified', 'closed')",
                "'rectifying', 'rectified', 'closed', 'split', 'submitted', 'reviewed')"
            ),
            (
                "CHECK (status NOT IN ('rectifying', 'rectified') OR",
                "CHECK (status NOT IN ('rectifying', 'rectified', 'submitted', 'reviewed') OR"
            ),
            (
                "CHECK (status IS NOT 'rectified' OR remaining_m2 = 0)",
                "CHECK (status NOT IN ('rectified', 'submitted', 'reviewed') OR remaining_m2 = 0)"
            )
        ]
        guard
            var ddl = try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'spots'")
        else { throw DatabaseError(message: "the store has no spots table") }
        for (old, new) in widenings {
            guard ddl.contains(old) else {
                throw DatabaseError(
                    message: "the spots table's constraints are not those landreg wrote (no \(old)); "
                        + "the store cannot take the split and review statuses")
            }
            ddl = ddl.replacingOccurrences(of: old, with: new)
        }
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        try db.execute(
            sql: "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'spots'", arguments: [ddl])
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        db.clearSchemaCache()
    }
}
