// swift-tools-version:6.0
// landreg: a GeoPackage registry of a subdistrict's parcels, zones, violation spots, redevelopment sites
// and tenancies. Dependencies point one way: landreg → LandAnalysis → LandRegistry → LandGeometry → CGEOS/CPROJ;
// the GeoJSON reader and writer (LandGeoJSON) and LandGeometry both stand on LandGeometryCore, the pure-Swift
// geometry values, so that GeoJSON builds (and fuzzes) without any C library.
import PackageDescription

let package = Package(
    name: "landreg",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "landreg", targets: ["landreg"]),
        .library(name: "LandGeometryCore", targets: ["LandGeometryCore"]),
        .library(name: "LandGeoJSON", targets: ["LandGeoJSON"]),
        .library(name: "LandGeometry", targets: ["LandGeometry"]),
        .library(name: "LandFormats", targets: ["LandFormats"]),
        .library(name: "LandRegistry", targets: ["LandRegistry"]),
        .library(name: "LandAnalysis", targets: ["LandAnalysis"]),
        .library(name: "LandMaps", targets: ["LandMaps"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2")
    ],
    targets: [
        .systemLibrary(
            name: "CGEOS", path: "Sources/CGEOS", pkgConfig: "geos",
            providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(
            name: "CPROJ", path: "Sources/CPROJ", pkgConfig: "proj",
            providers: [.apt(["libproj-dev"])]),
        // GDAL's headers only: nothing links libgdal. CGDALLazy defines the functions landreg calls and loads
        // GDAL on the first (a look-up does not pay GDAL's ~110 libraries at start; see GDALLazy.c).
        .systemLibrary(name: "CGDAL", path: "Sources/CGDAL", providers: [.apt(["libgdal-dev"])]),
        .target(name: "CGDALLazy", path: "Sources/CGDALLazy", exclude: ["GDALFunctions.inc"]),
        .systemLibrary(
            name: "CXLSXWriter", path: "Sources/CXLSXWriter", pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]),
        .systemLibrary(
            name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        // PostgreSQL's client library: the PostGIS store (Sources/LandRegistry/PostGIS). Linked directly: its only
        // library landreg does not load already is libssl (measured with ldd), so there is no start-up cost to avoid.
        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CExif", path: "Sources/CExif", pkgConfig: "libexif",
            providers: [.apt(["libexif-dev"])]),
        .systemLibrary(
            name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]),
        // Geometry values (XY, Polygon, Geometry, Envelope), the shoelace area and the input-file check: pure Swift,
        // what both GeoJSON and the GEOS/PROJ layer are written on. LandGeometry re-exports it.
        .target(name: "LandGeometryCore"),
        // The streaming GeoJSON reader and writer and JSONValue. No C: the values it reads come from
        // LandGeometryCore, not LandGeometry, so it does not link GEOS or PROJ (tools/fuzz builds it alone).
        .target(name: "LandGeoJSON", dependencies: ["LandGeometryCore"]),
        .target(name: "LandGeometry", dependencies: ["LandGeometryCore", "CGEOS", "CPROJ"]),
        // Other formats than GeoJSON (Shapefile, FileGDB, GeoPackage, KML, CSV+WKT, xlsx) through GDAL's C API,
        // formatted office tables through libxlsxwriter, and photos' EXIF through libexif. Only this target imports
        // CGDAL, CXLSXWriter and CExif.
        .target(
            name: "LandFormats",
            dependencies: ["LandGeometry", "LandGeoJSON", "CGDAL", "CGDALLazy", "CXLSXWriter", "CExif"]),
        .target(
            name: "LandRegistry",
            dependencies: [
                "LandGeometry", "LandGeoJSON", "LandFormats",
                .product(name: "GRDB", package: "GRDB.swift"),
                // GRDB's own SQLite module: the C API for the hot paths of bulk imports (SQL functions, binding).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "CCrypto", "CLibPQ"
            ]),
        .target(name: "LandAnalysis", dependencies: ["LandRegistry", "LandGeometry", "LandGeoJSON"]),
        // Map pictures (PNG, SVG, PDF) of the store with cairo and pango. Only this target imports CCairo.
        .target(name: "LandMaps", dependencies: ["LandRegistry", "LandGeometry", "CCairo", "CPROJ"]),
        .executableTarget(
            name: "landreg",
            dependencies: [
                "LandAnalysis", "LandRegistry", "LandGeometry", "LandGeoJSON", "LandFormats", "LandMaps",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]),
        .testTarget(name: "LandGeometryTests", dependencies: ["LandGeometry", "LandGeoJSON"]),
        .testTarget(name: "LandRegistryTests", dependencies: ["LandRegistry", "LandGeometry", "LandGeoJSON"]),
        .testTarget(
            name: "LandAnalysisTests", dependencies: ["LandAnalysis", "LandRegistry", "LandGeometry", "LandGeoJSON"]),
        .testTarget(name: "EndToEndTests", dependencies: [], exclude: ["qgis"]) // qgis/: the QGIS check script
    ]
)
