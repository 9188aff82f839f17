import Foundation
import GRDB
import LandGeometry

// MARK: - A table's rows in a form both databases give the same bytes for
//
// A value is read from SQLite (its storage class) or from PostgreSQL (text) as the value class its column has in
// the GeoPackage schema, and reduced to one canonical form: integers as Int64, reals as the bits of the Double,
// text as UTF-8, blobs as bytes, geometry as landreg's little-endian ISO WKB of the decoded geometry (a GeoPackage
// blob's header and PostGIS's storage both drop out). The checksum is SHA-256 over the tagged, length-prefixed
// values, row by row, in key order: equal checksums mean equal rows, value for value.

enum CanonicalValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case geometry(Geometry, wkb: [UInt8])

    /// A value read from the GeoPackage. - Throws: `ValueProblem`, which the caller places (file, table, row).
    init(sqlite value: DatabaseValue, _ column: StoreTableShape.Column) throws {
        func refuse(_ what: String) -> ValueProblem { ValueProblem(column: column.name, what: what) }
        switch (column.valueClass, value.storage) {
        case (_, .null): self = .null
        case (.integer, .int64(let i)): self = .integer(i)
        case (.real, .int64(let i)): self = .real(Double(i))
        case (.real, .double(let d)): self = .real(d)
        case (.text, .string(let s)):
            guard !s.utf8.contains(0) else {
                throw refuse("the text holds a NUL character, which PostgreSQL text cannot hold")
            }
            self = .text(s)
        case (.blob, .blob(let d)): self = .blob([UInt8](d))
        case (.geometry, .blob(let d)):
            let geometry: Geometry
            do { geometry = try GeoPackageBinary.decode([UInt8](d)).geometry } catch {
                throw refuse("the geometry cannot be read (\(error))")
            }
            self = .geometry(geometry, wkb: WKB.encode(geometry))
        case (let expected, let storage):
            throw refuse("holds \(Self.describe(storage)) where the schema has \(Self.describe(expected))")
        }
    }

    /// A value read from PostgreSQL in text format (bytea and geometry as hex). - Throws: `ValueProblem`.
    init(postgres text: String?, _ column: StoreTableShape.Column) throws {
        guard let text else { self = .null; return }
        func refuse(_ what: String) -> ValueProblem { ValueProblem(column: column.name, what: what) }
        switch column.valueClass {
        case .integer:
            guard let i = Int64(text) else { throw refuse("'\(text)' is not an integer") }
            self = .integer(i)
        case .real:
            switch text {
            case "NaN": self = .real(.nan)
            case "Infinity": self = .real(.infinity)
            case "-Infinity": self = .real(-.infinity)
            default:
                guard let d = Double(text) else { throw refuse("'\(text)' is not a number") }
                self = .real(d)
            }
        case .text: self = .text(text)
        case .blob:
            guard let bytes = Hex.bytes(text) else { throw refuse("the bytea is not in hex form") }
            self = .blob(bytes)
        case .geometry:
            guard let bytes = Hex.bytes(text) else { throw refuse("the geometry is not hex WKB") }
            let geometry: Geometry
            do { geometry = try WKB.decode(bytes) } catch { throw refuse("the geometry cannot be read (\(error))") }
            self = .geometry(geometry, wkb: WKB.encode(geometry))
        }
    }

    /// The value for a GeoPackage row.
    func databaseValue(_ column: StoreTableShape.Column) -> DatabaseValue {
        switch self {
        case .null: return .null
        case .integer(let i): return i.databaseValue
        case .real(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        case .blob(let b): return Data(b).databaseValue
        case .geometry(let g, _):
            guard case .geometry(_, let srid) = column.valueClass else { return .null }
            return Data(GeoPackageBinary.encode(g, srsID: Int32(srid))).databaseValue
        }
    }

    /// ISO WKB (little endian, 2D type codes 1–7, which EWKB shares) with the SRID flag and the SRID after the type.
    static func ewkb(_ wkb: [UInt8], srid: Int) -> [UInt8] {
        guard wkb.count >= 5, wkb[0] == 1 else { return wkb }
        var out = [UInt8](wkb[0..<5])
        out[4] |= 0x20 // the type's high byte: 0x20000000, "has SRID"
        withUnsafeBytes(of: UInt32(srid).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: wkb[5...])
        return out
    }

    private static func describe(_ storage: DatabaseValue.Storage) -> String {
        switch storage {
        case .null: return "NULL"
        case .int64(let i): return "the integer \(i)"
        case .double(let d): return "the number \(d)"
        case .string(let s): return "the text '\(s.prefix(40))'"
        case .blob(let d): return "a blob of \(d.count) bytes"
        }
    }

    private static func describe(_ c: StoreTableShape.ValueClass) -> String {
        switch c {
        case .integer: return "an integer"
        case .real: return "a number"
        case .text: return "text"
        case .blob: return "a blob"
        case .geometry(let type, _): return "a \(type) geometry"
        }
    }
}

/// A value that does not fit its column; the caller names the place (a closure per value to name it cost a quarter
/// of a copy's time in reference counting).
struct ValueProblem: Error {
    let column: String
    let what: String

    func at(_ place: String) -> PostGISStoreError { PostGISStoreError("\(place), column \(column): \(what)") }
}

/// SHA-256 over a table's canonical values, and its row count.
struct TableChecksum {
    private var hasher = SHA256Hasher()
    private(set) var rows = 0
    private var scratch: [UInt8] = []

    mutating func beginRow() {
        rows += 1
        hasher.update([0xFF])
    }

    mutating func add(_ value: CanonicalValue) {
        scratch.removeAll(keepingCapacity: true)
        func length(_ n: Int) { withUnsafeBytes(of: UInt64(n).littleEndian) { scratch.append(contentsOf: $0) } }
        switch value {
        case .null: scratch.append(0)
        case .integer(let i):
            scratch.append(1)
            withUnsafeBytes(of: i.littleEndian) { scratch.append(contentsOf: $0) }
        case .real(let d):
            scratch.append(2)
            withUnsafeBytes(of: d.bitPattern.littleEndian) { scratch.append(contentsOf: $0) }
        case .text(let s):
            scratch.append(3)
            length(s.utf8.count)
            scratch.append(contentsOf: s.utf8)
        case .blob(let b): return add(bytes: b, tag: 4)
        case .geometry(_, let wkb): return add(bytes: wkb, tag: 5)
        }
        hasher.update(scratch)
    }

    /// A blob's or a geometry's bytes (tag 4 or 5), length-prefixed like the rest, fed to the hash as they are
    /// rather than copied first: the same bytes hashed, so the same checksum.
    mutating func add<D: DataProtocol>(bytes: D, tag: UInt8) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(tag)
        withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { scratch.append(contentsOf: $0) }
        hasher.update(scratch)
        hasher.update(bytes)
    }

    mutating func finish() -> String { hasher.finalizeHex() }

    /// The 32 bytes of the SHA-256.
    mutating func finishBytes() -> [UInt8] { hasher.finalize() }
}
