// swift-tools-version:6.0
// landreg: a GeoPackage registry of a subdistrict's parcels, zones, violation spots, redevelopment sites
// and tenancies. Dependencies point one way: landreg → LandAnalysis → LandRegistry → LandGeometry → CGEOS/CPROJ.
import PackageDescription

let package = Package(
    name: "landreg",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "landreg", targets: ["landreg"]),
        .library(name: "LandGeometry", targets: ["LandGeometry"]),
        .library(name: "LandFormats", targets: ["LandFormats"]),
        .library(name: "LandRegistry", targets: ["LandRegistry"]),
        .library(name: "LandAnalysis", targets: ["LandAnalysis"]),
        .library(name: "LandMaps", targets: ["LandMaps"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CGEOS", path: "Sources/CGEOS", pkgConfig: "geos",
                       providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CPROJ", path: "Sources/CPROJ", pkgConfig: "proj",
                       providers: [.apt(["libproj-dev"])]),
        .systemLibrary(name: "CGDAL", path: "Sources/CGDAL", pkgConfig: "gdal",
                       providers: [.apt(["libgdal-dev"])]),
        .systemLibrary(name: "CXLSXWriter", path: "Sources/CXLSXWriter", pkgConfig: "xlsxwriter",
                       providers: [.apt(["libxlsxwriter-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]),
        .target(name: "LandGeometry", dependencies: ["CGEOS", "CPROJ"]),
        // Other formats than GeoJSON (Shapefile, FileGDB, GeoPackage, KML, CSV+WKT, xlsx) through GDAL's C API,
        // and formatted office tables through libxlsxwriter. Only this target imports CGDAL and CXLSXWriter.
        .target(name: "LandFormats", dependencies: ["LandGeometry", "CGDAL", "CXLSXWriter"]),
        .target(name: "LandRegistry", dependencies: [
            "LandGeometry", "LandFormats",
            .product(name: "GRDB", package: "GRDB.swift"),
            // GRDB's own SQLite module: the C API for the hot paths of bulk imports (SQL functions, binding).
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            "CCrypto",
        ]),
        .target(name: "LandAnalysis", dependencies: ["LandRegistry", "LandGeometry"]),
        // Map pictures (PNG, SVG, PDF) of the store with cairo and pango. Only this target imports CCairo.
        .target(name: "LandMaps", dependencies: ["LandRegistry", "LandGeometry", "CCairo", "CPROJ"]),
        .executableTarget(name: "landreg", dependencies: [
            "LandAnalysis", "LandRegistry", "LandGeometry", "LandFormats", "LandMaps",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "LandGeometryTests", dependencies: ["LandGeometry"]),
        .testTarget(name: "LandRegistryTests", dependencies: ["LandRegistry", "LandGeometry"]),
        .testTarget(name: "LandAnalysisTests", dependencies: ["LandAnalysis", "LandRegistry", "LandGeometry"]),
        .testTarget(name: "EndToEndTests", dependencies: [], exclude: ["qgis"]),  // qgis/: the QGIS check script
    ]
)
