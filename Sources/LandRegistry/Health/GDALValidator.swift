import Foundation

// MARK: - GDAL's GeoPackage validator, when it is installed
//
// Debian's python3-gdal ships validate_gpkg.py; `--extra` also decodes every geometry blob and checks SRS ids and
// triggers. It is a second opinion from the reference implementation, run only on request: it reads the store
// through its own SQLite connection (a WAL reader: it neither blocks nor sees our uncommitted writes).

enum GDALValidator {
    static let python = "/usr/bin/python3"
    static let script = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"

    static func validate(store path: String) -> GDALValidation {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: python), fm.fileExists(atPath: script) else {
            return GDALValidation(
                ok: false, ran: false,
                output: "GDAL's validator is not installed (\(script) with \(python); apt-get install python3-gdal)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--extra", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch {
            return GDALValidation(ok: false, ran: false, output: "could not run \(python): \(error)")
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return GDALValidation(
            ok: process.terminationStatus == 0, ran: true,
            output: text.isEmpty ? "exit \(process.terminationStatus)" : text)
    }
}
