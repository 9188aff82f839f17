import CPROJ
import Foundation // NSLock for the process-wide cache only

// MARK: - Coordinate reference systems
//
// Policy: a CRS is named by its EPSG code and must be 2D geographic or projected. Its name, kind, WKT1 and area of
// use come from PROJ's database once per code per process (cached). Coordinates are always (x, y) =
// (easting, northing) or (longitude, latitude), whatever the CRS's official axis order (see CoordinateTransform).

/// A CRS is unknown to PROJ, of a kind the registry cannot store, written in a form we do not read, or a
/// coordinate cannot be transformed between two CRSs.
public struct CRSError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A horizontal coordinate reference system identified by its EPSG code, e.g. EPSG:4549
/// (CGCS2000 / 3-degree Gauss-Kruger CM 120E). Equality and hashing use the code alone.
public struct CRS: Hashable, Sendable, CustomStringConvertible {
    /// The EPSG code.
    public let epsg: Int
    let info: CRSInfo

    /// The CRS with this EPSG code.
    /// - Throws: `CRSError` when PROJ does not know the code or it is not a 2D geographic or projected CRS.
    public init(epsg: Int) throws {
        self.epsg = epsg
        self.info = try CRSInfo.cached(epsg)
    }

    private init(known epsg: Int, name: String, isGeographic: Bool) {
        self.epsg = epsg
        // Constants never throw: if PROJ's database were missing, keep the name and kind and leave WKT empty.
        self.info =
            (try? CRSInfo.cached(epsg))
            ?? CRSInfo(name: name, isGeographic: isGeographic, wkt1: "", areaOfUseLonLat: nil)
    }

    /// WGS 84 geographic, EPSG:4326 (what RFC 7946 GeoJSON uses).
    public static let wgs84 = CRS(known: 4326, name: "WGS 84", isGeographic: true)
    /// CGCS2000 geographic, EPSG:4490.
    public static let cgcs2000Geographic = CRS(
        known: 4490, name: "China Geodetic Coordinate System 2000", isGeographic: true)
    /// CGCS2000 / 3-degree Gauss-Kruger CM 120E, EPSG:4549: the default store CRS.
    public static let cgcs2000GK120E = CRS(
        known: 4549, name: "CGCS2000 / 3-degree Gauss-Kruger CM 120E", isGeographic: false)

    /// True for a geographic (longitude/latitude) CRS, false for a projected one.
    public var isGeographic: Bool { info.isGeographic }
    /// PROJ's name, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 120E".
    public var name: String { info.name }
    /// One-line WKT1 (GDAL flavour, with AXIS) exactly as GDAL 3.6 writes it into `gpkg_spatial_ref_sys.definition`.
    public var wkt1: String { info.wkt1 }
    /// Where the CRS may be used, in degrees (minX = west, maxX = east, minY = south, maxY = north); nil when
    /// PROJ does not say. West may exceed east for areas that cross the antimeridian.
    public var areaOfUseLonLat: Envelope? { info.areaOfUseLonLat }
    /// "EPSG:4549".
    public var description: String { "EPSG:\(epsg)" }

    public static func == (a: CRS, b: CRS) -> Bool { a.epsg == b.epsg }
    public func hash(into hasher: inout Hasher) { hasher.combine(epsg) }

    /// Reads the usual ways of writing a CRS: "EPSG:4549", "epsg:4549", "4549", "urn:ogc:def:crs:EPSG::4549",
    /// "urn:ogc:def:crs:EPSG:6.6:4549", "http://www.opengis.net/def/crs/EPSG/0/4549", and CRS84 in any of its
    /// forms ("urn:ogc:def:crs:OGC:1.3:CRS84", "OGC:CRS84", "CRS84", ".../def/crs/OGC/1.3/CRS84"), which is EPSG:4326
    /// with longitude first (the axis order we always use).
    /// - Throws: `CRSError` for text in no such form, and as `init(epsg:)` does.
    public static func parse(_ text: String) throws -> CRS {
        let t = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        let u = t.uppercased()
        if u == "CRS84" || u == "CRS:84" || u.hasSuffix(":CRS84") || u.hasSuffix("/CRS84") { return .wgs84 }
        var code: Substring? = nil
        if t.allSatisfy(\.isASCII) && !t.isEmpty && t.allSatisfy(\.isNumber) {
            code = Substring(t)
        } else if u.hasPrefix("EPSG:") {
            code = t.dropFirst(5)
        } else if u.hasPrefix("URN:OGC:DEF:CRS:EPSG:") {
            code = t.split(separator: ":", omittingEmptySubsequences: false).last
        } else if u.hasPrefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/")
            || u.hasPrefix("HTTPS://WWW.OPENGIS.NET/DEF/CRS/EPSG/")
        {
            code = t.split(separator: "/").last
        }
        guard let code, let epsg = Int(code), epsg > 0 else {
            throw CRSError("cannot read CRS \"\(text)\": expected EPSG:4549, 4549, urn:ogc:def:crs:EPSG::4549 or CRS84")
        }
        return try CRS(epsg: epsg)
    }
}

/// What PROJ's database says about one CRS. Immutable.
final class CRSInfo: Sendable {
    let name: String
    let isGeographic: Bool
    let wkt1: String
    let areaOfUseLonLat: Envelope?

    init(name: String, isGeographic: Bool, wkt1: String, areaOfUseLonLat: Envelope?) {
        self.name = name; self.isGeographic = isGeographic; self.wkt1 = wkt1; self.areaOfUseLonLat = areaOfUseLonLat
    }

    private static let cache = CRSInfoCache()

    static func cached(_ epsg: Int) throws -> CRSInfo {
        if let hit = cache.get(epsg) { return hit }
        let info = try lookup(epsg)
        cache.put(epsg, info)
        return info
    }

    /// Looks the code up in PROJ's database.
    static func lookup(_ epsg: Int) throws -> CRSInfo {
        let c = PROJContext()
        // proj_create_from_database returns NULL when the code is not in the database.
        guard let pj = proj_create_from_database(c.ctx, "EPSG", String(epsg), PJ_CATEGORY_CRS, 0, nil) else {
            throw CRSError("EPSG:\(epsg) is not a CRS in PROJ's database (\(c.errorText()))")
        }
        defer { proj_destroy(pj) }
        // proj_get_name returns NULL when the object has no name.
        let name = proj_get_name(pj).map { String(cString: $0) } ?? "EPSG:\(epsg)"
        let type = proj_get_type(pj)
        let isGeographic: Bool
        switch type {
        case PJ_TYPE_GEOGRAPHIC_2D_CRS: isGeographic = true
        case PJ_TYPE_PROJECTED_CRS: isGeographic = false
        default:
            throw CRSError("EPSG:\(epsg) (\(name)) is not a 2D geographic or projected CRS")
        }
        // proj_as_wkt returns NULL when the object cannot be written in that WKT flavour.
        // One line, with AXIS[...] as GDAL writes into gpkg_spatial_ref_sys.definition.
        let wkt = "MULTILINE=NO".withCString { multiline in
            "OUTPUT_AXIS=YES".withCString { axis -> String? in
                var options: [UnsafePointer<CChar>?] = [multiline, axis, nil]
                return options.withUnsafeMutableBufferPointer { b in
                    proj_as_wkt(c.ctx, pj, PJ_WKT1_GDAL, b.baseAddress).map { String(cString: $0) }
                }
            }
        }
        guard let wkt else { throw CRSError("EPSG:\(epsg) (\(name)) has no WKT1 form (\(c.errorText()))") }
        var west = 0.0, south = 0.0, east = 0.0, north = 0.0
        var area: Envelope? = nil
        // proj_get_area_of_use returns 0 when there is no area of use (or sets -1000 for unknown bounds).
        if proj_get_area_of_use(c.ctx, pj, &west, &south, &east, &north, nil) != 0, west > -1000, south > -1000 {
            area = Envelope(minX: west, minY: south, maxX: east, maxY: north)
        }
        return CRSInfo(name: name, isGeographic: isGeographic, wkt1: wkt, areaOfUseLonLat: area)
    }
}

/// Process-wide cache of CRS lookups (a handful of codes per run).
final class CRSInfoCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Int: CRSInfo] = [:] // guarded by `lock`

    func get(_ epsg: Int) -> CRSInfo? { lock.withLock { entries[epsg] } }
    func put(_ epsg: Int, _ info: CRSInfo) { lock.withLock { entries[epsg] = info } }
}
