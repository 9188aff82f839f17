import Foundation
import LandGeoJSON
import LandGeometry

// MARK: - From source properties to our fields
//
// Each layer has a few fields of its own (parcels: code, land_use, owner, registered_area_m2, name). A field
// is read from the property named in `--map field=PROP`, else from the import profile (`--profile sandiao`:
// the 三调 DLTB names, stored in the store's field_profiles table), else from a property with the field's own
// name. Properties not used for a field are kept verbatim (as JSON) and come back out on export. Names that
// landreg itself writes on export (areas, land-use names) are dropped on the way in, so that an
// export → import round trip does not pile up stale copies of computed values.

public struct FieldMapping: Sendable {
    /// Our field → the source property it is read from.
    public let sources: [String: String]
    /// The properties read into fields (not kept as they are).
    private let used: Set<String>
    /// Property names match whatever their case (DBF field names: BSM, bsm, Bsm are the same column); applied
    /// once per layer by `matchingCase(of:)`.
    private let caseInsensitive: Bool
    /// Properties landreg computes and writes on export; never kept from input.
    public static let computedOnExport: Set<String> = [
        "land_use_name", "land_use_name_en", "planar_area_m2", "ellipsoidal_area_m2", "area_m2", "area_mu",
        "area_ha", "registered_area_mu", "area_difference_m2", "imported_at", "import_id", "kind_name",
        "land_use_system",
        "retired_at"
    ]

    /// - Parameters:
    ///   - fields: our field names for this layer.
    ///   - explicit: `--map field=PROP` pairs (our field → property).
    ///   - profile: the chosen profile's pairs, if any.
    /// - Throws: `ImportSetupError` when `--map` names a field this layer does not have.
    public init(
        fields: [String], explicit: [String: String], profile: [String: String],
        caseInsensitive: Bool = false
    ) throws {
        var sources: [String: String] = [:]
        for field in fields { sources[field] = field }
        for (field, property) in profile where fields.contains(field) { sources[field] = property }
        for (field, property) in explicit {
            guard fields.contains(field) else {
                throw ImportSetupError(
                    "--map \(field)=\(property): this layer has no field \(field) (it has "
                        + fields.joined(separator: ", ") + ")")
            }
            sources[field] = property
        }
        self.sources = sources
        self.used = Set(sources.values)
        self.caseInsensitive = caseInsensitive
    }

    /// The same mapping with each source property spelt as in `names` (the layer's fields) when it matches one
    /// ignoring case: a GDAL layer has a fixed schema, so the case-insensitive match is made once, not per feature.
    func matchingCase(of names: [String]) throws -> FieldMapping {
        guard caseInsensitive else { return self }
        var byLowercased: [String: String] = [:]
        for n in names where byLowercased[n.lowercased()] == nil { byLowercased[n.lowercased()] = n }
        var spelt: [String: String] = [:]
        for (field, property) in sources {
            spelt[field] = names.contains(property) ? property : byLowercased[property.lowercased()] ?? property
        }
        return try FieldMapping(
            fields: Array(sources.keys), explicit: spelt, profile: [:], caseInsensitive: caseInsensitive)
    }

    /// Splits a feature's properties into our fields and the properties kept as they are.
    public func apply(_ properties: JSONObject) -> (fields: [String: JSONValue], kept: JSONObject) {
        var fields: [String: JSONValue] = [:]
        fields.reserveCapacity(sources.count)
        for (field, property) in sources {
            if let v = properties[property], v != .null { fields[field] = v }
        }
        var kept: [(key: String, value: JSONValue)] = []
        kept.reserveCapacity(properties.count)
        for member in properties where !used.contains(member.key) && !Self.computedOnExport.contains(member.key) {
            kept.append(member)
        }
        return (fields, JSONObject(kept))
    }

    /// Parses `--map` arguments of the form `field=PROPERTY`.
    public static func parseMapArguments(_ arguments: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for a in arguments {
            guard let eq = a.firstIndex(of: "="), eq != a.startIndex, a.index(after: eq) != a.endIndex else {
                throw ImportSetupError("--map \(a): expected field=PROPERTY, e.g. --map code=DKBM")
            }
            out[String(a[..<eq])] = String(a[a.index(after: eq)...])
        }
        return out
    }
}

/// A problem with the import's arguments or setup (not with one feature).
public struct ImportSetupError: Error, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var errorDescription: String? { message }
}

extension JSONValue {
    /// The value as text for a text field: strings as they are, numbers as written, booleans as true/false.
    var fieldText: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    /// The value as a finite number: numbers, or strings holding a number (三调 exports often quote areas).
    var fieldNumber: Double? {
        switch self {
        case .number(let n): return Double(n).flatMap { $0.isFinite ? $0 : nil }
        case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }
}
