import Foundation
import Testing

/// SIGKILL landreg inside its write transactions and check that nothing committed is lost and the interrupted change
/// is wholly there or wholly absent. Short versions of `tools/crash-test.py --kind import|step|updates|migration|backup`.
///
/// Where a kill lands: landreg runs under strace, which SIGKILLs it on entry to its k-th pwrite64 to the store's
/// -wal (`-P`), before that write executes. In WAL mode only a connection inside a write transaction appends to the
/// -wal (a big transaction spills pages there as it goes, every transaction writes its remaining pages and last its
/// commit frame when it commits; checkpoints write the main file, not the -wal). k is drawn, from a seeded
/// generator, in 1…K where K is the number of -wal writes an uninterrupted run of the same command made (the K-th
/// completes its commit frame): every kill lands inside the transaction, before its commit is complete. That is
/// checked after each kill, independently of strace's count: the -wal (each attempt starts without one) holds no
/// valid commit frame (salts and running checksums as SQLite checks them on recovery), and for the big imports it
/// holds pages of the killed transaction. The seed is LANDREG_KILL_SEED, else random; every failure message names it.
@Suite("Kills inside write transactions", .serialized)
struct KillTests {
    static let seed: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["LANDREG_KILL_SEED"], let s = UInt64(text) { return s }
        return UInt64.random(in: 1...999_999)
    }()

    /// SplitMix64: the kill moments follow from the seed alone.
    struct Moments {
        var state: UInt64
        init(_ salt: UInt64) { state = KillTests.seed &* 0x9E37_79B9_7F4A_7C15 &+ salt }
        mutating func next(in range: ClosedRange<Int>) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return range.lowerBound + Int(z % UInt64(range.count))
        }
    }

    // MARK: running landreg under strace

    struct Traced {
        let result: CLI.Result
        /// pwrite64 calls to the traced files that completed.
        let completedWrites: Int
        /// strace SIGKILLed landreg (on entry to a traced write, which then did not execute).
        let killed: Bool
        let log: String
    }

    static func requireStrace() throws -> String {
        let strace = "/usr/bin/strace"
        guard FileManager.default.isExecutableFile(atPath: strace) else {
            throw CLI.MissingTool(description: "\(strace) is missing: run tools/install-deps.sh (installs strace)")
        }
        return strace
    }

    /// Runs `landreg arguments` under strace, counting its pwrite64 calls to `paths` (every file when empty) and,
    /// with `killAtWrite: k`, SIGKILLing it on entry to the k-th.
    static func traced(_ arguments: [String], paths: [String], killAtWrite k: Int?, in dir: String) throws -> Traced {
        let log = dir + "/strace-\(UUID().uuidString).log"
        var options = ["-f", "-qq", "-o", log, "-e", "trace=pwrite64"]
        for p in paths { options += ["-P", p] }
        if let k { options += ["-e", "inject=pwrite64:signal=KILL:when=\(k)"] }
        let r = try CLI.run(
            try requireStrace(), options + [CLI.binary] + arguments, in: dir,
            environment: ["LANDREG_ACTOR": "e2e"])
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: log)
        if text.isEmpty && r.stderr.contains("strace") {
            throw CLI.MissingTool(description: "strace cannot trace here (ptrace refused?): \(r.stderr.prefix(500))")
        }
        let lines = text.split(separator: "\n")
        // A call another thread's output interrupted is logged as "pwrite64(… <unfinished ...>" then "<... pwrite64 resumed>…".
        let completed = lines.filter {
            !$0.hasSuffix("= ?")
                && ($0.contains("pwrite64 resumed>") || ($0.contains("pwrite64(") && !$0.contains("unfinished")))
        }.count
        return Traced(
            result: r, completedWrites: completed, killed: text.contains("+++ killed by SIGKILL +++"), log: text)
    }

    // MARK: the -wal as SQLite's recovery reads it

    struct WALState: CustomStringConvertible {
        var bytes = 0
        var validFrames = 0
        var commitFrames = 0
        var description: String { "-wal of \(bytes) B: \(validFrames) valid frames, \(commitFrames) commit frames" }
    }

    /// The valid frames of a -wal file: the salts of its header and the running checksum (SQLite's walChecksumBytes),
    /// counted up to the first frame that fails, as recovery does; a commit frame has a non-zero database size.
    static func walState(_ path: String) -> WALState {
        guard let data = FileManager.default.contents(atPath: path) else { return WALState() }
        let b = [UInt8](data)
        var state = WALState(bytes: b.count)
        guard b.count >= 32 else { return state }
        func be32(_ o: Int) -> UInt32 {
            UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
        }
        func le32(_ o: Int) -> UInt32 {
            UInt32(b[o + 3]) << 24 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 1]) << 8 | UInt32(b[o])
        }
        let magic = be32(0)
        guard magic == 0x377F_0682 || magic == 0x377F_0683 else { return state }
        let word = magic & 1 == 1 ? be32 : le32
        func checksum(_ start: Int, _ count: Int, _ s: (UInt32, UInt32)) -> (UInt32, UInt32) {
            var (s1, s2) = s
            var o = start
            while o < start + count {
                s1 = s1 &+ word(o) &+ s2
                s2 = s2 &+ word(o + 4) &+ s1
                o += 8
            }
            return (s1, s2)
        }
        let pageSize = Int(be32(8)), salt1 = be32(16), salt2 = be32(20)
        var sum = checksum(0, 24, (0, 0))
        guard sum == (be32(24), be32(28)), pageSize >= 512 else { return state }
        var offset = 32
        while offset + 24 + pageSize <= b.count {
            guard be32(offset + 8) == salt1, be32(offset + 12) == salt2 else { break }
            sum = checksum(offset, 8, sum)
            sum = checksum(offset + 24, pageSize, sum)
            guard sum == (be32(offset + 16), be32(offset + 20)) else { break }
            state.validFrames += 1
            if be32(offset + 4) != 0 { state.commitFrames += 1 }
            offset += 24 + pageSize
        }
        return state
    }

    // MARK: what the store holds

    /// Row count and SHA-256 of every row (by rowid) of each table, or "absent".
    static func digests(_ store: String, _ tables: [String], where condition: String = "1") throws -> [String: String] {
        try snapshot(
            store,
            Dictionary(
                uniqueKeysWithValues: tables.map {
                    ($0, "SELECT * FROM \"\($0)\" WHERE \(condition) ORDER BY rowid")
                }))
    }

    /// For each label, the row count and SHA-256 of what its query returns ("absent" when a table is missing),
    /// with one python process; for a label "row: …", the first row's values joined by "|" instead.
    static func snapshot(_ store: String, _ queries: [String: String]) throws -> [String: String] {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: queries), as: UTF8.self)
        let r = try CLI.gdalPython([
            "-c",
            """
            import hashlib, json, sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for label, query in json.loads(sys.argv[2]).items():
                try:
                    if label.startswith("row:"):
                        print(label + "|" + "|".join(str(v) for v in (db.execute(query).fetchone() or ()))); continue
                    h, n = hashlib.sha256(), 0
                    for row in db.execute(query):
                        h.update(repr(row).encode()); n += 1
                    print(f"{label}|{n} rows|{h.hexdigest()}")
                except sqlite3.OperationalError as e:
                    if "no such table" not in str(e): raise
                    print(label + "|absent")
            """, store, json
        ])
        #expect(r.status == 0, "\(r.stderr)")
        var out: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: "|", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    static func count(_ store: String, _ query: String) throws -> Int {
        Int(try SafetyTests.sql(store, query).first ?? "") ?? -1
    }

    static func soundAfterKill(_ store: String, _ context: String, in dir: String) throws {
        let (check, report) = try SafetyTests.checkJSON(store, ["--quick"], in: dir)
        #expect(
            check.status == 0 && report["ok"] as? Bool == true,
            "\(context): check --quick: \(check.stdout)\(check.stderr)")
    }

    /// Each attempt starts with no -wal (or an empty one), so that its first -wal write is the header and any
    /// commit frame found after the kill is the killed process's own.
    static func expectNoWAL(_ store: String, _ context: String) {
        let size =
            (try? FileManager.default.attributesOfItem(atPath: store + "-wal")[.size] as? NSNumber)?.intValue ?? 0
        #expect(size == 0, "\(context): the store has a \(size) B -wal before the attempt")
    }

    /// Kills one run of `arguments` at its k-th -wal write and checks that the kill landed inside the transaction.
    static func killInsideTransaction(
        _ arguments: [String], store: String, writes: Int, moments: inout Moments,
        minimumFrames: Int = 0, context: String, in dir: String
    ) throws -> (k: Int, wal: WALState) {
        expectNoWAL(store, context)
        let k = moments.next(in: (minimumFrames > 0 ? 2 * minimumFrames + 2 : 1)...writes)
        let run = try traced(arguments, paths: [store + "-wal"], killAtWrite: k, in: dir)
        let wal = walState(store + "-wal")
        let where_ = "\(context), killed at -wal write \(k) of \(writes)"
        #expect(
            run.killed && run.completedWrites == k - 1,
            "\(where_): strace did not kill it there (\(run.completedWrites) writes completed; exit \(run.result.status)): \(run.result.stderr.suffix(500))"
        )
        #expect(wal.commitFrames == 0, "\(where_): the \(wal) — the kill came after a commit")
        #expect(wal.validFrames >= minimumFrames, "\(where_): the \(wal) — expected pages of the open transaction")
        return (k, wal)
    }

    // MARK: import

    @Test("SIGKILL inside an import's transaction leaves a sound store with none of it and everything before it")
    func killDuringImport() throws {
        let (dir, store) = try ParcelRegistryEndToEndTests.sampleStore()
        let big = dir + "/grid.geojson"
        try SafetyTests.grid(2_000, prefix: "K").write(toFile: big, atomically: true, encoding: .utf8)
        let tables = ["parcels", "zones", "imports", "events", "rtree_parcels_geom"]
        let before = try Self.digests(store, tables)
        let arguments = ["import", "parcels", big, "--quiet", "--store", store]
        // K: the -wal writes of an uninterrupted import, on a copy.
        let calibration = dir + "/calibration.gpkg"
        try FileManager.default.copyItem(atPath: store, toPath: calibration)
        let clean = try Self.traced(
            ["import", "parcels", big, "--quiet", "--store", calibration],
            paths: [calibration + "-wal"], killAtWrite: nil, in: dir)
        #expect(clean.result.status == 0 && !clean.killed, "seed \(Self.seed): \(clean.result.stderr)")
        let writes = clean.completedWrites
        #expect(writes > 100, "seed \(Self.seed): an import of 2,000 parcels made only \(writes) -wal writes")

        var moments = Moments(1)
        var outcomes: [String] = []
        for kill in 0..<3 {
            let context = "seed \(Self.seed), import kill \(kill)"
            // At least 2 valid frames: the kill came after the transaction had spilled pages of the import.
            let (k, wal) = try Self.killInsideTransaction(
                arguments, store: store, writes: writes, moments: &moments,
                minimumFrames: 2, context: context, in: dir)
            try Self.soundAfterKill(store, context, in: dir)
            // Byte for byte as before: none of the import (its parcels, R*Tree rows, imports row, events).
            #expect(
                try Self.digests(store, tables) == before, "\(context) at write \(k): committed rows or events changed")
            outcomes.append("write \(k)/\(writes) (\(wal.validFrames) frames in the -wal)")
        }
        #expect(try SafetyTests.validateGPKG(store).status == 0, "seed \(Self.seed): GDAL's validator after the kills")
        // The store still takes the import whole.
        let retry = try CLI.landreg(arguments, in: dir)
        #expect(retry.status == 0, "seed \(Self.seed): \(retry.stderr)")
        #expect(
            try Self.count(store, "SELECT count(*) FROM parcels WHERE code LIKE 'K-%' AND retired_at IS NULL") == 2_000)
        #expect(try Self.digests(store, ["zones"]) == ["zones": before["zones"]!])
        print("import kills (seed \(Self.seed)): \(outcomes.joined(separator: "; "))")
    }

    // MARK: lifecycle steps

    @Test("SIGKILL inside spots verify / rectify / progress: each step is wholly there or not, with its event")
    func killDuringLifecycleSteps() throws {
        let (dir, store) = try SpotsEndToEndTests.sampleStore()
        let codes = try SafetyTests.sql(store, "SELECT code FROM spots WHERE status = 'reported' ORDER BY code LIMIT 2")
        #expect(codes.count == 2, "seed \(Self.seed): \(codes)")
        // Each spot: verify as illegal, rectify, a progress report.
        var steps: [(code: String, arguments: [String], toState: String)] = []
        for code in codes {
            steps.append((code, ["spots", "verify", code, "--judgement", "illegal", "--on", "2026-01-05"], "illegal"))
            steps.append(
                (
                    code,
                    [
                        "spots", "rectify", code, "--measure", "demolish-restore", "--deadline", "2026-12-31", "--on",
                        "2026-01-06"
                    ], "rectifying"
                ))
            steps.append((code, ["spots", "progress", code, "--recultivated", "1", "--on", "2026-01-07"], "rectifying"))
        }
        // K of each step, on a copy taken through the same steps: how many -wal writes a step makes depends on the
        // pages its rows land on (one spot's update may split a page, the next one's not), so every step is measured.
        let calibration = dir + "/calibration.gpkg"
        try FileManager.default.copyItem(atPath: store, toPath: calibration)
        var writesOf: [Int: Int] = [:]
        for (i, step) in steps.enumerated() {
            let run = try Self.traced(
                step.arguments + ["--store", calibration], paths: [calibration + "-wal"], killAtWrite: nil, in: dir)
            #expect(run.result.status == 0, "seed \(Self.seed): \(step.arguments): \(run.result.stderr)")
            writesOf[i] = run.completedWrites
        }
        func state(_ code: String) throws -> [String: String] {
            try Self.snapshot(
                store,
                [
                    "spots": "SELECT * FROM spots ORDER BY fid", "events": "SELECT * FROM events ORDER BY id",
                    "other spots": "SELECT * FROM spots WHERE code != '\(code)' ORDER BY fid",
                    "row: last event":
                        "SELECT (SELECT count(*) FROM events), entity_code, action, to_state FROM events WHERE id = (SELECT max(id) FROM events)",
                    "row: status": "SELECT status FROM spots WHERE code = '\(code)' AND retired_at IS NULL"
                ])
        }
        var moments = Moments(2)
        for (i, step) in steps.enumerated() {
            let context = "seed \(Self.seed), step \(i) \(step.arguments.prefix(3).joined(separator: " "))"
            let before = try state(step.code)
            let eventsBefore = Int(before["row: last event"]?.split(separator: "|").first ?? "") ?? -1
            let writes = try #require(writesOf[i], "\(context): no calibration")
            let arguments = step.arguments + ["--store", store]
            _ = try Self.killInsideTransaction(
                arguments, store: store, writes: writes, moments: &moments, context: context, in: dir)
            try Self.soundAfterKill(store, context, in: dir)
            #expect(try state(step.code) == before, "\(context): the killed step left a trace in spots or events")
            // Then the step again, uninterrupted: wholly there, with exactly one event, and no other spot touched.
            let again = try CLI.landreg(arguments, in: dir)
            #expect(again.status == 0, "\(context): the step after the kill: \(again.stderr)")
            let after = try state(step.code)
            #expect(
                after["row: last event"] == "\(eventsBefore + 1)|\(step.code)|\(step.arguments[1])|\(step.toState)",
                "\(context): not the one event of the step: \(after["row: last event"] ?? "none")")
            #expect(after["row: status"] == step.toState, "\(context)")
            #expect(after["other spots"] == before["other spots"], "\(context): another spot changed")
        }
        let progress = try SafetyTests.sql(
            store,
            "SELECT count(*) FROM events WHERE action = 'progress' AND entity_code IN ('\(codes.joined(separator: "','"))')"
        )
        #expect(progress.first == "2", "seed \(Self.seed)")
    }

    // MARK: spot-updates

    @Test("SIGKILL inside import spot-updates of 300 rows leaves none of its steps and none of its events")
    func killDuringSpotUpdates() throws {
        let (dir, store) = try SpotsEndToEndTests.sampleStore()
        let codes = try SafetyTests.sql(store, "SELECT code FROM spots WHERE status = 'reported' ORDER BY code")
        #expect(codes.count >= 50, "seed \(Self.seed): \(codes.count) reported spots")
        // 50 spots × (verify illegal, rectify, 4 progress reports) = 300 rows, in one transaction.
        var csv = "code,action,judgement,measure,deadline,recultivated_m2,on\n"
        for code in codes.prefix(50) {
            csv += "\(code),verify,illegal,,,,2026-02-01\n\(code),rectify,,demolish-restore,2026-12-31,,2026-02-02\n"
            for r in 1...4 { csv += "\(code),progress,,,,\(r),2026-02-0\(2 + r)\n" }
        }
        let file = dir + "/updates.csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let tables = ["spots", "events", "imports", "parcels"]
        let before = try Self.digests(store, tables)
        let eventsBefore = try Self.count(store, "SELECT count(*) FROM events")
        let arguments = ["import", "spot-updates", file, "--store", store]
        let calibration = dir + "/calibration.gpkg"
        try FileManager.default.copyItem(atPath: store, toPath: calibration)
        let clean = try Self.traced(
            ["import", "spot-updates", file, "--store", calibration], paths: [calibration + "-wal"],
            killAtWrite: nil, in: dir)
        #expect(
            clean.result.status == 0 && clean.result.stdout.contains("applied 300 steps"),
            "seed \(Self.seed): \(clean.result.stdout)\(clean.result.stderr)")
        var moments = Moments(3)
        for kill in 0..<3 {
            let context = "seed \(Self.seed), spot-updates kill \(kill)"
            _ = try Self.killInsideTransaction(
                arguments, store: store, writes: clean.completedWrites, moments: &moments,
                context: context, in: dir)
            try Self.soundAfterKill(store, context, in: dir)
            #expect(
                try Self.digests(store, tables) == before, "\(context): some of the 300 steps or their events are there"
            )
        }
        let again = try CLI.landreg(arguments, in: dir)
        #expect(again.status == 0 && again.stdout.contains("applied 300 steps"), "seed \(Self.seed): \(again.stderr)")
        // One event per step and one for the file (action spot-updates).
        #expect(try Self.count(store, "SELECT count(*) FROM events") == eventsBefore + 301)
        #expect(
            try SafetyTests.sql(
                store,
                "SELECT action, count(*) FROM events WHERE id > (SELECT max(id) - 301 FROM events) GROUP BY action ORDER BY action"
            )
                == ["progress|200", "rectify|50", "spot-updates|1", "verify|50"])
        #expect(try Self.digests(store, ["parcels"]) == ["parcels": before["parcels"]!])
    }

    // MARK: migration

    /// Turns a store into one an older landreg wrote: without the last schema step (the spots layer) and its
    /// record in grdb_migrations, as LandRegistryTests' StoreTests makes one with `migrate(upTo:)`.
    static func makeOlder(_ store: String) throws {
        let r = try CLI.gdalPython([
            "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript('''
              DROP TABLE spots;
              DROP TABLE rtree_spots_geom;
              DELETE FROM gpkg_extensions WHERE table_name = 'spots';
              DELETE FROM gpkg_geometry_columns WHERE table_name = 'spots';
              DELETE FROM gpkg_contents WHERE table_name = 'spots';
              DELETE FROM grdb_migrations WHERE identifier = '2026-11-27-spots';
            ''')
            db.commit(); db.close()
            """, store
        ])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test(
        "SIGKILL inside the migration of an older store leaves it wholly old (it migrates again) and its backup intact")
    func killDuringMigration() throws {
        let (dir, sample) = try ParcelRegistryEndToEndTests.sampleStore()
        try Self.makeOlder(sample)
        let tables = [
            "parcels", "zones", "imports", "events", "landreg_meta", "gpkg_contents", "grdb_migrations", "spots"
        ]
        let old = try Self.digests(sample, tables)
        #expect(old["spots"] == "absent")
        let opening = ["zones", "list", "--kind", "village", "--store"]
        // K: the -wal writes of the migration (the command then only reads).
        let calibration = dir + "/calibration.gpkg"
        try FileManager.default.copyItem(atPath: sample, toPath: calibration)
        let clean = try Self.traced(opening + [calibration], paths: [calibration + "-wal"], killAtWrite: nil, in: dir)
        #expect(
            clean.result.status == 0 && clean.result.stderr.contains("migrated"),
            "seed \(Self.seed): \(clean.result.stderr)")
        #expect(clean.completedWrites > 0)
        var moments = Moments(4)
        for kill in 0..<3 {
            let context = "seed \(Self.seed), migration kill \(kill)"
            let kdir = dir + "/kill-\(kill)"
            try FileManager.default.createDirectory(atPath: kdir, withIntermediateDirectories: true)
            let store = kdir + "/old.gpkg"
            try FileManager.default.copyItem(atPath: sample, toPath: store)
            _ = try Self.killInsideTransaction(
                opening + [store], store: store, writes: clean.completedWrites,
                moments: &moments, context: context, in: kdir)
            // Wholly old: the schema step and its record are both absent, every other row as it was.
            #expect(try Self.digests(store, tables) == old, "\(context): the store is not the old store it was")
            // The backup taken before migrating is a complete, sound copy of the old store.
            let backups = try FileManager.default.contentsOfDirectory(atPath: kdir).filter { name in
                name.hasPrefix("old.gpkg.bak-") && !["-journal", "-wal", "-shm"].contains { name.hasSuffix($0) }
            }
            #expect(backups.count == 1, "\(context): backups \(backups)")
            for b in backups {
                #expect(try SafetyTests.sql(kdir + "/" + b, "PRAGMA integrity_check") == ["ok"], "\(context): \(b)")
                #expect(try Self.digests(kdir + "/" + b, tables) == old, "\(context): \(b) is not the old store")
            }
            // It opens and migrates again, and is then wholly new.
            let again = try CLI.landreg(opening + [store], in: kdir)
            #expect(again.status == 0 && again.stderr.contains("migrated"), "\(context): \(again.stderr)")
            try Self.soundAfterKill(store, context, in: kdir)
            let new = try Self.digests(store, tables)
            #expect(
                new["spots"] == "0 rows|" + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "\(context)")
            #expect(
                try SafetyTests.sql(store, "SELECT count(*) FROM grdb_migrations WHERE identifier = '2026-11-27-spots'")
                    == ["1"])
            for t in ["parcels", "zones", "imports", "events"] { #expect(new[t] == old[t], "\(context): \(t) changed") }
        }
    }

    // MARK: backup

    @Test(
        "SIGKILL while backup -o writes its copy: the target is absent or a complete, sound GeoPackage; a retry works")
    func killDuringBackup() throws {
        let (dir, store) = try ParcelRegistryEndToEndTests.sampleStore()
        let big = dir + "/grid.geojson"
        try SafetyTests.grid(2_000, prefix: "B").write(toFile: big, atomically: true, encoding: .utf8)
        #expect(try CLI.landreg(["import", "parcels", big, "--quiet", "--store", store], in: dir).status == 0)
        let tables = ["parcels", "zones", "imports", "events"]
        let source = try Self.digests(store, tables)
        // K: every pwrite64 of an uninterrupted backup. The store is only read, so they all write the copy (or its
        // journal); the kill at the k-th comes while the copy is being written, checked or linked into place.
        let calibration = try Self.traced(
            ["backup", "-o", dir + "/calibration-copy.gpkg", "--store", store], paths: [],
            killAtWrite: nil, in: dir)
        #expect(calibration.result.status == 0, "seed \(Self.seed): \(calibration.result.stderr)")
        let writes = calibration.completedWrites
        #expect(writes > 10, "seed \(Self.seed): \(writes) writes")
        var moments = Moments(5)
        for kill in 0..<3 {
            let target = dir + "/copy-\(kill).gpkg"
            let k = moments.next(in: 1...writes)
            let context = "seed \(Self.seed), backup kill \(kill) at write \(k) of \(writes)"
            let run = try Self.traced(["backup", "-o", target, "--store", store], paths: [], killAtWrite: k, in: dir)
            #expect(
                run.killed && run.completedWrites == k - 1,
                "\(context): not killed there (\(run.completedWrites) writes)")
            #expect(try Self.digests(store, tables) == source, "\(context): the store changed")
            if FileManager.default.fileExists(atPath: target) {
                #expect(
                    try SafetyTests.sql(target, "PRAGMA integrity_check") == ["ok"], "\(context): a half-written target"
                )
                #expect(try Self.digests(target, tables) == source, "\(context): the target is not a whole copy")
            } else {
                // Whatever temporary file the kill left does not block a retry under the same name.
                let retry = try CLI.landreg(["backup", "-o", target, "--store", store], in: dir)
                #expect(retry.status == 0, "\(context): retry: \(retry.stderr)")
                #expect(try SafetyTests.sql(target, "PRAGMA integrity_check") == ["ok"], "\(context): retry")
                #expect(try Self.digests(target, tables) == source, "\(context): the retry's copy")
            }
            #expect(try SafetyTests.sql(target, "PRAGMA journal_mode").first == "delete", "\(context)")
            #expect(try SafetyTests.validateGPKG(target).status == 0, "\(context): GDAL's validator")
        }
        try Self.soundAfterKill(store, "seed \(Self.seed), backup", in: dir)
    }
}
