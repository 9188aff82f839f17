import Foundation
import Testing

/// What a landreg killed mid-write leaves beside its output (issue 12): the next output written into that folder
/// removes it, and never what a live writer is still writing.
@Suite("Stale output temporaries", .serialized)
struct StaleOutputTests {
    /// The demo district plus 12,000 parcels, so that an export is still writing when it is stopped or killed.
    static func bigDistrict() throws -> (dir: String, store: String) {
        let (dir, store) = try OutputSafetyTests.district()
        let grid = dir + "/grid.geojson"
        try SafetyTests.grid(12_000, prefix: "G").write(toFile: grid, atomically: true, encoding: .utf8)
        let imported = try CLI.landreg(["import", "parcels", grid, "--quiet", "--store", store], in: dir)
        try #require(imported.status == 0, "\(imported.stderr)")
        try FileManager.default.removeItem(atPath: grid)
        return (dir, store)
    }

    /// Hidden files an output named `output` has beside it (its lock, temporary, moved-aside folder).
    static func hidden(of output: String, in dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("." + output + ".landreg-") }
            .sorted()
    }

    /// Starts `export parcels -o OUTPUT` and stops it (SIGSTOP) once its temporary holds data: it is mid-write.
    static func exportStoppedMidWrite(_ output: String, dir: String, store: String) throws -> pid_t {
        let pid = try OutputSafetyTests.spawnWithDefaultSignals(
            [CLI.binary], ["export", "parcels", "-o", dir + "/" + output, "--store", store])
        var status: Int32 = 0
        while true {
            if waitpid(pid, &status, WNOHANG) == pid {
                Issue.record("the export of \(output) ended before it could be stopped mid-write")
                return pid
            }
            let writing = try hidden(of: output, in: dir).contains { name in
                guard name.contains(".landreg-tmp-") else { return false }
                let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size]) as? Int
                return (size ?? 0) > 0
            }
            if writing { break }
            usleep(500)
        }
        kill(pid, SIGSTOP)
        return pid
    }

    /// A pid no process has: a child that has been reaped.
    static func deadPid() throws -> pid_t {
        let child = try OutputSafetyTests.spawnWithDefaultSignals(["/bin/true"], [])
        var status: Int32 = 0
        _ = waitpid(child, &status, 0)
        return child
    }

    static func makeOld(_ path: String, hours: Double) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -hours * 3600)], ofItemAtPath: path)
    }

    @Test("an export killed mid-write (SIGKILL) leaves its temporary; the next export removes it, not a live one's")
    func killedThenSwept() throws {
        let (dir, store) = try Self.bigDistrict()

        // Given an export killed mid-write …
        let killed = try Self.exportStoppedMidWrite("killed.geojson", dir: dir, store: store)
        kill(killed, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(killed, &status, 0)
        let left = try Self.hidden(of: "killed.geojson", in: dir)
        #expect(left.contains { $0.contains(".landreg-tmp-\(killed)-") }, "left: \(left)")
        #expect(left.contains { $0.contains(".landreg-lock-\(killed)-") }, "left: \(left)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/killed.geojson"))

        // … and one still writing (stopped mid-write, alive).
        let live = try Self.exportStoppedMidWrite("live.geojson", dir: dir, store: store)
        let liveFiles = try Self.hidden(of: "live.geojson", in: dir)
        #expect(liveFiles.count == 2, "the live export's lock and temporary: \(liveFiles)")

        // When another export writes into the same folder,
        let next = try CLI.landreg(["export", "zones", "-o", "zones.geojson", "--store", store], in: dir)
        #expect(next.status == 0, "\(next.stderr)")

        // then the killed export's files are gone and the live one's are untouched,
        #expect(try Self.hidden(of: "killed.geojson", in: dir).isEmpty)
        #expect(try Self.hidden(of: "live.geojson", in: dir) == liveFiles)
        #expect(try Self.hidden(of: "zones.geojson", in: dir).isEmpty)

        // and the live export, continued, completes.
        kill(live, SIGCONT)
        _ = waitpid(live, &status, 0)
        #expect((status & 0x7f) == 0 && (status >> 8) & 0xff == 0, "live export: wait status \(status)")
        let written = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/live.geojson")))
        #expect(((written as? [String: Any])?["features"] as? [Any])?.count ?? 0 >= 12_000)
        let leftovers = try OutputSafetyTests.leftovers(dir)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// The lock, not the pid, says who is alive: a lock held by a live process whose name carries a pid no process
    /// has (another pid namespace, a reused pid) is left alone, and removed once released.
    @Test("a held lock keeps its temporary whatever pid its name carries; released, the next export removes both")
    func lockNotPidDecides() throws {
        let (dir, store) = try OutputSafetyTests.district()
        let token = "\(try Self.deadPid())-12345"
        let lock = dir + "/.report.xlsx.landreg-lock-" + token
        let temporary = dir + "/.report.xlsx.landreg-tmp-" + token + ".xlsx"
        try Data("1\n".utf8).write(to: URL(fileURLWithPath: lock))
        try Data("half a workbook".utf8).write(to: URL(fileURLWithPath: temporary))
        try Self.makeOld(temporary, hours: 48)
        let fd = open(lock, O_RDWR)
        try #require(fd >= 0 && flock(fd, LOCK_EX) == 0)

        let held = try CLI.landreg(["export", "zones", "-o", "z1.geojson", "--store", store], in: dir)
        #expect(held.status == 0, "\(held.stderr)")
        #expect(FileManager.default.fileExists(atPath: lock) && FileManager.default.fileExists(atPath: temporary))

        close(fd) // the writer ends without cleaning up, as a SIGKILL would
        let released = try CLI.landreg(["export", "zones", "-o", "z2.geojson", "--store", store], in: dir)
        #expect(released.status == 0, "\(released.stderr)")
        #expect(!FileManager.default.fileExists(atPath: lock) && !FileManager.default.fileExists(atPath: temporary))
        #expect(try OutputSafetyTests.leftovers(dir).isEmpty)
    }

    @Test("a Shapefile folder moved aside by a writer killed before the new one was in place is put back")
    func asidePutBack() throws {
        let (dir, store) = try OutputSafetyTests.district()
        let token = "\(try Self.deadPid())-777"
        let aside = dir + "/.parcels-shp.landreg-old-" + token
        try FileManager.default.createDirectory(atPath: aside, withIntermediateDirectories: false)
        try Data("last week's parcels".utf8).write(to: URL(fileURLWithPath: aside + "/parcels.dbf"))
        try Data("1\n".utf8).write(to: URL(fileURLWithPath: dir + "/.parcels-shp.landreg-lock-" + token))
        try FileManager.default.createDirectory(
            atPath: dir + "/.parcels-shp.landreg-tmp-" + token, withIntermediateDirectories: false)

        let r = try CLI.landreg(["export", "zones", "-o", "z.geojson", "--store", store], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            try String(contentsOfFile: dir + "/parcels-shp/parcels.dbf", encoding: .utf8) == "last week's parcels")
        let leftovers = try OutputSafetyTests.leftovers(dir)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// Temporaries of a landreg from before the locks have none: removed once an hour old with their pid gone,
    /// kept while younger (their writer may be alive in a pid namespace the sweep cannot see).
    @Test("a lockless temporary is removed when an hour old and its pid is gone, kept while younger")
    func locklessByAge() throws {
        let (dir, store) = try OutputSafetyTests.district()
        let dead = try Self.deadPid()
        let old = dir + "/.old.geojson.landreg-tmp-\(dead)-1.geojson"
        let young = dir + "/.young.geojson.landreg-tmp-\(dead)-2.geojson"
        let stranger = dir + "/.notes.landreg-tmp-by-hand"
        for file in [old, young, stranger] { try Data("{".utf8).write(to: URL(fileURLWithPath: file)) }
        try Self.makeOld(old, hours: 2)
        try Self.makeOld(stranger, hours: 24 * 30)

        let r = try CLI.landreg(["export", "zones", "-o", "z.geojson", "--store", store], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: young))
        #expect(FileManager.default.fileExists(atPath: stranger), "a name landreg does not make is not its to remove")
    }
}
