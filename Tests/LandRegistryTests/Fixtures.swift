import Foundation
import LandGeometry

@testable import LandRegistry

/// Test fixtures in one place: the repository's folders, temporary stores, small GeoJSON files.
enum Fixtures {
    /// The repository root (this file is Tests/LandRegistryTests/Fixtures.swift).
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var seeds: SeedSet { SeedSet(directory: repo.appendingPathComponent("seeds").path) }
    static var geoData: String { repo.appendingPathComponent("GeoData").path }

    /// A fresh temporary directory.
    static func directory() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("landreg-test-" + UUID().uuidString)
            .path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A new store in EPSG:4549 in a temporary directory.
    static func store(crs: CRS = .cgcs2000GK120E) throws -> Registry {
        try Registry.create(at: directory() + "/test.gpkg", crs: crs, seeds: seeds)
    }

    static func write(_ text: String, name: String = "input.geojson") -> String {
        let path = directory() + "/" + name
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let context = ChangeContext(actor: "tester", effectiveDate: "2026-11-26")

    /// A square parcel feature in EPSG:4549 metres, `side` metres wide, at (x, y).
    static func squareFeature(
        code: String, x: Double = 520_000, y: Double = 3_340_000, side: Double = 100,
        landUse: String = "0101", extra: String = ""
    ) -> String {
        let ring = "[[\(x),\(y)],[\(x + side),\(y)],[\(x + side),\(y + side)],[\(x),\(y + side)],[\(x),\(y)]]"
        return """
            {"type":"Feature","properties":{"code":"\(code)","land_use":"\(landUse)"\(extra)},"geometry":{"type":"Polygon","coordinates":[\(ring)]}}
            """
    }

    /// A FeatureCollection in EPSG:4549 with the legacy crs member.
    static func collection4549(_ features: [String]) -> String {
        """
        {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":[
        \(features.joined(separator: ",\n"))
        ]}
        """
    }

    /// Runs a program and returns (exit status, stdout, stderr).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out; process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }

    /// The project virtual environment's python (tools/install-deps.sh): Debian's interpreter with its GDAL
    /// bindings, plus shapely 2 and pyproj. A test that needs it fails, saying what to run, when it is missing.
    static var gdalPython: String {
        get throws {
            let venv = repo.appendingPathComponent(".venv/bin/python3").path
            guard FileManager.default.isExecutableFile(atPath: venv) else {
                throw MissingTool(
                    description:
                        "\(venv) is missing: run tools/install-deps.sh (needs .venv with shapely, pyproj, openpyxl)")
            }
            return venv
        }
    }
    struct MissingTool: Error, CustomStringConvertible { let description: String }
    static func runPython(_ script: String, _ args: [String] = []) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try run(try gdalPython, ["-c", script] + args)
    }
}
