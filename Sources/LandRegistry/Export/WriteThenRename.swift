import Foundation

// MARK: - Creating an export's output: beside the target, then moved into place
//
// Every non-GeoJSON writer takes the path it must create (a file, or a folder for a Shapefile) and creates it
// completely; OutputFile.write hands it a temporary path beside the target and moves it into place only when the
// writer succeeded (refusing the store, databases, links and, without --overwrite, existing files).

/// Calls `body` with a temporary path beside `target` and moves the result into place under `policy`.
func writeThenRename<T>(to target: String, policy: OutputPolicy, _ body: (String) throws -> T) throws -> T {
    try OutputFile.write(to: target, policy: policy, body)
}
