import Foundation

/// A folder of this process's own under the system's temporary directory ($TMPDIR), made with mkdtemp (mode 0700,
/// a name no other process holds), for files that outlive no command: a PostGIS change's working set.
struct TemporaryFolder {
    let path: String

    init(prefix: String) throws {
        var template = Array(
            (NSTemporaryDirectory() as NSString).appendingPathComponent(prefix + "-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CocoaError(
                .fileWriteUnknown,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "cannot make a temporary folder in \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))"
                ])
        }
        path = String(cString: made)
    }

    /// Removes the folder and what it holds; a failure leaves it for the system's cleaning of $TMPDIR.
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
