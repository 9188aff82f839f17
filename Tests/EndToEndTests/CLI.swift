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
    static func landreg(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> Result {
        try run(binary, arguments, in: directory, environment: ["LANDREG_ACTOR": "e2e"].merging(environment) { $1 })
    }

    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
                    environment: [String: String] = [:]) throws -> Result {
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
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func python(_ script: String, _ args: [String] = []) throws -> Result {
        try run("/usr/bin/env", ["python3", "-c", script] + args)
    }

    static func gdalPython(_ args: [String]) throws -> Result { try run("/usr/bin/python3", args) }

    static func temporaryDirectory() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("landreg-e2e-" + UUID().uuidString).path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static var geoData: String { repo.appendingPathComponent("GeoData").path }
}
