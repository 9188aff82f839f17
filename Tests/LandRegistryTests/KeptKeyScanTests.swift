import Foundation
import GRDB
import Testing

@testable import LandRegistry

/// The export's scanner of kept properties against SQLite's json_each, which it stands in for.
@Suite("Kept-key scan")
struct KeptKeyScanTests {
    /// A table of `texts` (nil: NULL), keyed by fid from 1.
    private func table(_ texts: [String?]) throws -> DatabaseQueue {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (fid INTEGER PRIMARY KEY, properties TEXT)")
            for text in texts { try db.execute(sql: "INSERT INTO t (properties) VALUES (?)", arguments: [text]) }
        }
        return db
    }

    private func both(_ texts: [String?]) throws -> (scanned: [String: KeptKeyTally]?, sql: [String: KeptKeyTally]) {
        try table(texts).read { db in
            (
                try KeptKeyTally.scanned(db, table: "t", filter: "", rowKey: "fid", properties: "properties"),
                try KeptKeyTally.fromSQL(db, table: "t", filter: "", rowKey: "fid", properties: "properties")
            )
        }
    }

    /// Keys in order of first appearance with everything but that order (the two number positions differently).
    private func comparable(_ tallies: [String: KeptKeyTally]) -> [String] {
        tallies.sorted { $0.value.first < $1.value.first }.map { name, t in
            "\(name): first row \(t.first >> 32) b\(t.bools) i\(t.ints) r\(t.reals) t\(t.texts) n\(t.nested) "
                + "big\(t.bigInts) w\(t.width) d\(t.days)"
        }
    }

    @Test func flatObjectsTallyAsJSONEachDoes() throws {
        // Landreg's own texts, another writer's spacing, every scalar type, duplicate keys, keys in other orders,
        // integers at and past Int64's ends, days valid and impossible, Chinese texts, empty objects and NULL.
        var texts: [String?] = [
            #"{"DLMC":"水田","QSXZ":"30","TBMJ":1234.5,"n":3,"ok":true,"d":"2024-02-29"}"#,
            #" { "DLMC" : "旱地" , "n" : -0 , "ok" : false , "d" : "2023-02-29" , "e" : null } "#,
            "{\n\t\"n\":9223372036854775807,\"m\":-9223372036854775808,\"big\":9223372036854775808}",
            #"{"big":-9223372036854775809,"x":1e2,"y":1E+2,"z":-0.5,"w":12.0}"#,
            #"{"d":"0000-02-29","d2":"1900-02-29","d3":"2000-02-29","d4":"2024-04-31","d5":"2024-13-01"}"#,
            #"{"d":"2024-1-0100","d2":"２０２４-01-01","n":"7","QSXZ":"31","QSXZ":31}"#,
            "{}", nil, #"{"n":1,"DLMC":"林地","later":"只在后面"}"#
        ]
        // Rows of the bench's shape, with the keys' values varying.
        for k in 0..<200 {
            texts.append(
                #"{"DLMC":"\#(["水田", "旱地", "果园"][k % 3])","QSXZ":"\#(k % 4 == 0 ? "10" : "30")","ZLDWMC":"竹坝村\#(k)","area":\#(k).25,"k":\#(k)}"#
            )
        }
        let (scanned, sql) = try both(texts)
        let s = try #require(scanned)
        #expect(comparable(s) == comparable(sql))
        // The rule for days is Clock.validDay's: 2023-02-29 and 2024-04-31 are texts, not days.
        #expect(s["d"]?.days == 2 && s["d"]?.texts == 4, "\(String(describing: s["d"]))")
        #expect(s["d4"]?.days == 0 && s["d3"]?.days == 1 && s["d2"]?.days == 0)
        #expect(s["big"]?.bigInts == 2 && s["n"]?.bigInts == 0 && s["m"]?.bigInts == 0)
    }

    @Test func whatSQLiteMayReadOtherwiseIsLeftToJSONEach() throws {
        // Each of these makes the scanner give up (the query then decides): escapes, nested values, numbers with
        // a zero before digits or a bare point, a top-level array or number, a blob, invalid UTF-8 in a key.
        let cases: [String] = [
            #"{"a":"say \"hi\""}"#, #"{"a\u0041":1}"#, #"{"a":{"b":1}}"#, #"{"a":[1,2]}"#, #"{"a":01}"#,
            #"{"a":1.}"#, "[1,2]", "5", "{\"a\":\"tab\there\"}"
        ]
        for text in cases {
            let scanned = try table([#"{"ok":1}"#, text]).read { db in
                try KeptKeyTally.scanned(db, table: "t", filter: "", rowKey: "fid", properties: "properties")
            }
            #expect(scanned == nil, "\(text)")
        }
        let blob = try DatabaseQueue()
        try blob.write { db in
            try db.execute(sql: "CREATE TABLE t (fid INTEGER PRIMARY KEY, properties)")
            try db.execute(sql: "INSERT INTO t (properties) VALUES (?)", arguments: [Data(#"{"a":1}"#.utf8)])
            try db.execute(
                sql: "INSERT INTO t (properties) VALUES (CAST(? AS TEXT))",
                arguments: [Data([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])])
        }
        for fid in [1, 2] {
            let scanned = try blob.read { db in
                try KeptKeyTally.scanned(
                    db, table: "t", filter: "WHERE fid = \(fid)", rowKey: "fid", properties: "properties")
            }
            #expect(scanned == nil, "row \(fid)")
        }
    }

    @Test func aDayIsWhatClockAcceptsOnBothSides() throws {
        // Every ten-character text of the shape YYYY-MM-DD over a few years, months 00–13 and days 00–32: the
        // scanner's rule, SQLite's date(x, '+0 days') IS x (the query's) and Clock.validDay agree.
        var texts: [String] = []
        for y in ["0000", "1900", "2000", "2023", "2024", "9999"] {
            for m in 0...13 { for d in 0...32 { texts.append(String(format: "%@-%02d-%02d", y, m, d)) } }
        }
        let sqlDays = try DatabaseQueue().read { db in
            try texts.map { try Bool.fetchOne(db, sql: "SELECT date(?, '+0 days') IS ?", arguments: [$0, $0]) ?? false }
        }
        for (text, sqlDay) in zip(texts, sqlDays) {
            let scanned = Array(text.utf8).withUnsafeBufferPointer { KeptKeyScan.isDay($0) }
            #expect(scanned == (Clock.validDay(text) != nil) && sqlDay == scanned, "\(text)")
        }
    }
}
