import Foundation
import Testing

@testable import LandRegistry

/// OutputFile: what it refuses, and that a write leaves either the whole result or nothing.
@Suite("Output files")
struct OutputFileTests {
    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    /// Everything in `dir` whose name an output's temporaries or moved-aside folders use.
    static func leftovers(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".landreg-") }
    }

    /// The reason `body` was refused with, nil when it was not.
    static func reason(_ body: () throws -> Void) -> OutputFileError.Reason? {
        do { try body(); return nil } catch let e as OutputFileError { return e.reason } catch {
            return .failed("\(error)")
        }
    }

    struct Boom: Error {}

    // MARK: Files

    @Test("a new file appears complete; nothing is left beside it")
    func newFile() throws {
        let dir = Fixtures.directory()
        let target = dir + "/parcels.geojson"
        var given = ""
        let n = try OutputFile.write(to: target, policy: OutputPolicy()) { temporary in
            given = temporary
            try Self.write("{\"type\":\"FeatureCollection\",\"features\":[]}\n", to: temporary)
            #expect(!FileManager.default.fileExists(atPath: target), "the target appears before the body returns")
            return 7
        }
        #expect(n == 7)
        #expect(
            (given as NSString).deletingLastPathComponent == dir || given.hasPrefix(OutputFile.realPath(dir)! + "/."))
        #expect((given as NSString).lastPathComponent.hasPrefix(".parcels.geojson.landreg-tmp-"))
        #expect(try Self.read(target) == "{\"type\":\"FeatureCollection\",\"features\":[]}\n")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("a body that throws leaves no target, no temporary, and an earlier file as it was")
    func bodyThrows() throws {
        let dir = Fixtures.directory()
        let target = dir + "/out.geojson"
        #expect(throws: Boom.self) {
            try OutputFile.write(to: target, policy: OutputPolicy()) { temporary in
                try Self.write("half", to: temporary)
                throw Boom()
            }
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        try Self.write("earlier", to: target)
        #expect(throws: Boom.self) {
            try OutputFile.write(to: target, policy: OutputPolicy(overwrite: true)) { temporary in
                try Self.write("half", to: temporary)
                throw Boom()
            }
        }
        #expect(try Self.read(target) == "earlier")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("an existing file needs overwrite; the body is not run when refused")
    func existingFile() throws {
        let dir = Fixtures.directory()
        let target = dir + "/out.csv"
        try Self.write("earlier", to: target)
        var ran = false
        #expect(
            Self.reason {
                try OutputFile.write(to: target, policy: OutputPolicy()) { _ in ran = true }
            } == .exists)
        #expect(!ran)
        #expect(try Self.read(target) == "earlier")
        #expect(Self.reason { try OutputFile.check(target, policy: OutputPolicy()) } == .exists)
        try OutputFile.write(to: target, policy: OutputPolicy(overwrite: true)) { try Self.write("new", to: $0) }
        #expect(try Self.read(target) == "new")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("the store, its -wal/-shm/-journal and hard links to it are refused, by any spelling of the path")
    func protectedStore() throws {
        let dir = Fixtures.directory()
        let store = dir + "/district.gpkg"
        try Self.write("SQLite format 3\u{0}store pages", to: store)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        try FileManager.default.linkItem(atPath: store, toPath: dir + "/copy.gpkg")
        let policy = OutputPolicy(overwrite: true, protectedPaths: [store])
        for target in [
            store, dir + "/sub/../district.gpkg", dir + "/./district.gpkg", store + "-wal", store + "-shm",
            store + "-journal", dir + "/copy.gpkg"
        ] {
            guard case .store? = Self.reason({ try OutputFile.check(target, policy: policy) }) else {
                Issue.record("\(target) was not refused as the store")
                continue
            }
        }
        // The message names the path and says why.
        let message =
            OutputFileError(path: store + "-wal", reason: .store("the store's write-ahead log \(store)-wal"))
            .errorDescription ?? ""
        #expect(
            message.contains("\(store)-wal is the store's write-ahead log") && message.contains("even with --overwrite")
        )
        #expect(try Self.read(store) == "SQLite format 3\u{0}store pages")
        #expect(!FileManager.default.fileExists(atPath: store + "-wal"))
    }

    @Test("any SQLite database is refused even with overwrite; a file that only looks alike is not")
    func databases() throws {
        let dir = Fixtures.directory()
        let db = dir + "/ledger.db"
        try Self.write("SQLite format 3\u{0}" + String(repeating: "x", count: 84), to: db)
        #expect(Self.reason { try OutputFile.check(db, policy: OutputPolicy(overwrite: true)) } == .database(""))
        let text = dir + "/notes.txt"
        try Self.write("SQLite format 3 is a file format", to: text) // no NUL at byte 15
        try OutputFile.check(text, policy: OutputPolicy(overwrite: true))
    }

    @Test("symbolic links are refused, dangling or not, with or without overwrite")
    func links() throws {
        let dir = Fixtures.directory()
        let fm = FileManager.default
        try Self.write("real", to: dir + "/real.txt")
        try fm.createSymbolicLink(atPath: dir + "/to-real.txt", withDestinationPath: "real.txt")
        try fm.createSymbolicLink(atPath: dir + "/dangling.txt", withDestinationPath: "new.txt")
        for link in [dir + "/to-real.txt", dir + "/dangling.txt"] {
            for overwrite in [false, true] {
                #expect(
                    Self.reason {
                        try OutputFile.write(to: link, policy: OutputPolicy(overwrite: overwrite)) {
                            try Self.write("x", to: $0)
                        }
                    } == .symbolicLink)
            }
        }
        #expect(!fm.fileExists(atPath: dir + "/new.txt"))
        #expect(try Self.read(dir + "/real.txt") == "real")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("a missing folder, a file in the folder's place, a device, and an unwritable folder are refused")
    func folders() throws {
        let dir = Fixtures.directory()
        #expect(
            Self.reason { try OutputFile.check(dir + "/nope/out.txt", policy: OutputPolicy()) }
                == .folderMissing(dir + "/nope"))
        #expect(
            OutputFileError(path: "nope/out.txt", reason: .folderMissing("nope")).errorDescription?
                .hasPrefix("folder nope does not exist") == true)
        try Self.write("x", to: dir + "/file")
        #expect(
            Self.reason { try OutputFile.check(dir + "/file/out.txt", policy: OutputPolicy()) }
                == .notAFolder(dir + "/file"))
        #expect(Self.reason { try OutputFile.check("/dev/null", policy: OutputPolicy(overwrite: true)) } == .special)
        // /proc is read-only for root as well: the probe, not the permission bits, finds it.
        guard
            case .folderNotWritable("/proc", _)? = Self.reason({
                try OutputFile.check("/proc/landreg-out.txt", policy: OutputPolicy())
            })
        else {
            Issue.record("/proc was not refused as unwritable"); return
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["file"],
            "check leaves its probe behind")
    }

    // MARK: Directories (a Shapefile folder)

    static func makeFolder(_ path: String, _ files: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        for (name, text) in files { try write(text, to: path + "/" + name) }
    }

    @Test("a folder output appears whole, and replaces an earlier one only with overwrite")
    func folderOutput() throws {
        let dir = Fixtures.directory()
        let target = dir + "/parcels_shp"
        try OutputFile.write(to: target, policy: OutputPolicy()) {
            try Self.makeFolder($0, ["parcels.shp": "v1", "parcels.dbf": "v1"])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).sorted() == ["parcels.dbf", "parcels.shp"])

        #expect(
            Self.reason {
                try OutputFile.write(to: target, policy: OutputPolicy()) {
                    try Self.makeFolder($0, ["parcels.shp": "v2"])
                }
            } == .exists)
        #expect(try Self.read(target + "/parcels.shp") == "v1")

        try OutputFile.write(to: target, policy: OutputPolicy(overwrite: true)) {
            try Self.makeFolder($0, ["parcels.shp": "v2", "parcels.prj": "v2"])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).sorted() == ["parcels.prj", "parcels.shp"])
        #expect(try Self.read(target + "/parcels.shp") == "v2")
        #expect(try Self.leftovers(dir).isEmpty, "the old folder moved aside was not removed")

        // A body that fails leaves the earlier folder as it was.
        #expect(throws: Boom.self) {
            try OutputFile.write(to: target, policy: OutputPolicy(overwrite: true)) { t in
                try Self.makeFolder(t, ["parcels.shp": "v3"])
                throw Boom()
            }
        }
        #expect(try Self.read(target + "/parcels.shp") == "v2")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("a folder holding a subfolder, a link, a database or the store is never replaced")
    func folderContents() throws {
        let dir = Fixtures.directory()
        let store = dir + "/district.gpkg"
        try Self.write("SQLite format 3\u{0}pages", to: store)
        let cases: [(String, (String) throws -> Void)] = [
            (
                "subfolder",
                { try FileManager.default.createDirectory(atPath: $0 + "/inner", withIntermediateDirectories: false) }
            ),
            ("link", { try FileManager.default.createSymbolicLink(atPath: $0 + "/l", withDestinationPath: "/etc") }),
            ("database", { try Self.write("SQLite format 3\u{0}other", to: $0 + "/other.gpkg") }),
            ("store", { try FileManager.default.linkItem(atPath: store, toPath: $0 + "/district.gpkg") })
        ]
        for (name, fill) in cases {
            let target = dir + "/out-" + name
            try Self.makeFolder(target, ["a.shp": "kept"])
            try fill(target)
            guard
                case .folderContents? = Self.reason({
                    try OutputFile.write(to: target, policy: OutputPolicy(overwrite: true, protectedPaths: [store])) {
                        try Self.makeFolder($0, ["a.shp": "new"])
                    }
                })
            else {
                Issue.record("a folder holding a \(name) was replaced"); continue
            }
            #expect(try Self.read(target + "/a.shp") == "kept")
        }
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("a file where a folder is expected, and a folder where a file is expected, are refused")
    func kindMismatch() throws {
        let dir = Fixtures.directory()
        try Self.makeFolder(dir + "/folder", ["a.txt": "kept"])
        try Self.write("kept", to: dir + "/file")
        var expectsFile = OutputPolicy(overwrite: true)
        expectsFile.expects = .file
        var expectsFolder = OutputPolicy(overwrite: true)
        expectsFolder.expects = .directory
        #expect(Self.reason { try OutputFile.check(dir + "/folder", policy: expectsFile) } == .directory)
        #expect(Self.reason { try OutputFile.check(dir + "/file", policy: expectsFolder) } == .notDirectory)
        // Without `expects`, the body's result decides, before anything is replaced.
        #expect(
            Self.reason {
                try OutputFile.write(to: dir + "/folder", policy: OutputPolicy(overwrite: true)) {
                    try Self.write("x", to: $0)
                }
            } == .directory)
        #expect(
            Self.reason {
                try OutputFile.write(to: dir + "/file", policy: OutputPolicy(overwrite: true)) {
                    try Self.makeFolder($0, [:])
                }
            } == .notDirectory)
        #expect(try Self.read(dir + "/folder/a.txt") == "kept")
        #expect(try Self.read(dir + "/file") == "kept")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("a body that creates nothing is an error, not an empty output")
    func nothingWritten() throws {
        let dir = Fixtures.directory()
        guard
            case .failed? = Self.reason({ try OutputFile.write(to: dir + "/out.txt", policy: OutputPolicy()) { _ in } })
        else {
            Issue.record("an empty write was accepted"); return
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.txt"))
    }
}
