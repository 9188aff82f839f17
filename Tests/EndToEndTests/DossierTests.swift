import Foundation
import Testing

/// `landreg dossier spots`: PDFs checked with poppler (pdfinfo pages, pdftotext text page by page, pdffonts
/// embedding) against areas computed from the sample GeoJSON with shapely (planar, EPSG:4549) and pyproj's Geod on
/// the CGCS2000 ellipsoid (the lon/lat copy), formatted as the page prints them; and the refusals that leave no file.
@Suite("spot dossiers", .serialized)
struct DossierTests {
    static let batch = "2023-07"

    static func tool(_ name: String, _ args: [String]) throws -> CLI.Result { try MapTests.tool(name, args) }

    /// Every page of the pdftotext output (form feeds between pages) against the batch's GeoJSON: page k + 1 is
    /// the k-th spot by code, and it prints the spot's code, its planar area (shapely) and its ellipsoidal area
    /// (pyproj Geod, CGCS2000) in m² and 亩 as "X m² = Y 亩"; the cover prints the Σ of the ellipsoidal areas.
    static let pagesAgainstGeoJSON = """
        import json, re, sys
        import shapely
        from shapely.geometry import shape
        from pyproj import Geod
        text, projected, lonlat = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
        geod = Geod(a=6378137.0, rf=298.257222101)   # CGCS2000
        mu = lambda m2: m2 / (10000 / 15)
        ll = {f['properties']['code']: shape(f['geometry']) for f in lonlat['features']}
        spots = sorted(((f['properties']['code'], shape(f['geometry'])) for f in projected['features']), key=lambda s: s[0])
        pages = text.split('\\f')
        if pages and not pages[-1].strip(): pages = pages[:-1]
        problems, total = [], 0.0
        def near(printed, value, tolerance):
            return any(abs(float(p) - value) <= tolerance for p in printed)
        for k, (code, g) in enumerate(spots):
            page = pages[k + 1] if k + 1 < len(pages) else ''
            if code not in page: problems.append(f'page {k + 2}: no {code}')
            planar = g.area
            printed = f'{planar:.1f} m² = {mu(planar):.2f} 亩（EPSG:4549）'
            if printed not in page: problems.append(f'page {k + 2} ({code}): no planar area "{printed}"')
            ellipsoidal = abs(geod.geometry_area_perimeter(ll[code])[0])
            total += ellipsoidal
            found = re.findall(r'([0-9.]+) m² = ([0-9.]+) 亩（椭球 ellipsoidal）', page)
            if not found or not near([m for m, _ in found], ellipsoidal, 0.15) or not near([a for _, a in found], mu(ellipsoidal), 0.0051):
                problems.append(f'page {k + 2} ({code}): ellipsoidal {ellipsoidal:.2f} m² not printed: {found}')
        cover = pages[0] if pages else ''
        m = re.search(r'监测面积 area\\s+([0-9.]+) m² = ([0-9.]+) 亩', cover)
        if not m or abs(float(m.group(1)) - total) > 0.1 * len(spots) or abs(float(m.group(2)) - mu(total)) > 0.01:
            problems.append(f'cover: Σ area {total:.1f} m² not printed: {m and m.group(0)}')
        print(json.dumps({'spots': len(spots), 'pages': len(pages), 'codes': [c for c, _ in spots], 'problems': problems}))
        """

    @Test("a batch's dossier has one page per spot plus the cover; each page prints its code and areas in m² and 亩")
    func batchDossier() throws {
        let (dir, _) = try MapTests.demoStore()
        let r = try CLI.landreg(
            ["dossier", "spots", "--batch", Self.batch, "-o", "batch.pdf", "--store", "demo.gpkg"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let pdf = dir + "/batch.pdf"
        let extracted = try Self.tool("pdftotext", [pdf, dir + "/batch.txt"])
        try #require(extracted.status == 0, "pdftotext: \(extracted.stderr)")
        let check = try MapTests.python(
            Self.pagesAgainstGeoJSON,
            [
                dir + "/batch.txt", CLI.geoData + "/spots-\(Self.batch).geojson",
                CLI.geoData + "/spots-\(Self.batch)-4326.geojson"
            ])
        let spots = try #require(check["spots"] as? Int)
        #expect(spots > 1)
        let info = try Self.tool("pdfinfo", [pdf]).stdout
        #expect(info.contains(try Regex("Pages:\\s+\(spots + 1)\\n")), "\(info)")
        #expect(check["pages"] as? Int == spots + 1)
        #expect((check["problems"] as? [String]) == [], "\(check["problems"] ?? "")")
        #expect(r.stdout.contains("\(spots + 1) pages: cover + \(spots) spots"), "\(r.stdout)")

        // Chinese comes out as it went in, in embedded Noto CJK subsets.
        let text = try String(contentsOfFile: dir + "/batch.txt", encoding: .utf8)
        for words in ["违法图斑核查举证档案", "生命周期 history", "举证材料 evidence", "监测批次 batch", "云埠社区"] {
            #expect(text.contains(words), "pdftotext lost 「\(words)」")
        }
        #expect(!text.contains("\u{FFFD}"))
        let fonts = try Self.tool("pdffonts", [pdf]).stdout.split(separator: "\n").filter { $0.contains("NotoSansCJK") }
        #expect(!fonts.isEmpty, "no Noto CJK font")
        #expect(fonts.allSatisfy { $0.contains(" yes yes ") }, "not embedded: \(fonts)")
    }

    @Test("listed codes come in the given order; the history and evidence are the spot's events")
    func listedCodes() throws {
        let (dir, _) = try MapTests.demoStore()
        let codes = ["JC2023-07-0003", "JC2024-01-0021", "JC2023-07-0001"]
        // Evidence on one step of the reported spot: its page lists the file with its SHA-256 (hashlib's).
        let photo = "外业照片-0021.jpg"
        try Data((0..<4096).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: dir + "/" + photo))
        let verified = try CLI.landreg(
            ["spots", "verify", codes[1], "--evidence", photo, "--on", "2024-02-01", "--store", "demo.gpkg"], in: dir)
        try #require(verified.status == 0, "\(verified.stderr)")
        let sha = try CLI.python(
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
            [dir + "/" + photo])
        let r = try CLI.landreg(
            ["dossier", "spots"] + codes + ["-o", "two.pdf", "--json", "--store", "demo.gpkg"], in: dir)
        try #require(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(doc["pages"] as? Int == codes.count + 1)
        let pages = try #require(doc["spots"] as? [[String: Any]])
        #expect(pages.map { $0["code"] as? String } == codes)
        let text = try Self.tool("pdftotext", [dir + "/two.pdf", "-"]).stdout.split(separator: "\u{0C}")
        for (k, code) in codes.enumerated() {
            let history = try CLI.landreg(["spots", "history", code, "--json", "--store", "demo.gpkg"], in: dir)
            let events = try #require(
                try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
            #expect(pages[k]["events"] as? Int == events.count)
            #expect(pages[k]["evidence"] as? Int == events.filter { $0["evidence_path"] is String }.count)
            // Every event's action and effective day is on the page (those that fit; the rest are counted).
            let page = String(text[k + 1])
            if k == 1 {
                #expect(page.contains(photo), "page 3 lacks the evidence file")
                #expect(
                    page.contains(sha.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
                    "page 3 lacks its SHA-256")
                #expect(pages[k]["evidence"] as? Int == 1)
            }
            let shown = events.count - (pages[k]["events_left_off"] as? Int ?? 0)
            for e in events.prefix(shown) {
                let action = try #require(e["action"] as? String), day = try #require(e["effective_date"] as? String)
                #expect(page.contains(day) && page.contains(action), "page \(k + 2) lacks \(day) \(action)")
            }
        }
    }

    @Test("--as-of: the cover counts the spots as they stood that day, as the rectification report replays them")
    func asOf() throws {
        let (dir, _) = try MapTests.demoStore()
        let day = "2023-09-15"
        let r = try CLI.landreg(
            ["dossier", "spots", "--as-of", day, "-o", "then.pdf", "--json", "--store", "demo.gpkg"], in: dir)
        try #require(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let summary = try #require(doc["summary"] as? [String: Any])
        let report = try CLI.landreg(
            ["report", "rectification", "--as-of", day, "--format", "json", "--store", "demo.gpkg"], in: dir)
        let groups = try #require(
            (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["groups"]
                as? [[String: Any]])
        func total(_ key: String) -> Double { groups.reduce(0) { $0 + (($1[key] as? NSNumber)?.doubleValue ?? 0) } }
        #expect(summary["spots"] as? Int == Int(total("spots")))
        #expect(doc["pages"] as? Int == Int(total("spots")) + 1)
        #expect(summary["overdue"] as? Int == Int(total("overdue_spots")))
        #expect(abs((summary["area_m2"] as? Double ?? 0) - total("monitored_area_m2")) < 1e-6)
        #expect(abs((summary["remaining_m2"] as? Double ?? 0) - total("remaining_m2")) < 1e-6)
        var byStatus: [String: Int] = [:]
        for g in groups {
            for (status, n) in g["by_status"] as? [String: Int] ?? [:] { byStatus[status, default: 0] += n }
        }
        let counted = (summary["by_status"] as? [[String: Any]] ?? []).map {
            ($0["status"] as? String ?? "", $0["spots"] as? Int ?? -1)
        }
        #expect(Dictionary(uniqueKeysWithValues: counted) == byStatus)
        // Each page's history stops at the day.
        let pages = try #require(doc["spots"] as? [[String: Any]])
        for page in pages.prefix(5) {
            let code = try #require(page["code"] as? String)
            let history = try CLI.landreg(["spots", "history", code, "--json", "--store", "demo.gpkg"], in: dir)
            let events = try #require(
                try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
            #expect(page["events"] as? Int == events.filter { ($0["effective_date"] as? String ?? "") <= day }.count)
        }
    }

    // MARK: Refusals: exit 1, a message naming what is wrong, no file and no temporary left

    static func expectNothingWritten(_ r: CLI.Result, in dir: String, output: String, says words: String) throws {
        #expect(r.status == 1, "exit \(r.status): \(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains(words), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/" + output))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".landreg-") }
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test("an unknown code, an empty selection and a missing folder are refused before a file is made")
    func badSelection() throws {
        let (dir, _) = try MapTests.demoStore()
        let unknown = try CLI.landreg(
            ["dossier", "spots", "JC2023-07-0001", "NOPE-0001", "-o", "u.pdf", "--store", "demo.gpkg"], in: dir)
        try Self.expectNothingWritten(unknown, in: dir, output: "u.pdf", says: "no live spot with code NOPE-0001")
        let empty = try CLI.landreg(
            ["dossier", "spots", "--batch", "1999-01", "-o", "e.pdf", "--store", "demo.gpkg"], in: dir)
        try Self.expectNothingWritten(empty, in: dir, output: "e.pdf", says: "no live spot with batch 1999-01")
        let missing = try CLI.landreg(
            ["dossier", "spots", "--batch", Self.batch, "-o", "out/d.pdf", "--store", "demo.gpkg"], in: dir)
        try Self.expectNothingWritten(missing, in: dir, output: "out", says: "folder out does not exist")
        // An existing file stays as it was without --overwrite.
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/keep.pdf"))
        let exists = try CLI.landreg(
            ["dossier", "spots", "--batch", Self.batch, "-o", "keep.pdf", "--store", "demo.gpkg"], in: dir)
        #expect(exists.status == 1 && exists.stderr.contains("keep.pdf already exists"), "\(exists.stderr)")
        #expect(try String(contentsOfFile: dir + "/keep.pdf", encoding: .utf8) == "keep")
    }

    @Test("a note with a character no font has is refused, naming its page and spot, rather than drawn as a box")
    func noTofu() throws {
        let (dir, _) = try MapTests.demoStore()
        let code = "JC2024-01-0021"
        let verified = try CLI.landreg(
            ["spots", "verify", code, "--note", "核查 \u{10FFFD}", "--on", "2024-02-01", "--store", "demo.gpkg"], in: dir)
        try #require(verified.status == 0, "\(verified.stderr)")
        let r = try CLI.landreg(
            ["dossier", "spots", "JC2023-07-0001", code, "-o", "t.pdf", "--store", "demo.gpkg"], in: dir)
        try Self.expectNothingWritten(r, in: dir, output: "t.pdf", says: "page 3 (spot \(code)): no installed font")
    }

    /// As root permission bits do not stop a write: OutputSafetyTests.runWhereUnwritable runs it as `nobody` there.
    @Test("an unwritable output is refused with the system's reason")
    func unwritable() throws {
        let (dir, store) = try MapTests.demoStore()
        let folder = dir + "/readonly"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let arguments = ["dossier", "spots", "--batch", Self.batch, "-o", folder + "/d.pdf", "--store", store]
        let r = try OutputSafetyTests.runWhereUnwritable(arguments, folder: folder, dir: dir, store: store)
        #expect(r.status == 1, "exit \(r.status): \(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("folder \(folder) is not writable (Permission denied)"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    /// A file-size limit (ulimit -f 64 blocks = 32 KiB: room for the store's -shm, not for the dossier) makes the
    /// PDF fail part-way through its pages: no dossier and no temporary are left.
    @Test("a write that fails part-way leaves no file and no temporary")
    func failsPartWay() throws {
        let (dir, store) = try MapTests.demoStore()
        let r = try CLI.run(
            "/bin/sh",
            [
                "-c", "ulimit -f 64; exec \"$0\" \"$@\"", CLI.binary, "dossier", "spots", "--batch", Self.batch,
                "-o", dir + "/big.pdf", "--store", store
            ], in: dir, environment: ["LANDREG_ACTOR": "e2e"])
        try Self.expectNothingWritten(r, in: dir, output: "big.pdf", says: "big.pdf")
    }
}
