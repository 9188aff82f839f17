import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Input paths and CSV headers through the built binary (issue 12): a CSV whose header repeats, lacks or misspells
/// a column is refused naming the file and the column; an input path that is not a regular file (FIFO, directory,
/// socket, device) is refused saying what it is, without ever being opened (a FIFO would block landreg); evidence
/// paths are stored resolved, relative to the store's folder when inside it. Every refusal: exit 1, a message,
/// and a store whose bytes did not change.
@Suite("Input safety through the CLI", .serialized)
struct InputSafetyEndToEndTests {
    /// A landreg run that must end within `seconds`: one blocked on a FIFO is killed and reported as timed out.
    struct TimedResult {
        let status: Int32
        let stdout: String
        let stderr: String
        let timedOut: Bool
    }

    /// Runs landreg like `CLI.landreg` (LANDREG_ACTOR=e2e, no LANDREG_STORE), killing it after `seconds`.
    static func landreg(_ arguments: [String], in directory: String, seconds: Double = 20) throws -> TimedResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "LANDREG_STORE")
        env["LANDREG_ACTOR"] = "e2e"
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out; process.standardError = err
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let readers = DispatchGroup()
        DispatchQueue.global().async(group: readers) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: readers) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        var timedOut = false
        if exited.wait(timeout: .now() + seconds) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
        readers.wait()
        return TimedResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), timedOut: timedOut)
    }

    /// The bytes of the store and its WAL, to show a refusal changed nothing.
    static func bytes(_ store: String) -> [Data?] {
        ["", "-wal"].map { FileManager.default.contents(atPath: store + $0) }
    }

    static let spotCode = "JC-SAFE-1"

    /// A store with one spot (JC-SAFE-1) in a fresh folder.
    static func store() throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/safe.gpkg"
        let spots = dir + "/spots.geojson"
        try #"""
        {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":[
        {"type":"Feature","properties":{"code":"JC-SAFE-1"},"geometry":{"type":"Polygon","coordinates":[[[520000,3340000],[520100,3340000],[520100,3340100],[520000,3340100],[520000,3340000]]]}}
        ]}
        """#.write(toFile: spots, atomically: true, encoding: .utf8)
        for args in [["init"], ["import", "spots", spots, "--batch", "2024-01"]] {
            let r = try landreg(args + ["--store", store], in: dir)
            #expect(r.status == 0 && !r.timedOut, "\(args): \(r.stderr)")
        }
        return (dir, store)
    }

    /// Runs `arguments` against `store` and checks the refusal: in time, exit 1, every `expected` text on stderr,
    /// the store's bytes unchanged.
    static func expectRefused(
        _ arguments: [String], store: String, in dir: String, _ expected: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = bytes(store)
        let r = try landreg(arguments + ["--store", store], in: dir)
        #expect(
            !r.timedOut, "landreg \(arguments) did not finish within 20 s (blocked on a FIFO?)",
            sourceLocation: sourceLocation)
        #expect(r.status == 1, "exit \(r.status) for \(arguments): \(r.stderr)", sourceLocation: sourceLocation)
        for text in expected {
            #expect(
                r.stderr.contains(text), "\(arguments): expected \"\(text)\" in: \(r.stderr)",
                sourceLocation: sourceLocation)
        }
        #expect(bytes(store) == before, "\(arguments) changed the store", sourceLocation: sourceLocation)
    }

    // MARK: - CSV headers

    struct HeaderCase: CustomTestStringConvertible, Sendable {
        let name: String
        /// The command without the file, which is appended.
        let command: [String]
        let fileName: String
        let text: String
        let expected: String
        var testDescription: String { name }
    }

    static let enterpriseRow = "91330110MANN6LRU7B,杭州盛鑫纺织有限公司"
    static let headerCases: [HeaderCase] = [
        // spot-updates
        HeaderCase(
            name: "spot-updates: repeated column", command: ["import", "spot-updates"], fileName: "fix.csv",
            text: "code,action,note,note\nJC-SAFE-1,verify,外业,核查\n",
            expected: #"fix.csv: column 4 "note" repeats column 3"#),
        HeaderCase(
            name: "spot-updates: empty header cell", command: ["import", "spot-updates"], fileName: "fix.csv",
            text: "code,action,\nJC-SAFE-1,verify,\n", expected: "fix.csv: column 3 has no name"),
        HeaderCase(
            name: "spot-updates: unknown column", command: ["import", "spot-updates"], fileName: "fix.csv",
            text: "code,action,nte\nJC-SAFE-1,verify,外业\n",
            expected: #"fix.csv: unknown column "nte" (known: code, action, judgement"#),
        HeaderCase(
            name: "spot-updates: a row longer than the header", command: ["import", "spot-updates"],
            fileName: "fix.csv",
            text: "code,action\nJC-SAFE-1,verify\nJC-SAFE-1,verify,illegal\n",
            expected: "fix.csv:3: 3 fields, but the header has 2"),
        // enterprises
        HeaderCase(
            name: "enterprises: repeated column", command: ["import", "enterprises"], fileName: "enterprises.csv",
            text: "credit_code,name,name\n\(enterpriseRow),同名\n",
            expected: #"enterprises.csv: column 3 "name" repeats column 2"#),
        HeaderCase(
            name: "enterprises: empty header cell", command: ["import", "enterprises"], fileName: "enterprises.csv",
            text: "credit_code, ,name\n91330110MANN6LRU7B,,杭州盛鑫纺织有限公司\n",
            expected: "enterprises.csv: column 2 has no name"),
        HeaderCase(
            name: "enterprises: unknown column", command: ["import", "enterprises"], fileName: "enterprises.csv",
            text: "credit_code,nmae\n\(enterpriseRow)\n",
            expected: #"enterprises.csv: unknown column "nmae" (known: credit_code, name, industry, scale)"#),
        HeaderCase(
            name: "enterprises: a row longer than the header", command: ["import", "enterprises"],
            fileName: "enterprises.csv",
            text: "credit_code,name\n\(enterpriseRow),textiles\n",
            expected: "enterprises.csv:2: 3 fields, but the header has 2"),
        // enterprise-years
        HeaderCase(
            name: "enterprise-years: repeated column", command: ["import", "enterprise-years"], fileName: "years.csv",
            text: "credit_code,year,tax_yuan,tax_yuan\n91330110MANN6LRU7B,2024,1,2\n",
            expected: #"years.csv: column 4 "tax_yuan" repeats column 3"#),
        HeaderCase(
            name: "enterprise-years: unknown column", command: ["import", "enterprise-years"], fileName: "years.csv",
            text: "credit_code,year,tax\n91330110MANN6LRU7B,2024,1\n",
            expected: #"years.csv: unknown column "tax" (known: credit_code, year, tax_yuan, value_added_yuan"#),
        // tenancies
        HeaderCase(
            name: "tenancies: repeated column", command: ["import", "tenancies"], fileName: "tenancies.csv",
            text: "site,tenant,floor_area_m2,start,start\nEC-001,91330110MANN6LRU7B,100,2024-01-01,2024-02-01\n",
            expected: #"tenancies.csv: column 5 "start" repeats column 4"#),
        HeaderCase(
            name: "tenancies: empty header cell", command: ["import", "tenancies"], fileName: "tenancies.csv",
            text: ",site,tenant,floor_area_m2,start\n1,EC-001,91330110MANN6LRU7B,100,2024-01-01\n",
            expected: "tenancies.csv: column 1 has no name"),
        HeaderCase(
            name: "tenancies: unknown column", command: ["import", "tenancies"], fileName: "tenancies.csv",
            text: "site,tenant,floor_area_m2,start,ende\nEC-001,91330110MANN6LRU7B,100,2024-01-01,2025-01-01\n",
            expected: #"tenancies.csv: unknown column "ende" (known: site, tenant, floor_area_m2, start, end, use)"#),
        HeaderCase(
            name: "tenancies: a row longer than the header", command: ["import", "tenancies"],
            fileName: "tenancies.csv",
            text: "site,tenant,floor_area_m2,start\nEC-001,91330110MANN6LRU7B,100,2024-01-01,x\n",
            expected: "tenancies.csv:2: 5 fields, but the header has 4"),
        // report utilisation --thresholds
        HeaderCase(
            name: "thresholds: repeated column", command: ["report", "utilisation", "--thresholds"], fileName: "t.csv",
            text: "indicator,class,min_value,min_value\ntax_per_mu,A,30,31\n",
            expected: #"t.csv: column 4 "min_value" repeats column 3"#),
        HeaderCase(
            name: "thresholds: empty header cell", command: ["report", "utilisation", "--thresholds"],
            fileName: "t.csv",
            text: "indicator,class,,min_value\ntax_per_mu,A,,30\n", expected: "t.csv: column 3 has no name"),
        HeaderCase(
            name: "thresholds: unknown column", command: ["report", "utilisation", "--thresholds"], fileName: "t.csv",
            text: "indicator,class,min_value,units\ntax_per_mu,A,30,万元/亩\n",
            expected: #"t.csv: unknown column "units" (known: indicator, class, min_value, unit, note)"#),
        HeaderCase(
            name: "thresholds: a row longer than the header", command: ["report", "utilisation", "--thresholds"],
            fileName: "t.csv",
            text: "indicator,class,min_value\ntax_per_mu,A,30,万元/亩\n",
            expected: "t.csv: line 2: 4 fields, but the header has 3")
    ]

    /// Before the fix the repeated header trapped in CSVTable.record (Dictionary(uniqueKeysWithValues:)): signal 4.
    @Test(arguments: headerCases)
    func aBadCSVHeaderIsRefusedNamingTheFileAndTheColumn(_ c: HeaderCase) throws {
        let (dir, store) = try Self.store()
        let file = dir + "/" + c.fileName
        try c.text.write(toFile: file, atomically: true, encoding: .utf8)
        try Self.expectRefused(c.command + [file], store: store, in: dir, [c.expected])
    }

    @Test func aGoodHeaderStillImports() throws {
        let (dir, store) = try Self.store()
        let file = dir + "/fix.csv"
        try "code,action,note\nJC-SAFE-1,verify,外业核查\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try Self.landreg(["import", "spot-updates", file, "--store", store], in: dir)
        #expect(r.status == 0 && r.stdout.contains("applied 1 steps"), "\(r.stderr)")
    }

    // MARK: - Input paths that are not regular files

    /// Makes a FIFO, a directory, a Unix-domain socket, and names /dev/null and a missing file, in `dir`.
    static func specialFiles(in dir: String) throws -> [(path: String, what: String)] {
        let fifo = dir + "/evidence.fifo"
        #expect(mkfifo(fifo, 0o644) == 0, "mkfifo: \(String(cString: strerror(errno)))")
        let folder = dir + "/photos"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let socket = dir + "/evidence.sock"
        let bound = try CLI.python(
            "import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\n", [socket])
        #expect(bound.status == 0, "binding a Unix socket with python3 failed (install python3): \(bound.stderr)")
        return [
            (fifo, "is a FIFO, not a regular file"), (folder, "is a directory, not a regular file"),
            (socket, "is a socket, not a regular file"), ("/dev/null", "is a character device, not a regular file"),
            (dir + "/missing.pdf", "no such file")
        ]
    }

    @Test func evidenceThatIsNotARegularFileIsRefusedSayingWhatItIs() throws {
        let (dir, store) = try Self.store()
        for (path, what) in try Self.specialFiles(in: dir) {
            try Self.expectRefused(
                ["spots", "verify", Self.spotCode, "--evidence", path], store: store, in: dir,
                ["evidence file \(path): \(what)"])
        }
    }

    @Test func evidenceInASpotUpdatesRowThatIsNotARegularFileIsRefused() throws {
        let (dir, store) = try Self.store()
        for (path, what) in try Self.specialFiles(in: dir) {
            let csv = dir + "/rows.csv"
            try "code,action,evidence\n\(Self.spotCode),verify,\(path)\n".write(
                toFile: csv, atomically: true, encoding: .utf8)
            try Self.expectRefused(
                ["import", "spot-updates", csv], store: store, in: dir,
                ["rows.csv:line 2 (\(Self.spotCode)): evidence file \(path): \(what)"])
        }
    }

    @Test func importFilesThatAreNotRegularFilesAreRefused() throws {
        let (dir, store) = try Self.store()
        let special = try Self.specialFiles(in: dir)
        for (path, what) in special where !path.hasSuffix(".sock") {
            try Self.expectRefused(["import", "parcels", path], store: store, in: dir, ["\(path)", what])
            try Self.expectRefused(["import", "enterprises", path], store: store, in: dir, ["\(path)", what])
            try Self.expectRefused(["import", "spot-updates", path], store: store, in: dir, ["\(path): \(what)"])
            try Self.expectRefused(
                ["report", "utilisation", "--thresholds", path], store: store, in: dir,
                ["thresholds \(path): \(what)"])
        }
    }

    @Test func aStoreThatIsAFIFOIsRefusedNotOpened() throws {
        let dir = CLI.temporaryDirectory()
        let fifo = dir + "/store.gpkg"
        #expect(mkfifo(fifo, 0o644) == 0)
        let r = try Self.landreg(["spots", "list", "--store", fifo], in: dir)
        #expect(!r.timedOut && r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("\(fifo): not a landreg store (is a FIFO, not a regular file)"), "\(r.stderr)")
    }

    @Test func aNegativeLimitIsABadArgumentNotATrap() throws {
        let (dir, store) = try Self.store()
        let r = try Self.landreg(["parcels", "list", "--limit=-1", "--bbox", "0,0,1,1", "--store", store], in: dir)
        #expect(r.status == 64 && r.stderr.contains("--limit must not be negative"), "exit \(r.status): \(r.stderr)")
    }

    // MARK: - Evidence paths as stored

    /// The evidence path of the spot's last event, as `spots history --json` shows it.
    static func lastEvidencePath(_ store: String, in dir: String) throws -> String? {
        let r = try landreg(["spots", "history", spotCode, "--json", "--store", store], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let events = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        return events?.last?["evidence_path"] as? String
    }

    @Test func evidenceInsideTheStoreFolderIsStoredResolvedAndRelative() throws {
        let (dir, store) = try Self.store()
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/scans/2024", withIntermediateDirectories: true)
        try "scan".write(toFile: dir + "/x.pdf", atomically: true, encoding: .utf8)
        try "photo".write(toFile: dir + "/scans/2024/p.jpg", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/latest", withDestinationPath: dir + "/scans/2024")

        // Given in the store's folder as sub/../x.pdf: kept as x.pdf.
        var r = try Self.landreg(
            [
                "spots", "verify", Self.spotCode, "--evidence", "sub/../x.pdf",
                "--store", store
            ], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.lastEvidencePath(store, in: dir) == "x.pdf")
        // A symlinked folder is resolved: latest/p.jpg is scans/2024/p.jpg.
        r = try Self.landreg(
            [
                "spots", "verify", Self.spotCode, "--judgement", "illegal", "--evidence", "latest/p.jpg", "--store",
                store
            ], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.lastEvidencePath(store, in: dir) == "scans/2024/p.jpg")
        // From another working directory, an absolute path into the store's folder is still relative to it.
        r = try Self.landreg(
            [
                "spots", "rectify", Self.spotCode, "--measure", "demolish-restore", "--deadline", "2099-12-31",
                "--evidence", dir + "/./scans/../x.pdf", "--store", store
            ], in: "/")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.lastEvidencePath(store, in: dir) == "x.pdf")
        let history = try Self.landreg(["spots", "history", Self.spotCode, "--store", store], in: dir)
        #expect(history.stdout.contains("scans/2024/p.jpg (sha256 "), "\(history.stdout)")
    }

    @Test func evidenceOutsideTheStoreFolderIsStoredAbsolute() throws {
        let (dir, store) = try Self.store()
        let elsewhere = CLI.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: elsewhere + "/a", withIntermediateDirectories: true)
        try "scan".write(toFile: elsewhere + "/x.pdf", atomically: true, encoding: .utf8)
        let r = try Self.landreg(
            ["spots", "verify", Self.spotCode, "--evidence", elsewhere + "/a/../x.pdf", "--store", store], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let resolvedElsewhere = URL(fileURLWithPath: elsewhere).resolvingSymlinksInPath().path
        #expect(try Self.lastEvidencePath(store, in: dir) == resolvedElsewhere + "/x.pdf")
    }

    @Test func evidenceOfASpotUpdatesRowIsTakenFromTheCSVFolderAndStoredRelativeToTheStore() throws {
        let (dir, store) = try Self.store()
        try FileManager.default.createDirectory(atPath: dir + "/field/photos", withIntermediateDirectories: true)
        try "photo".write(toFile: dir + "/field/p.jpg", atomically: true, encoding: .utf8)
        let csv = dir + "/field/rows.csv"
        try "code,action,evidence\n\(Self.spotCode),verify,photos/../p.jpg\n".write(
            toFile: csv, atomically: true, encoding: .utf8)
        let r = try Self.landreg(["import", "spot-updates", csv, "--store", store], in: "/")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.lastEvidencePath(store, in: dir) == "field/p.jpg")
    }
}
