import Foundation

/// Finds a data folder that ships beside landreg (seeds/, GeoData/): the first `name` folder holding `marker`
/// in the executable's folder or one of its parents (covers `.build/debug/landreg` in a checkout), or
/// under `share/landreg/` there (an installed `PREFIX/bin/landreg`), else in the current directory.
public func locateFolder(named name: String, containing marker: String) -> String? {
    let fm = FileManager.default
    func ok(_ dir: String) -> Bool { fm.fileExists(atPath: dir + "/" + marker) }
    let executable = Bundle.main.executablePath ?? CommandLine.arguments.first ?? ""
    var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<6 {
        for candidate in [
            dir.appendingPathComponent(name).path, dir.appendingPathComponent("share/landreg/\(name)").path
        ]
        where ok(candidate) {
            return candidate
        }
        dir = dir.deletingLastPathComponent()
    }
    let cwd = fm.currentDirectoryPath + "/" + name
    return ok(cwd) ? cwd : nil
}
