import Foundation
import Testing

/// `landreg map`: pictures checked with tools that know nothing of landreg — the PNG's own chunks and pixels
/// (Python), the SVG as XML, the PDF through poppler (pdftotext, pdffonts), the scale bar against pyproj's Geod,
/// the classes and colours against the store's QGIS style (layer_styles QML) and parcels read with sqlite3.
@Suite("map pictures", .serialized)
struct MapTests {
    static let spot = "JC2023-07-0002"
    static let subjects: [(name: String, args: [String])] = [
        ("spot", ["spot", spot]), ("site", ["site", "EC-012"]), ("zone", ["zone", "330110001201"]),
        ("batch", ["batch", "2023-07"]), ("district", ["district"])
    ]

    /// A demo store (GeoData: parcels, four kinds of zones, two spot batches with their lifecycle, sites).
    static func demoStore() throws -> (dir: String, store: String) {
        let dir = CLI.temporaryDirectory()
        let r = try CLI.landreg(["demo", "--store", "demo.gpkg", "--data", CLI.geoData], in: dir)
        try #require(r.status == 0, "demo: \(r.stderr)")
        return (dir, dir + "/demo.gpkg")
    }

    /// Runs `landreg map … --json` and decodes what it says it drew.
    static func draw(_ args: [String], in dir: String) throws -> [String: Any] {
        let r = try CLI.landreg(["map"] + args + ["--store", "demo.gpkg", "--json"], in: dir)
        try #require(r.status == 0, "map \(args): \(r.stderr)")
        return try #require(
            try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    /// Runs a Python check (the project venv: shapely, pyproj, sqlite3) and decodes its JSON answer.
    static func python(_ script: String, _ args: [String]) throws -> [String: Any] {
        let r = try CLI.python(script, args)
        try #require(r.status == 0, "python: \(r.stderr)")
        return try #require(
            try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    static func tool(_ name: String, _ args: [String]) throws -> CLI.Result {
        let path = "/usr/bin/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CLI.MissingTool(description: "\(path) is missing: install poppler-utils (tools/install-deps.sh)")
        }
        return try CLI.run(path, args)
    }

    /// PNG facts from its chunks: IHDR size, pHYs density.
    static let pngHeader = """
        import json, struct, sys
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG'
        pos, out = 8, {}
        while pos < len(data):
            n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]
            if kind == b'IHDR': out['width'], out['height'] = struct.unpack('>II', body[:8])
            if kind == b'pHYs':
                x, y, unit = struct.unpack('>IIB', body)
                out['dpi'] = [x * 0.0254, y * 0.0254, unit]
            pos += 12 + n
        print(json.dumps(out))
        """

    /// The store's parcels that meet the extent (shapely), with the class the QGIS parcels style gives
    /// them and that class's label and colour from the style's QML; and the SVG's paths with a parcel class fill
    /// and the parcel outline.
    static let parcelsInView = """
        import json, sqlite3, sys, re, xml.etree.ElementTree as ET
        import shapely
        from shapely.geometry import box
        store, extent, svg = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
        frame_right = json.loads(sys.argv[4]) if len(sys.argv) > 4 else None
        def wkb(blob):   # a GeoPackage geometry: 8-byte header, an envelope its flags size, then WKB
            sizes = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
            return shapely.from_wkb(bytes(blob[8 + sizes[(blob[3] >> 1) & 7]:]))
        db = sqlite3.connect(store)
        qml = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = 'parcels' AND useAsDefault").fetchone()[0]
        root = ET.fromstring(qml)
        symbols = {s.get('name'): s for s in root.iter('symbol')}
        def colour(sym):
            for o in sym.iter('Option'):
                if o.get('name') == 'color': return [int(v) for v in o.get('value').split(',')[:3]]
            for p in sym.iter('prop'):
                if p.get('k') == 'color': return [int(v) for v in p.get('v').split(',')[:3]]
        classes = {c.get('value'): (c.get('label'), colour(symbols[c.get('symbol')])) for c in root.iter('category')}
        def klass(use, system):
            if use in ('0101', '0102', '0103'): return use
            if system == 'yongdi': return 'yongdi:' + use[:2]
            return use[:2]
        minx, miny, maxx, maxy = extent
        view = box(minx, miny, maxx, maxy)
        rows = [r for r in db.execute('''SELECT p.code, p.land_use, p.land_use_system, p.geom FROM parcels p
            WHERE p.retired_at IS NULL''') if wkb(r[3]).intersects(view)]
        labels = sorted({classes.get(klass(u or '', s), classes[''])[0] for _, u, s, _ in rows})
        fills = {tuple(c) for _, c in classes.values()}
        def pct(text): return tuple(round(float(v) * 2.55) for v in re.findall(r'([0-9.]+)%', text))
        paths = 0
        if svg != '-':
            for el in ET.parse(svg).getroot().iter('{http://www.w3.org/2000/svg}path'):
                style = el.get('style') or ''
                f = re.search(r'fill:rgb\\(([^)]*)\\)', style); s = re.search(r'stroke:rgb\\(([^)]*)\\)', style)
                xs = [float(v) for v in re.findall(r'[-0-9.e]+', el.get('d') or '')][0::2]
                if not xs or min(xs) > frame_right: continue   # a legend swatch, in the panel right of the map frame
                if f and s and pct(f.group(1)) in fills and pct(s.group(1)) == (110, 110, 110): paths += 1
        print(json.dumps({'count': len(rows), 'labels': labels, 'svgParcelPaths': paths,
                          'colours': {k: v[1] for k, v in classes.items()}}))
        """

    @Test(
        "every subject draws a PNG, an SVG and a PDF: size, dpi, one SVG path per parcel, poppler finds the text and the embedded CJK font"
    )
    func everySubjectEveryFormat() throws {
        let (dir, store) = try Self.demoStore()
        for (name, args) in Self.subjects {
            let png = try Self.draw(args + ["-o", "\(name).png", "--size", "1200x900", "--dpi", "200"], in: dir)
            let header = try Self.python(Self.pngHeader, [dir + "/\(name).png"])
            #expect(header["width"] as? Int == 1200 && header["height"] as? Int == 900, "\(name).png: \(header)")
            let dpi = header["dpi"] as? [Double] ?? []
            #expect(
                dpi.count == 3 && abs(dpi[0] - 200) < 0.1 && abs(dpi[1] - 200) < 0.1 && dpi[2] == 1,
                "\(name).png density: \(dpi)")
            #expect((png["drawn"] as? [String: Int])?["parcels"] ?? 0 > 0)

            let svg = try Self.draw(args + ["-o", "\(name).svg"], in: dir)
            let extent = try #require(svg["extent"] as? [Double])
            let frame = try #require(svg["map_frame"] as? [String: Double])
            let view = try Self.python(
                Self.parcelsInView, [store, "\(extent)", dir + "/\(name).svg", "\(frame["x"]! + frame["width"]!)"])
            let drawn = (svg["drawn"] as? [String: Int])?["parcels"]
            #expect(
                drawn == view["count"] as? Int,
                "\(name): drew \(drawn ?? -1) parcels, \(view["count"] ?? "?") are in view")
            #expect(
                view["svgParcelPaths"] as? Int == view["count"] as? Int,
                "\(name).svg: \(view["svgParcelPaths"] ?? "?") parcel paths for \(view["count"] ?? "?") parcels in view"
            )
            // The legend lists exactly the land-use classes in view (labels from the QGIS style).
            let legend = svg["legend"] as? [String] ?? []
            let landUseLabels = legend.filter { Set(view["labels"] as? [String] ?? []).contains($0) }
            #expect(Set(landUseLabels) == Set(view["labels"] as? [String] ?? []), "\(name): legend \(legend)")
            #expect(
                legend.filter { $0.range(of: #"^\d\d"#, options: .regularExpression) != nil }.count
                    == landUseLabels.count,
                "\(name): the legend lists a land-use class not in view: \(legend)")

            let pdf = try Self.draw(args + ["-o", "\(name).pdf"], in: dir)
            let text = try Self.tool("pdftotext", [dir + "/\(name).pdf", "-"])
            try #require(text.status == 0, "\(text.stderr)")
            let title = try #require(pdf["title"] as? String)
            let squeezed = text.stdout.replacingOccurrences(of: "\n", with: " ")
            #expect(squeezed.contains(title), "\(name).pdf lacks its title \(title)")
            #expect(squeezed.contains("图例"), "\(name).pdf lacks the legend heading")
            for entry in pdf["legend"] as? [String] ?? [] {
                #expect(squeezed.contains(entry), "\(name).pdf lacks the legend entry \(entry)")
            }
            for piece in ["坐标系 CRS: EPSG:4549", "状态日期 as of", "数据库 store: demo.gpkg"] {
                #expect(squeezed.contains(piece), "\(name).pdf footer lacks \(piece): \(squeezed.suffix(300))")
            }
            let fonts = try Self.tool("pdffonts", [dir + "/\(name).pdf"])
            #expect(
                fonts.stdout.split(separator: "\n").contains { $0.contains("NotoSansCJK") && $0.contains(" yes ") },
                "\(name).pdf embeds no Noto CJK font: \(fonts.stdout)")
        }
    }

    /// Pixel colours (read with Pillow) at map coordinates through the frame's transform from --json, at page
    /// positions, or the count of pixels of one colour.
    static let pixels = """
        import json, sys
        from PIL import Image
        img = Image.open(sys.argv[1]).convert('RGB')
        desc = json.loads(open(sys.argv[2]).read()); queries = json.loads(sys.argv[3])
        minx, miny, maxx, maxy = desc['extent']; fr = desc['map_frame']
        k = fr['width'] / (maxx - minx)
        def pixel(px, py): return list(img.getpixel((int(px), int(py))))
        out = {}
        for name, q in queries.items():
            if q['kind'] == 'map':
                x, y = q['xy']; out[name] = pixel(fr['x'] + (x - minx) * k, fr['y'] + (maxy - y) * k)
            elif q['kind'] == 'page':
                out[name] = pixel(*q['xy'])
            elif q['kind'] == 'count':
                out[name] = sum(n for n, c in img.getcolors(img.width * img.height) if list(c) == q['rgb'])
        print(json.dumps(out))
        """

    /// From GeoData (not the store): the spot's outline points, and a farmland parcel clear of every spot, site
    /// and zone boundary with a point inside it (shapely).
    static let sampleGeometry = """
        import json, sys
        import shapely
        from shapely.geometry import shape, box
        g, code, extent = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        def feats(name): return [f for f in json.load(open(f'{g}/{name}.geojson'))['features'] if f['geometry']]
        spots = feats('spots-2023-07') + feats('spots-2024-01')
        spot = shape(next(f for f in spots if f['properties']['code'] == code)['geometry'])
        ring = list(spot.geoms[0].exterior.coords if spot.geom_type == 'MultiPolygon' else spot.exterior.coords)
        edge_mids = [[(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] for a, b in zip(ring, ring[1:])]
        obstacles = shapely.union_all([shape(f['geometry']) for f in spots + feats('sites')] +
                                      [shape(f['geometry']).boundary for n in ('zones-village', 'zones-basic-farmland', 'zones-grid', 'zones-development-area') for f in feats(n)])
        view = box(*extent)
        keep_off = obstacles.buffer(6)
        best = None
        for f in feats('parcels'):
            p = shape(f['geometry'])
            if f['properties']['DLBM'] not in ('0101', '0102', '0103') or not view.contains(p) or keep_off.contains(p): continue
            core = p.buffer(-6)   # 6 m inside: clear of the outline and of labels' halos near edges
            if core.is_empty: continue
            core = core.difference(keep_off)
            if core.is_empty: continue
            if best is None or core.area > best[2].area: best = (f['properties']['DLBM'], f['properties']['BSM'], core)
        pt = best[2].representative_point()
        print(json.dumps({'edgeMids': edge_mids, 'farmland': {'use': best[0], 'id': best[1], 'xy': [pt.x, pt.y]}}))
        """

    @Test(
        "PNG pixels lie where the coordinates say: the spot's outline on its edges, a farmland parcel in its 三调 colour")
    func pixelsWhereCoordinatesSay() throws {
        let (dir, store) = try Self.demoStore()
        // The spot map: its outline (cyan, the map's subject colour) crosses the midpoint of each of its edges.
        let spot = try Self.draw(["spot", Self.spot, "-o", "spot.png"], in: dir)
        try JSONSerialization.data(withJSONObject: spot).write(to: URL(fileURLWithPath: dir + "/spot.json"))
        let spotShape = try Self.python(
            Self.sampleGeometry, [CLI.geoData, Self.spot, "\(spot["extent"] as? [Double] ?? [])"])
        let mids = try #require(spotShape["edgeMids"] as? [[Double]])
        var queries: [String: Any] = ["cyan": ["kind": "count", "rgb": [0, 229, 255]]]
        for (i, m) in mids.enumerated() { queries["edge\(i)"] = ["kind": "map", "xy": m] }
        let spotPixels = try Self.python(Self.pixels, [dir + "/spot.png", dir + "/spot.json", try Self.json(queries)])
        #expect(
            (spotPixels["cyan"] as? Int ?? 0) > 200,
            "the subject's outline colour is missing: \(spotPixels["cyan"] ?? "?") pixels")
        for i in mids.indices {
            let rgb = spotPixels["edge\(i)"] as? [Int] ?? []
            #expect(
                rgb.count == 3 && abs(rgb[0] - 0) < 40 && abs(rgb[1] - 229) < 40 && abs(rgb[2] - 255) < 40,
                "edge \(i) of the spot: pixel \(rgb), expected the subject's cyan")
        }

        // The district map: a farmland parcel's pixel is its class colour in the store's QGIS style.
        let district = try Self.draw(["district", "-o", "district.png", "--size", "2400x1800"], in: dir)
        try JSONSerialization.data(withJSONObject: district).write(to: URL(fileURLWithPath: dir + "/district.json"))
        let extent = try #require(district["extent"] as? [Double])
        let sample = try Self.python(Self.sampleGeometry, [CLI.geoData, Self.spot, "\(extent)"])
        let farmland = try #require(sample["farmland"] as? [String: Any])
        let style = try Self.python(Self.parcelsInView, [store, "\(extent)", "-"])
        let expected = try #require((style["colours"] as? [String: [Int]])?[farmland["use"] as? String ?? ""])
        let got = try Self.python(
            Self.pixels,
            [
                dir + "/district.png", dir + "/district.json",
                try Self.json(["p": ["kind": "map", "xy": farmland["xy"]!]])
            ])
        #expect(
            got["p"] as? [Int] == expected,
            "farmland parcel \(farmland): pixel \(got["p"] ?? "?"), style colour \(expected)")
    }

    static func json(_ v: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: v), as: UTF8.self)
    }

    @Test(
        "the scale bar's labelled ground distance is the geodesic distance between its ends (pyproj), and it is drawn that long"
    )
    func scaleBarIsTrue() throws {
        let (dir, _) = try Self.demoStore()
        for (name, args) in Self.subjects {
            let d = try Self.draw(args + ["-o", "\(name).png"], in: dir)
            try JSONSerialization.data(withJSONObject: d).write(to: URL(fileURLWithPath: dir + "/\(name).json"))
            let bar = try #require(d["scale_bar"] as? [String: Any])
            let ground = try #require(bar["ground_distance_m"] as? Double)
            let geod = try Self.python(
                """
                import json, sys
                from pyproj import Geod, Transformer
                bar = json.loads(sys.argv[1])
                t = Transformer.from_crs(4549, 4490, always_xy=True)
                (lon1, lat1), (lon2, lat2) = t.transform(*bar['start']), t.transform(*bar['end'])
                g = Geod(a=6378137, f=1 / 298.257222101)   # the CGCS2000 ellipsoid
                print(json.dumps({'m': g.inv(lon1, lat1, lon2, lat2)[2]}))
                """, [try Self.json(bar)])
            let measured = try #require(geod["m"] as? Double)
            #expect(
                abs(measured - ground) / ground < 0.01,
                "\(name): bar labelled \(ground) m, its ends are \(measured) m apart")
            #expect(bar["label"] as? String == (ground >= 1000 ? "\(Int(ground / 1000)) km" : "\(Int(ground)) m"))
            // Drawn: black, white, black, white quarters, white beyond its end.
            let page = try #require(bar["page"] as? [String: Double])
            let (x0, w, y) = (page["x"]!, page["width"]!, page["y"]! + page["height"]! / 2)
            var q: [String: Any] = [:]
            for (i, f) in [0.125, 0.375, 0.625, 0.875].enumerated() {
                q["q\(i)"] = ["kind": "page", "xy": [x0 + w * f, y]]
            }
            q["beyond"] = ["kind": "page", "xy": [x0 + w + 4, y]]
            let px = try Self.python(Self.pixels, [dir + "/\(name).png", dir + "/\(name).json", try Self.json(q)])
            for i in 0..<4 {
                let v = (px["q\(i)"] as? [Int] ?? []).reduce(0, +)
                #expect(i % 2 == 0 ? v < 60 : v > 700, "\(name): bar quarter \(i) is \(px["q\(i)"] ?? "?")")
            }
            #expect(
                (px["beyond"] as? [Int] ?? []).reduce(0, +) > 700, "\(name): the bar runs on past its labelled length")
        }
    }

    @Test("--as-of draws the spots as they stood: none detected later, statuses of that day")
    func asOfDay() throws {
        let (dir, store) = try Self.demoStore()
        let d = try Self.draw(["district", "-o", "early.svg", "--as-of", "2023-07-15"], in: dir)
        let expected = try Self.python(
            """
            import json, sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            n = db.execute("SELECT count(*) FROM spots WHERE retired_at IS NULL AND detected_date <= '2023-07-15'").fetchone()[0]
            print(json.dumps({'n': n}))
            """, [store])
        #expect(
            (d["drawn"] as? [String: Int])?["spots"] == expected["n"] as? Int, "\(d["drawn"] ?? "?") vs \(expected)")
        // spot-updates.csv steps start in August 2023: every spot detected by mid-July was still reported then.
        let legend = d["legend"] as? [String] ?? []
        #expect(legend.contains("已下发待核查 reported"))
        #expect(!legend.contains { $0.hasPrefix("整改中") || $0.hasPrefix("已销号") || $0.hasPrefix("逾期") }, "\(legend)")
        #expect((d["footer"] as? String ?? "").contains("as of 2023-07-15"))
    }

    @Test(
        "bad input: unknown code or batch, existing output, the store as output, a missing folder, a wrong extension — exit 1, nothing written"
    )
    func refusals() throws {
        let (dir, store) = try Self.demoStore()
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        for (args, needle) in [
            (["spot", "JC-NOPE-1"], "JC-NOPE-1"), (["site", "NO-SITE"], "NO-SITE"),
            (["zone", "NO-ZONE"], "NO-ZONE"), (["batch", "1999-01"], "1999-01")
        ] {
            let r = try CLI.landreg(["map"] + args + ["-o", "x.png", "--store", "demo.gpkg"], in: dir)
            #expect(r.status == 1, "\(args): \(r.status)")
            #expect(r.stderr.contains(needle), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/x.png"))
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("landreg-tmp") }
        #expect(leftovers.isEmpty, "temporaries left: \(leftovers)")

        try Data("keep me".utf8).write(to: URL(fileURLWithPath: dir + "/old.pdf"))
        let refused = try CLI.landreg(["map", "spot", Self.spot, "-o", "old.pdf", "--store", "demo.gpkg"], in: dir)
        #expect(refused.status == 1 && refused.stderr.contains("--overwrite"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: dir + "/old.pdf", encoding: .utf8) == "keep me")
        let replaced = try CLI.landreg(
            ["map", "spot", Self.spot, "-o", "old.pdf", "--overwrite", "--store", "demo.gpkg"], in: dir)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/old.pdf")).prefix(5) == Data("%PDF-".utf8))

        // A store whose name ends in .png is still the store: never an output, even with --overwrite.
        try FileManager.default.copyItem(atPath: store, toPath: dir + "/store.png")
        let storeBytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/store.png"))
        let onStore = try CLI.landreg(
            ["map", "district", "-o", "store.png", "--overwrite", "--store", "store.png"], in: dir)
        #expect(onStore.status == 1 && onStore.stderr.contains("the store"), "\(onStore.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/store.png")) == storeBytes)
        let missing = try CLI.landreg(["map", "district", "-o", "nowhere/x.svg", "--store", "demo.gpkg"], in: dir)
        #expect(missing.status == 1 && missing.stderr.contains("nowhere"), "\(missing.stderr)")
        let ext = try CLI.landreg(["map", "district", "-o", "x.jpg", "--store", "demo.gpkg"], in: dir)
        #expect(ext.status != 0 && ext.stderr.contains(".png, .svg or .pdf"), "\(ext.stderr)")
        let dpi = try CLI.landreg(["map", "district", "-o", "x.pdf", "--dpi", "300", "--store", "demo.gpkg"], in: dir)
        #expect(dpi.status != 0 && dpi.stderr.contains("--dpi"), "\(dpi.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before, "the store changed")
    }

    @Test("the pango functions declared by hand in Sources/CCairo/shim.h agree with pango's own header")
    func pangoDeclarationsMatchTheHeader() throws {
        let flags = try CLI.run("/usr/bin/pkg-config", ["--cflags", "pangocairo"])
        try #require(flags.status == 0, "pkg-config finds no pangocairo: install libpango1.0-dev (\(flags.stderr))")
        let dir = CLI.temporaryDirectory()
        let shim = CLI.repo.appendingPathComponent("Sources/CCairo/shim.h").path
        try "#include <pango/pangocairo.h>\n#include \"\(shim)\"\n".write(
            toFile: dir + "/check.c", atomically: true, encoding: .utf8)
        let cc = try CLI.run(
            "/usr/bin/cc",
            ["-fsyntax-only", "-Werror"]
                + flags.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
                + [dir + "/check.c"])
        #expect(cc.status == 0, "shim.h disagrees with pango: \(cc.stderr)")
    }
}
