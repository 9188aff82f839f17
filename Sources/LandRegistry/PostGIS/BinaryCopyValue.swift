import Foundation
import GRDB
import LandGeometry

// MARK: - A GeoPackage value as COPY's binary form of its PostgreSQL column
//
// The working set's new rows (an import's thousands) and `landreg copy`'s rows go to PostgreSQL by binary COPY: integers and doubles as
// their 8 bytes, text and bytea as they are, and geometry as EWKB taken from the GeoPackage blob without decoding
// it (the blob's WKB with the column's SRID spliced in). Against the text form (`CanonicalValue.write`: a geometry
// decoded and re-encoded, then hex; doubles printed and parsed) it took the write-back of 100,000 parcels from
// 2.8 s to 2.2 s, the rest being the server's (docs/performance.md).

extension PGBinaryCopyBuffer {
    /// Writes a value read from the GeoPackage. - Throws: `ValueProblem` (as `CanonicalValue(sqlite:)` would), which
    /// the caller places.
    mutating func sqliteValue(_ value: DatabaseValue, _ column: StoreTableShape.Column) throws {
        switch (column.valueClass, value.storage) {
        case (_, .null): null()
        case (.integer, .int64(let i)): int8(i)
        case (.real, .int64(let i)): float8(Double(i))
        case (.real, .double(let d)): float8(d)
        case (.text, .string(let s)):
            guard !s.utf8.contains(0) else {
                throw ValueProblem(
                    column: column.name, what: "the text holds a NUL character, which PostgreSQL text cannot hold")
            }
            bytes(s.utf8)
        case (.blob, .blob(let d)): bytes(d)
        case (.geometry(_, let srid), .blob(let d)): bytes(try Self.ewkb(geoPackage: d, srid: srid, column))
        default:
            // A value of the wrong class: the canonical reading names the problem; a value it takes goes as it says.
            canonical(try CanonicalValue(sqlite: value, column), column)
        }
    }

    /// Writes a value in canonical form (what `landreg copy` reads and checksums): geometry as EWKB of its
    /// canonical WKB with the column's SRID.
    mutating func canonical(_ value: CanonicalValue, _ column: StoreTableShape.Column) {
        switch value {
        case .null: null()
        case .integer(let i): int8(i)
        case .real(let d): float8(d)
        case .text(let s): bytes(s.utf8)
        case .blob(let b): bytes(b)
        case .geometry(_, let wkb):
            guard case .geometry(_, let srid) = column.valueClass else { return null() }
            bytes(CanonicalValue.ewkb(wkb, srid: srid))
        }
    }

    /// EWKB of a GeoPackage blob: its little-endian 2D WKB (what landreg writes) with the SRID flag and the SRID
    /// spliced in; any other WKB (big-endian, Z or M) decoded and written as landreg's.
    static func ewkb(geoPackage blob: Data, srid: Int, _ column: StoreTableShape.Column) throws -> [UInt8] {
        let spliced: [UInt8]? = try blob.withUnsafeBytes { raw in
            let start: Int
            do { start = try GeoPackageBinary.wkbOffset(raw) } catch {
                throw ValueProblem(column: column.name, what: "the geometry cannot be read (\(error))")
            }
            guard raw.count >= start + 5, raw[start] == 1,
                (1...7).contains(raw.loadUnaligned(fromByteOffset: start + 1, as: UInt32.self).littleEndian)
            else { return nil }
            var out = [UInt8]()
            out.reserveCapacity(raw.count - start + 4)
            out.append(contentsOf: raw[start..<(start + 5)])
            out[4] |= 0x20 // the type's high byte: 0x20000000, "has SRID"
            withUnsafeBytes(of: UInt32(srid).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: raw[(start + 5)...])
            return out
        }
        if let spliced { return spliced }
        guard case .geometry(_, let wkb) = try CanonicalValue(sqlite: blob.databaseValue, column) else {
            throw ValueProblem(column: column.name, what: "the geometry cannot be read")
        }
        return CanonicalValue.ewkb(wkb, srid: srid)
    }
}
