import Foundation
import Testing

/// `--format csv` output read back by Python's csv module: a value holding a quote or comma joined to a combining
/// mark, or CR LF, must come back whole. Before the fix the CSV writer compared Characters, so `"` + U+0305 was
/// written unescaped and CR LF unquoted (found while fuzzing the CSV reader, tools/fuzz).
@Suite("CSV output")
struct CSVOutputEndToEndTests {
    @Test func fieldsWithCombiningMarksAndCRLFSurviveACSVListing() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/csv.gpkg"
        let owners = ["湖埠村\"\u{0305}经济合作社", "a,\u{0301}b", "line one\r\nline two", "plain"]
        let features = owners.enumerated().map { i, owner -> String in
            let x = 518_900.0 + Double(i) * 100
            let ring = "[[\(x),3341400],[\(x + 50),3341400],[\(x + 50),3341450],[\(x),3341450],[\(x),3341400]]"
            let ownerJSON = String(decoding: try! JSONEncoder().encode(owner), as: UTF8.self)
            return
                #"{"type":"Feature","properties":{"BSM":"P\#(i)","DLBM":"0101","DLMC":"水田","QSDWMC":\#(ownerJSON),"TBMJ":2500},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#
        }
        let file = dir + "/owners.geojson"
        try
            (#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":["#
            + features.joined(separator: ",") + "]}").write(toFile: file, atomically: true, encoding: .utf8)
        let i = try CLI.landreg(["init", "--store", store], in: dir)
        #expect(i.status == 0, "\(i.stderr)")
        let p = try CLI.landreg(["import", "parcels", file, "--profile", "sandiao", "--store", store], in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        let list = try CLI.landreg(["parcels", "list", "--format", "csv", "--store", store], in: dir)
        #expect(list.status == 0, "\(list.stderr)")
        let csvFile = dir + "/list.csv"
        try list.stdout.write(toFile: csvFile, atomically: true, encoding: .utf8)
        // Python's csv module as the independent reader: one JSON list of the "owner" column.
        let read = try CLI.python(
            """
            import csv, json, sys
            with open(sys.argv[1], newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            print(json.dumps([r["owner"] for r in rows]))
            """, [csvFile])
        #expect(read.status == 0, "\(read.stderr)")
        let column = try JSONDecoder().decode([String].self, from: Data(read.stdout.utf8))
        #expect(column.sorted() == owners.sorted(), "\(list.stdout.debugDescription)")
    }
}

/// Number options that swift-argument-parser parses with `Double(String)`, which reads "nan": landreg's own check
/// must refuse it. Before the fix `check --tolerance-m2 nan --tolerance-percent nan` compared every area difference
/// with NaN, found none, and reported the store sound.
@Suite("Number options")
struct NumberOptionEndToEndTests {
    @Test func checkRefusesNaNTolerances() throws {
        let dir = CLI.temporaryDirectory()
        let store = dir + "/n.gpkg"
        let i = try CLI.landreg(["init", "--store", store], in: dir)
        #expect(i.status == 0, "\(i.stderr)")
        for option in ["--tolerance-m2", "--tolerance-percent", "--overlap-tolerance-m2"] {
            for value in ["nan", "NaN", "-1"] {
                let r = try CLI.landreg(["check", "--quick", option + "=" + value, "--store", store], in: dir)
                #expect(
                    r.status != 0 && r.stderr.contains("tolerances must be numbers ≥ 0"),
                    "\(option) \(value): \(r.stderr)")
            }
        }
        let ok = try CLI.landreg(["check", "--quick", "--tolerance-m2", "0", "--store", store], in: dir)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
    }
}
