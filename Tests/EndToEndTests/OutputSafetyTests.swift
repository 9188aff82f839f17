import Foundation
import Testing

/// Outputs never destroy data (issue 12): every command that writes a file refuses the store, its journal, any
/// SQLite database, a symbolic link, a missing or unwritable folder, and (without --overwrite) an existing file;
/// a write that fails half-way leaves nothing behind.
@Suite("Output safety end to end", .serialized)
struct OutputSafetyTests {
    /// A command that writes a file (or a folder), and how to tell its output is complete.
    struct OutputCommand: CustomTestStringConvertible, Sendable {
        let arguments: [String]
        /// The output's extension, given to every output name; nil: the output is a folder (a Shapefile's).
        var ext: String? = "geojson"
        /// The command takes its format from the extension and refuses any other (`map`, `dossier`): the store is
        /// then tried under a name with that extension.
        var formatFromExtension = false
        /// The bytes a complete output starts with (nil: checked otherwise).
        var magic: [UInt8]? = nil

        var testDescription: String { arguments.joined(separator: " ") }
        var isBackup: Bool { arguments == ["backup"] }
        var isFolder: Bool { ext == nil }
        var isGeoJSONExport: Bool { arguments.first == "export" && ext == "geojson" }
        /// `base.EXT`, or `base` for a folder.
        func output(_ base: String) -> String { ext.map { base + "." + $0 } ?? base }
    }

    static let zip = Array("PK\u{3}\u{4}".utf8), sqlite = Array("SQLite format 3\u{0}".utf8)
    static let commands: [OutputCommand] = [
        OutputCommand(arguments: ["export", "parcels"]),
        OutputCommand(arguments: ["export", "zones"]),
        OutputCommand(arguments: ["export", "spots", "--as-of", "2026-06-30"]),
        OutputCommand(arguments: ["export", "sites", "--as-of", "2026-06-30"]),
        OutputCommand(arguments: ["export", "reclaimable", "--as-of", "2026-06-30"]),
        OutputCommand(arguments: ["export", "parcels", "--format", "xlsx"], ext: "xlsx", magic: zip),
        OutputCommand(arguments: ["export", "parcels", "--format", "gpkg"], ext: "gpkg", magic: sqlite),
        OutputCommand(arguments: ["export", "parcels", "--format", "shp"], ext: nil),
        OutputCommand(arguments: ["report", "rectification", "--format", "xlsx"], ext: "xlsx", magic: zip),
        OutputCommand(
            arguments: ["report", "utilisation", "--format", "xlsx", "--as-of", "2026-06-30"], ext: "xlsx", magic: zip),
        OutputCommand(arguments: ["report", "reclaimable", "--format", "xlsx"], ext: "xlsx", magic: zip),
        OutputCommand(
            arguments: ["dossier", "spots", "--batch", "2023-07"], ext: "pdf", formatFromExtension: true,
            magic: Array("%PDF-".utf8)),
        OutputCommand(
            arguments: ["map", "spot", "JC2023-07-0002"], ext: "png", formatFromExtension: true,
            magic: [0x89] + Array("PNG".utf8)),
        OutputCommand(arguments: ["backup"], ext: "gpkg")
    ]

    struct DemoFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// The demo district (parcels, zones, spots, sites, enterprises), made once and copied per test.
    static let template: Result<String, DemoFailed> = {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/demo.gpkg"
        guard let r = try? CLI.landreg(["demo", "--store", store], in: dir) else {
            return .failure(DemoFailed(description: "cannot run landreg"))
        }
        return r.status == 0 ? .success(store) : .failure(DemoFailed(description: "landreg demo failed: \(r.stderr)"))
    }()

    /// A fresh folder holding a copy of the demo store as district.gpkg (or another name).
    static func district(named name: String = "district.gpkg") throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/" + name
        try FileManager.default.copyItem(atPath: template.get(), toPath: store)
        return (dir, store)
    }

    static func run(
        _ command: OutputCommand, to output: String, store: String, in dir: String,
        _ extra: [String] = []
    ) throws -> CLI.Result {
        try CLI.landreg(command.arguments + ["-o", output, "--store", store] + extra, in: dir)
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Hidden temporaries or moved-aside copies an output may have left in `dir`.
    static func leftovers(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter {
            $0.contains(".landreg-") || $0.contains(".partial-")
        }
    }

    /// The store is byte-identical to `before` and `landreg check --quick` passes on it.
    static func expectStoreIntact(
        _ store: String, _ before: Data, in dir: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(try bytes(store) == before, "the store's bytes changed", sourceLocation: sourceLocation)
        let check = try CLI.landreg(["check", "--quick", "--store", store], in: dir)
        #expect(check.status == 0, "check --quick: \(check.stdout)\(check.stderr)", sourceLocation: sourceLocation)
    }

    /// Checks that `output` is the complete result of `command`: an export equals a fresh export to a new name byte
    /// for byte and holds the feature count it reported; a backup passes `check --quick` and holds the store's rows.
    static func expectComplete(
        _ command: OutputCommand, _ output: String, report: CLI.Result, store: String, in dir: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        if command.isBackup {
            let check = try CLI.landreg(["check", "--quick", "--store", output], in: dir)
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)", sourceLocation: sourceLocation)
            #expect(
                try SafetyTests.sql(output, "SELECT count(*) FROM parcels")
                    == SafetyTests.sql(store, "SELECT count(*) FROM parcels"),
                sourceLocation: sourceLocation)
            #expect(
                try SafetyTests.sql(output, "PRAGMA journal_mode").first == "delete", sourceLocation: sourceLocation)
            return
        }
        let fresh = dir + "/" + command.output("fresh-\(UUID().uuidString)")
        let again = try run(command, to: fresh, store: store, in: dir)
        #expect(again.status == 0, "\(again.stderr)", sourceLocation: sourceLocation)
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        if command.isFolder {
            // A Shapefile folder: the same files as a fresh export's, each the same size, nothing of the old folder.
            let fm = FileManager.default
            let names = try fm.contentsOfDirectory(atPath: output).sorted()
            #expect(
                names == (try fm.contentsOfDirectory(atPath: fresh).sorted()), "\(names)",
                sourceLocation: sourceLocation)
            #expect(names.contains { $0.hasSuffix(".shp") }, "\(names)", sourceLocation: sourceLocation)
            for name in names {
                #expect(
                    try bytes(output + "/" + name).count == bytes(fresh + "/" + name).count, "\(name)",
                    sourceLocation: sourceLocation)
            }
            return
        }
        if !command.isGeoJSONExport {
            // A workbook, a GeoPackage, a PDF or a PNG: what a complete one starts with, and about a fresh one's size
            // (a GeoPackage and a PDF carry the time they were made, so not byte for byte).
            let written = try bytes(output), again = try bytes(fresh)
            let magic = command.magic ?? []
            #expect(
                !magic.isEmpty && written.starts(with: magic), "\(output) starts \(Array(written.prefix(8)))",
                sourceLocation: sourceLocation)
            #expect(
                abs(written.count - again.count) <= again.count / 100 + 64,
                "\(written.count) bytes, a fresh one \(again.count)", sourceLocation: sourceLocation)
            return
        }
        #expect(
            try bytes(output) == bytes(fresh), "the replaced output differs from a fresh export",
            sourceLocation: sourceLocation)
        let json = try JSONSerialization.jsonObject(with: bytes(output)) as? [String: Any]
        let features = json?["features"] as? [Any] ?? []
        #expect(
            !features.isEmpty && report.stdout.contains("exported \(features.count) "), "\(report.stdout)",
            sourceLocation: sourceLocation)
    }

    // MARK: The report

    @Test("issue 12: export parcels -o district.gpkg --store district.gpkg fails and leaves the store intact")
    func exportOntoTheStore() throws {
        let (dir, store) = try Self.district()
        let before = try Self.bytes(store)
        let r = try CLI.landreg(["export", "parcels", "-o", "district.gpkg", "--store", "district.gpkg"], in: dir)
        #expect(r.status == 1, "exit \(r.status): \(r.stdout)")
        #expect(
            r.stderr.contains("district.gpkg is the store district.gpkg; an output never replaces the store"),
            "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        try Self.expectStoreIntact(store, before, in: dir)
        #expect(try Self.leftovers(dir).isEmpty)
    }

    // MARK: Every output command

    @Test("an existing file is refused, then replaced completely with --overwrite", arguments: commands)
    func existingFile(_ command: OutputCommand) throws {
        let (dir, store) = try Self.district()
        let output = dir + "/" + command.output("out")
        let old = Data("an earlier report the office still needs\n".utf8)
        // A folder output's earlier folder holds a file of its own, gone once replaced.
        let oldFile = command.isFolder ? output + "/notes.txt" : output
        if command.isFolder {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: false)
        }
        try old.write(to: URL(fileURLWithPath: oldFile))
        let refused = try Self.run(command, to: output, store: store, in: dir)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("\(output) already exists; pass --overwrite to replace it"), "\(refused.stderr)")
        #expect(try Self.bytes(oldFile) == old)

        let replaced = try Self.run(command, to: output, store: store, in: dir, ["--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        try Self.expectComplete(command, output, report: replaced, store: store, in: dir)
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("the store itself is refused even with --overwrite, by any name", arguments: commands)
    func theStore(_ command: OutputCommand) throws {
        let ext = command.formatFromExtension ? command.ext ?? "gpkg" : "gpkg"
        let (dir, store) = try Self.district(named: "district." + ext)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        try FileManager.default.linkItem(atPath: store, toPath: dir + "/hardlink." + ext)
        let before = try Self.bytes(store)
        for (output, message) in [
            (store, "is the store \(store);"), ("./sub/../district." + ext, "is the store"),
            (dir + "/hardlink." + ext, "under another name (a hard link)")
        ] {
            for extra in [[], ["--overwrite"]] {
                let r = try Self.run(command, to: output, store: store, in: dir, extra)
                #expect(r.status == 1, "\(output) \(extra): exit \(r.status)")
                #expect(r.stderr.contains(message) && r.stderr.contains("even with --overwrite"), "\(r.stderr)")
            }
        }
        try Self.expectStoreIntact(store, before, in: dir)
        #expect(try Self.leftovers(dir).isEmpty)
    }

    /// `map` and `dossier` take the format from the extension: a `-wal` name is refused for that first (exit 64).
    @Test("the store's -wal and -shm are refused even with --overwrite", arguments: commands)
    func theStoresJournal(_ command: OutputCommand) throws {
        let (dir, store) = try Self.district()
        let before = try Self.bytes(store)
        for (suffix, role) in [
            ("-wal", "write-ahead log"), ("-shm", "shared-memory index"), ("-journal", "rollback journal")
        ] {
            let r = try Self.run(command, to: store + suffix, store: store, in: dir, ["--overwrite"])
            if command.formatFromExtension {
                #expect(r.status == 64 && r.stderr.contains("the file must end in"), "\(r.stderr)")
            } else {
                #expect(r.status == 1)
                #expect(r.stderr.contains("is the store's \(role) \(store + suffix)"), "\(r.stderr)")
            }
        }
        try Self.expectStoreIntact(store, before, in: dir)
        #expect(!FileManager.default.fileExists(atPath: store + "-journal"))
    }

    @Test("another SQLite database is refused even with --overwrite", arguments: commands)
    func anotherDatabase(_ command: OutputCommand) throws {
        let (dir, store) = try Self.district()
        let other = dir + "/" + (command.formatFromExtension ? command.output("ledger") : "ledger.sqlite")
        let made = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); db.execute("CREATE TABLE ledger (entry TEXT)")
            db.execute("INSERT INTO ledger VALUES ('2026 rents')"); db.commit(); db.close()
            """, other
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let before = try Self.bytes(other)
        let r = try Self.run(command, to: other, store: store, in: dir, ["--overwrite"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(other) is an SQLite database; an output never replaces a database"), "\(r.stderr)")
        #expect(try Self.bytes(other) == before)
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("a symbolic link is refused, to a new name or an existing file, and left as it was", arguments: commands)
    func symbolicLink(_ command: OutputCommand) throws {
        let (dir, store) = try Self.district()
        let fm = FileManager.default
        let dangling = dir + "/" + command.output("latest")
        try fm.createSymbolicLink(atPath: dangling, withDestinationPath: "new-name.geojson")
        let kept = dir + "/kept.txt"
        try Data("kept\n".utf8).write(to: URL(fileURLWithPath: kept))
        let toKept = dir + "/" + command.output("to-kept")
        try fm.createSymbolicLink(atPath: toKept, withDestinationPath: kept)
        for link in [dangling, toKept] {
            for extra in [[], ["--overwrite"]] {
                let r = try Self.run(command, to: link, store: store, in: dir, extra)
                #expect(r.status == 1)
                #expect(r.stderr.contains("\(link) is a symbolic link"), "\(r.stderr)")
            }
        }
        #expect(try fm.destinationOfSymbolicLink(atPath: dangling) == "new-name.geojson")
        #expect(!fm.fileExists(atPath: dir + "/new-name.geojson"))
        #expect(try fm.destinationOfSymbolicLink(atPath: toKept) == kept)
        #expect(try Self.bytes(kept) == Data("kept\n".utf8))
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("a missing folder is refused and not created", arguments: commands)
    func missingFolder(_ command: OutputCommand) throws {
        let (dir, store) = try Self.district()
        let r = try Self.run(command, to: "exports/2026/" + command.output("out"), store: store, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("folder exports/2026 does not exist"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/exports"))
    }

    /// As root, permission bits do not stop a write: the command runs as `nobody` (setpriv), for whom the folder is
    /// really unwritable. As another user, the folder is made read-only instead.
    @Test("a folder that is not writable is refused with the system's reason", arguments: commands)
    func readOnlyFolder(_ command: OutputCommand) throws {
        let (dir, store) = try Self.district()
        let folder = dir + "/readonly"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let output = folder + "/" + command.output("out")
        let r = try Self.runWhereUnwritable(
            command.arguments + ["-o", output, "--store", store], folder: folder, dir: dir, store: store)
        #expect(r.status == 1, "exit \(r.status): \(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("folder \(folder) is not writable (Permission denied)"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    /// Runs landreg where `folder` (in `dir`, beside `store`) cannot be written: as `nobody` (setpriv) when the
    /// tests run as root, for whom the folder (root's, 0755) is really unwritable; else with the folder read-only.
    static func runWhereUnwritable(_ arguments: [String], folder: String, dir: String, store: String) throws
        -> CLI.Result
    {
        guard getuid() == 0 else {
            #expect(chmod(folder, 0o555) == 0)
            defer { chmod(folder, 0o755) }
            return try CLI.landreg(arguments, in: dir)
        }
        let setpriv = "/usr/bin/setpriv"
        try #require(
            FileManager.default.isExecutableFile(atPath: setpriv),
            "install util-linux (setpriv) to run this test as root")
        // nobody may read the store and traverse its folder, not write in `folder`.
        #expect(chmod(dir, 0o755) == 0 && chmod(store, 0o644) == 0 && chmod(folder, 0o755) == 0)
        return try CLI.run(
            setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary] + arguments, in: dir,
            environment: ["LANDREG_ACTOR": "e2e"])
    }

    /// A file-size limit (ulimit -f, as a quota or a full disk would) makes the write fail after part of the output
    /// was written: the command says so, naming the output, and neither the output nor a temporary is left.
    /// 64 blocks of 512 bytes (dash) = 32 KiB: room for the store's -shm (32 KiB, made when the store is opened),
    /// less than each of these outputs (zones 40 KB, spots 70 KB, parcels 320 KB, backup 630 KB); the sites and
    /// reclaimable exports of the demo district are smaller than the -shm, so no limit can fail them half-way.
    static let largeOutputs = commands.filter {
        $0.isBackup || ($0.isGeoJSONExport && ["parcels", "zones", "spots"].contains($0.arguments[1]))
    }

    @Test("a write that fails half-way leaves no file and no temporary behind", arguments: largeOutputs)
    func failsHalfWay(_ command: OutputCommand) throws {
        let (dir, store) = try Self.district()
        let before = try Self.bytes(store)
        let output = dir + "/out.dat"
        let limitBlocks = 64
        let r = try CLI.run(
            "/bin/sh",
            ["-c", "ulimit -f \(limitBlocks); exec \"$0\" \"$@\"", CLI.binary]
                + command.arguments + ["-o", output, "--store", store], in: dir, environment: ["LANDREG_ACTOR": "e2e"])
        #expect(r.status == 1, "exit \(r.status): \(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains(output), "\(r.stderr)")
        #expect(r.stderr.contains("File too large") || r.stderr.contains("full"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let left = try Self.leftovers(dir)
        #expect(left.isEmpty, "left behind: \(left)")
        try Self.expectStoreIntact(store, before, in: dir)
    }

    @Test(
        "an export interrupted by SIGINT or SIGTERM removes its temporary and leaves no file; an ignored SIGINT stays ignored"
    )
    func interrupted() throws {
        let (dir, store) = try Self.district()
        let grid = dir + "/grid.geojson"
        try SafetyTests.grid(12_000, prefix: "G").write(toFile: grid, atomically: true, encoding: .utf8)
        let imported = try CLI.landreg(["import", "parcels", grid, "--quiet", "--store", store], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        // The export is started with every signal at its default and none blocked (a Process launched from a test's
        // dispatch thread would inherit a mask blocking nearly all, and .ci/run's background job ignores SIGINT);
        // then, for the last case, with SIGINT ignored on entry, as a shell's background job has it.
        for (sig, ignoredOnEntry) in [(SIGTERM, false), (SIGINT, false), (SIGINT, true)] {
            let output = dir + "/parcels-\(sig)-\(ignoredOnEntry).geojson"
            let pid = try Self.spawnWithDefaultSignals(
                ignoredOnEntry ? ["/bin/sh", "-c", "trap '' INT; exec \"$0\" \"$@\"", CLI.binary] : [CLI.binary],
                ["export", "parcels", "-o", output, "--store", store])
            // Signal once the temporary exists: the export is then writing. On an idle machine 12,400 parcels are
            // written in well under a second, so the export is stopped (SIGSTOP) the moment its temporary appears,
            // the signal is queued, and only then is it continued: the signal lands mid-write, not after the rename.
            var sawTemporary = false
            var status: Int32 = 0
            while !sawTemporary {
                if waitpid(pid, &status, WNOHANG) == pid { break }
                // This export's own temporary (a case that failed must not make the next one signal too early).
                let ownPrefix = "." + (output as NSString).lastPathComponent + ".landreg-tmp-"
                sawTemporary = try Self.leftovers(dir).contains { $0.hasPrefix(ownPrefix) }
                if !sawTemporary { usleep(1_000) }
            }
            if sawTemporary {
                kill(pid, SIGSTOP)
                kill(pid, sig)
                kill(pid, SIGCONT)
                _ = waitpid(pid, &status, 0)
            }
            #expect(sawTemporary, "the export finished before it could be interrupted")
            let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            if ignoredOnEntry {
                // Ignored when landreg started: it stays ignored, and the export completes.
                #expect(exit == 0, "signal \(sig) ignored on entry: exit \(exit)")
                let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output)))
                #expect(((written as? [String: Any])?["features"] as? [Any])?.count ?? 0 >= 12_000)
                try FileManager.default.removeItem(atPath: output)
            } else {
                #expect(exit == 128 + sig, "signal \(sig): exit \(exit)")
                #expect(!FileManager.default.fileExists(atPath: output))
            }
            let left = try Self.leftovers(dir)
            #expect(left.isEmpty, "left behind: \(left)")
        }
    }

    /// Starts `launcher + arguments` with SIGINT, SIGTERM and SIGHUP at their default disposition and an empty
    /// signal mask, whatever the test process has (posix_spawn's SETSIGDEF and SETSIGMASK); output discarded.
    static func spawnWithDefaultSignals(_ launcher: [String], _ arguments: [String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, s) }
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = launcher + arguments
        let environment = ProcessInfo.processInfo.environment.merging(["LANDREG_ACTOR": "e2e"]) { $1 }
            .map { "\($0.key)=\($0.value)" }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        // glibc 2.36 has no working-directory action for posix_spawn; every path given is absolute, so the
        // child's working directory (the test's) does not matter.
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        return pid
    }

    // MARK: spots evidence export's folder

    /// `spots evidence export -o FOLDER` writes one file per photo into a folder it makes when missing: each photo
    /// goes through the same checks, and the folder itself is never a link and is made only where an output may be.
    @Test("spots evidence export refuses a linked folder, a missing parent, an existing photo and a read-only folder")
    func evidenceFolder() throws {
        let (dir, store) = try Self.district()
        let fm = FileManager.default
        let code = "JC2023-07-0005"
        let photo = CLI.geoData + "/photos/\(code)-field.jpg"
        let added = try CLI.landreg(["spots", "evidence", "add", code, photo, "--store", store], in: dir)
        try #require(added.status == 0, "\(added.stderr)")
        func export(_ folder: String, _ extra: [String] = []) throws -> CLI.Result {
            try CLI.landreg(["spots", "evidence", "export", code, "-o", folder, "--store", store] + extra, in: dir)
        }

        try fm.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: false)
        try fm.createSymbolicLink(atPath: dir + "/linked", withDestinationPath: dir + "/elsewhere")
        let linked = try export(dir + "/linked")
        #expect(linked.status == 1 && linked.stderr.contains("/linked is a symbolic link"), "\(linked.stderr)")
        #expect(try fm.contentsOfDirectory(atPath: dir + "/elsewhere").isEmpty)

        let missing = try export("photos/2026/out")
        #expect(
            missing.status == 1 && missing.stderr.contains("folder photos/2026 does not exist"), "\(missing.stderr)")
        #expect(!fm.fileExists(atPath: dir + "/photos"))

        let first = try export(dir + "/out")
        #expect(first.status == 0, "\(first.stderr)")
        let written = try fm.contentsOfDirectory(atPath: dir + "/out")
        #expect(written == ["1-\(code)-field.jpg"], "\(written)")
        try Data("kept".utf8).write(to: URL(fileURLWithPath: dir + "/out/" + written[0]))
        let again = try export(dir + "/out")
        #expect(again.status == 1 && again.stderr.contains("already exists; pass --overwrite"), "\(again.stderr)")
        #expect(try Self.bytes(dir + "/out/" + written[0]) == Data("kept".utf8))

        let folder = dir + "/readonly"
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let r = try Self.runWhereUnwritable(
            ["spots", "evidence", "export", code, "-o", folder + "/out", "--store", store], folder: folder, dir: dir,
            store: store)
        #expect(r.status == 1 && r.stderr.contains("folder \(folder) is not writable"), "\(r.stderr)")
        #expect(try fm.contentsOfDirectory(atPath: folder).isEmpty)
        #expect(try Self.leftovers(dir).isEmpty)
    }

    // MARK: backup's own rule

    @Test("backup --overwrite replaces an earlier backup, never a live store")
    func backupReplacesOnlyAnEarlierBackup() throws {
        let (dir, store) = try Self.district()
        let backup = dir + "/district-monday.gpkg"
        #expect(try CLI.landreg(["backup", "-o", backup, "--store", store], in: dir).status == 0)
        let monday = try Self.bytes(backup)
        // A change after Monday, then Tuesday's backup over Monday's.
        let spots = try CLI.landreg(["spots", "list", "--status", "rectifying", "--json", "--store", store], in: dir)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(spots.stdout.utf8)) as? [[String: Any]])
        let code = try #require(
            list.first { ["demolish-restore", "mixed"].contains($0["measure"] as? String ?? "") }?["code"] as? String)
        let progress = try CLI.landreg(["spots", "progress", code, "--remaining", "0", "--store", store], in: dir)
        #expect(progress.status == 0, "\(progress.stderr)")

        let refused = try CLI.landreg(["backup", "-o", backup, "--store", store], in: dir)
        #expect(refused.status == 1 && refused.stderr.contains("already exists; pass --overwrite"), "\(refused.stderr)")
        #expect(try Self.bytes(backup) == monday)
        let replaced = try CLI.landreg(["backup", "-o", backup, "--overwrite", "--store", store], in: dir)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(
            try SafetyTests.sql(backup, "SELECT count(*) FROM events").first
                == SafetyTests.sql(store, "SELECT count(*) FROM events").first)
        #expect(try Self.bytes(backup) != monday)

        // Another live store (WAL mode) is not a backup: refused even with --overwrite.
        let (otherDir, other) = try Self.district()
        let otherBefore = try Self.bytes(other)
        let live = try CLI.landreg(["backup", "-o", other, "--overwrite", "--store", store], in: dir)
        #expect(live.status == 1 && live.stderr.contains("is an SQLite database"), "\(live.stderr)")
        #expect(live.stderr.contains("replaces only an earlier landreg backup"), "\(live.stderr)")
        try Self.expectStoreIntact(other, otherBefore, in: otherDir)
        #expect(try Self.leftovers(dir).isEmpty)
    }
}
