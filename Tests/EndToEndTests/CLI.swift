import Foundation

/// Runs the built `landreg` binary. It is found at $LANDREG_BIN, else beside the test bundle
/// (.build/debug/landreg), else at the repository's .build/debug/landreg.
enum CLI {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let binary: String = {
        if let b = ProcessInfo.processInfo.environment["LANDREG_BIN"] { return b }
        var candidates: [String] = []
        if let exe = Bundle.main.executableURL?.deletingLastPathComponent() {
            candidates.append(exe.appendingPathComponent("landreg").path)
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent("landreg").path)
        }
        candidates.append(repo.appendingPathComponent(".build/debug/landreg").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs landreg with `arguments` in `directory`, with LANDREG_ACTOR=e2e.
    @discardableResult
    static func landreg(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws
        -> Result
    {
        try run(binary, arguments, in: directory, environment: ["LANDREG_ACTOR": "e2e"].merging(environment) { $1 })
    }

    static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil,
        environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "LANDREG_STORE")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out; process.standardError = err
        try process.run()
        // Read both pipes concurrently so a full stderr cannot block the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The project virtual environment's interpreter (tools/install-deps.sh makes it from Debian's python3 with
    /// --system-site-packages): shapely 2, pyproj, openpyxl, and Debian's osgeo (GDAL's validate_gpkg.py).
    static let venvPython = repo.appendingPathComponent(".venv/bin/python3").path
    static let installHint = "run tools/install-deps.sh (needs .venv with shapely, pyproj, openpyxl)"

    struct MissingTool: Error, CustomStringConvertible {
        let description: String
    }

    /// nil when the venv imports everything the tests use, else why not (checked once per test process).
    static let venvProblem: String? = {
        guard FileManager.default.isExecutableFile(atPath: venvPython) else { return "\(venvPython) is missing" }
        let probe = try? run(
            venvPython, ["-c", "import shapely, pyproj, openpyxl, sqlite3; from osgeo import gdal, ogr"])
        guard let probe else { return "\(venvPython) does not start" }
        return probe.status == 0 ? nil : "\(venvPython) lacks a module: \(probe.stderr.suffix(300))"
    }()

    /// The venv's python3, or an error that fails the test saying what to install (a test never skips for it).
    static func requirePython() throws -> String {
        if let venvProblem { throw MissingTool(description: "\(venvProblem): \(installHint)") }
        return venvPython
    }

    /// `python -c script args…` with the venv's python (shapely 2, pyproj, openpyxl).
    static func python(_ script: String, _ args: [String] = []) throws -> Result {
        try run(try requirePython(), ["-c", script] + args)
    }

    /// The venv's python with `args` (a script path or -c): GDAL's Python bindings and sqlite3.
    static func gdalPython(_ args: [String]) throws -> Result { try run(try requirePython(), args) }

    static func temporaryDirectory() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("landreg-e2e-" + UUID().uuidString).path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static var geoData: String { repo.appendingPathComponent("GeoData").path }
}
