import Foundation
import LandFormats

// MARK: - Creating an export's output: beside the target, then renamed into place
//
// Every non-GeoJSON writer takes the path it must create (a file, or a folder for a Shapefile) and creates it
// completely; this function hands it a temporary path beside the target (same file system, so the rename is
// atomic) and renames it into place only when the writer succeeded. On failure nothing is left behind.
// The lead replaces this function by OutputFile.write (branch safe-output) when merging: keep it the only place.

/// Calls `body` with a temporary path beside `target`, then renames that path to `target`.
/// - Throws: when the target's folder is missing, the target exists, or `body` throws (the temporary is removed).
func writeThenRename<T>(to target: String, _ body: (String) throws -> T) throws -> T {
    let fm = FileManager.default
    let url = URL(fileURLWithPath: target)
    let folder = url.deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ExportWriteError("\(target): the folder \(folder) does not exist")
    }
    // lstat, not fileExists: a dangling symlink is there too.
    var st = stat()
    if lstat(target, &st) == 0 { throw ExportWriteError("\(target): already exists; choose a new name or remove it first") }
    // The temporary keeps the target's extension: GDAL's drivers choose what to create from it (CSV: a file, not a
    // folder; GeoPackage: no warning about a non-.gpkg name).
    let temporary = folder + "/.landreg-" + UUID().uuidString.prefix(8) + "-" + url.lastPathComponent
    do {
        let value = try body(temporary)
        // rename(2) moves a file or a folder in one step on the same file system; -1 on failure.
        guard rename(temporary, target) == 0 else {
            throw ExportWriteError("\(target): cannot move the finished file into place: \(String(cString: strerror(errno)))")
        }
        return value
    } catch {
        try? fm.removeItem(atPath: temporary)
        throw error
    }
}
