import Testing

@testable import LandGeometry

/// `gpkg_spatial_ref_sys.definition` as GDAL 3.6.2 writes it (a GPKG layer created with
/// `osr.SpatialReference().ImportFromEPSG(code)` in `/usr/bin/python3`, then read back with sqlite3).
enum GDALDefinitions {
    static let epsg4549 =
        #"PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 120E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",120],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Northing",NORTH],AXIS["Easting",EAST],AUTHORITY["EPSG","4549"]]"#
    static let epsg4490 =
        #"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4490"]]"#
    static let epsg4326 =
        #"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#
}

@Suite("CRS")
struct CRSTests {
    @Test(
        "parses the usual forms",
        arguments: [
            ("EPSG:4549", 4549), ("epsg:4549", 4549), ("4549", 4549), (" EPSG:4549 ", 4549),
            ("urn:ogc:def:crs:EPSG::4549", 4549), ("urn:ogc:def:crs:EPSG:6.6:4549", 4549),
            ("http://www.opengis.net/def/crs/EPSG/0/4549", 4549),
            ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326), ("OGC:CRS84", 4326), ("CRS84", 4326), ("EPSG:4490", 4490)
        ])
    func parse(text: String, epsg: Int) throws {
        #expect(try CRS.parse(text).epsg == epsg)
    }

    @Test("refuses unknown codes, non-2D CRSs and unreadable text")
    func refuses() {
        #expect(throws: CRSError.self) { try CRS.parse("EPSG:999999") }
        #expect(throws: CRSError.self) { try CRS(epsg: 5773) } // EGM96 height: vertical
        #expect(throws: CRSError.self) { try CRS.parse("WGS84 please") }
        #expect(throws: CRSError.self) { try CRS.parse("") }
    }

    @Test("names, kinds, WKT1 and area of use come from PROJ")
    func properties() throws {
        let gk = CRS.cgcs2000GK120E
        #expect(gk.name == "CGCS2000 / 3-degree Gauss-Kruger CM 120E")
        #expect(!gk.isGeographic)
        #expect(CRS.cgcs2000Geographic.isGeographic)
        #expect(CRS.wgs84.isGeographic)
        #expect(gk.description == "EPSG:4549")
        #expect(gk.wkt1 == GDALDefinitions.epsg4549)
        #expect(CRS.cgcs2000Geographic.wkt1 == GDALDefinitions.epsg4490)
        #expect(CRS.wgs84.wkt1 == GDALDefinitions.epsg4326)
        let area = try #require(gk.areaOfUseLonLat)
        #expect(area.minX > 118 && area.maxX < 122 && area.minY > 20 && area.maxY < 55)
        #expect(try CRS(epsg: 4549) == gk)
        #expect(Set([gk, try CRS.parse("4549")]).count == 1)
    }
}

@Suite("Coordinate transform")
struct CoordinateTransformTests {
    @Test("axis order is easting/northing and lon/lat")
    func axisOrder() throws {
        let t = try CoordinateTransform(from: .wgs84, to: .cgcs2000GK120E)
        let p = try t.transform(XY(120, 30))
        #expect(abs(p.x - 500000) < 1e-6) // on the central meridian
        #expect(abs(p.y - 3320113.3978450196) < 1e-3) // pyproj always_xy
    }

    @Test("4549 → 4326 → 4549 round trip of a polygon")
    func roundTrip() throws {
        let forward = try CoordinateTransform(from: .cgcs2000GK120E, to: .wgs84)
        let back = try CoordinateTransform(from: .wgs84, to: .cgcs2000GK120E)
        let lonLat = try forward.transform(Fixture.irregularParcel)
        let first = try #require(lonLat.polygons?.first?.exterior.first)
        #expect(abs(first.x - 120.2) < 0.01 && abs(first.y - 30.19) < 0.02) // lon ~120.2, lat ~30.2
        let again = try back.transform(lonLat)
        var maxError = 0.0
        let a = Fixture.irregularParcel.polygons![0].rings.joined(), b = again.polygons![0].rings.joined()
        for (p, q) in zip(a, b) { maxError = max(maxError, abs(p.x - q.x), abs(p.y - q.y)) }
        #expect(maxError < 1e-6)
        #expect(a.count == b.count)
    }

    @Test("identity when both sides are the same CRS")
    func identity() throws {
        let t = try CoordinateTransform(from: .cgcs2000GK120E, to: .cgcs2000GK120E)
        #expect(t.isIdentity)
        #expect(try t.transform(Fixture.irregularParcel) == Fixture.irregularParcel)
        #expect(try !CoordinateTransform(from: .cgcs2000GK120E, to: .wgs84).isIdentity)
    }

    @Test("non-finite results throw with PROJ's reason")
    func failure() throws {
        let t = try CoordinateTransform(from: .wgs84, to: .cgcs2000GK120E)
        #expect(throws: CRSError.self) { try t.transform(XY(.nan, 30)) }
        #expect(throws: CRSError.self) { try t.transform(Geometry.lineString([XY(120, 30), XY(120, 95)])) }
    }
}
