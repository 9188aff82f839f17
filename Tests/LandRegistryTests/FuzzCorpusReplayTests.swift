import Foundation
import Testing

@testable import LandRegistry

/// Replays the committed fuzz corpus of the CSV reader (tools/fuzz/corpus/csv) and of the date check
/// (tools/fuzz/corpus/options/day-*) with the properties the fuzz harnesses check, so that an input that once
/// crashed or failed a harness (committed as `crash-*`) stays fixed.
enum FuzzCorpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tools/fuzz/corpus")

    static func files(_ harness: String) throws -> [URL] {
        let folder = root.appendingPathComponent(harness)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        try #require(!names.isEmpty, "no fuzz corpus in \(folder.path): tools/fuzz/corpus/\(harness) is committed")
        return names.sorted().map { folder.appendingPathComponent($0) }
    }
}

@Suite("Fuzz corpus replay (CSV, dates)")
struct FuzzCorpusReplayTests {
    /// RFC 4180 with every field quoted, as the CSV harness writes a parsed table back (quotes doubled per
    /// Unicode scalar: a quote followed by a combining mark is one Character).
    static func serialized(_ t: CSVTable) -> String {
        func quote(_ s: String) -> String {
            var out = "\""
            for c in s.unicodeScalars {
                if c == "\"" { out.unicodeScalars.append("\"") }
                out.unicodeScalars.append(c)
            }
            out.unicodeScalars.append("\"")
            return out
        }
        return ([t.header] + t.rows).map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    @Test("every CSV seed: a parsed table written back and parsed again is the same; the samples parse")
    func csv() throws {
        var parsed = 0
        for url in try FuzzCorpus.files("csv") {
            let name = url.lastPathComponent
            guard let table = try? CSVTable(contentsOf: url.path) else {
                // The sample tables of GeoData/ and seeds/ must parse; only the hand-made hostile seeds may be refused.
                #expect(
                    ["ragged.csv", "unterminated.csv", "quote-in-field.csv", "not-utf8.csv"].contains(name)
                        || name.hasPrefix("crash-"), "\(name) is refused")
                continue
            }
            parsed += 1
            #expect(table.rows.allSatisfy { $0.count == table.header.count }, "\(name)")
            if table.header == [""] { continue }
            let again = try CSVTable(text: Self.serialized(table), file: "reserialized")
            #expect(again.header == table.header && again.rows == table.rows, "\(name)")
        }
        #expect(parsed >= 10)
    }

    @Test("the dialect's corners in the corpus parse as RFC 4180 says")
    func csvCorners() throws {
        let quoted = try CSVTable(contentsOf: FuzzCorpus.root.appendingPathComponent("csv/quoted-newlines.csv").path)
        #expect(quoted.rows == [["A1", "line one\nline two"], ["A2", "say \"hi\", twice"]])
        #expect(quoted.lineNumbers == [2, 4])
        let bom = try CSVTable(contentsOf: FuzzCorpus.root.appendingPathComponent("csv/bom-crlf.csv").path)
        #expect(bom.header == ["credit_code", "name"] && bom.rows == [["91330110MANN6LRU7B", "杭州,盛鑫"]])
        let cr = try CSVTable(contentsOf: FuzzCorpus.root.appendingPathComponent("csv/cr-in-quotes.csv").path)
        #expect(cr.rows == [["x\r\ny", "2"]])
    }

    @Test("every date seed: Clock.validDay accepts exactly the real YYYY-MM-DD days")
    func days() throws {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = TimeZone(identifier: "UTC")!
        var accepted = 0, replayed = 0
        for url in try FuzzCorpus.files("options")
        where url.lastPathComponent.hasPrefix("day-")
            || url.lastPathComponent.hasPrefix("crash-")
        {
            let bytes = Array(try Data(contentsOf: url))
            guard bytes.first.map({ $0 % 3 == 1 }) == true else { continue }
            let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
            replayed += 1
            let scalars = Array(text.unicodeScalars)
            let shaped =
                scalars.count == 10
                && scalars.enumerated().allSatisfy { i, c in
                    i == 4 || i == 7 ? c == "-" : ("0"..."9").contains(c)
                }
            let day = Clock.validDay(text)
            if day != nil { accepted += 1 }
            #expect(day == nil || (day == text && shaped), "validDay accepted \(text.debugDescription)")
            if shaped, let y = Int(text.prefix(4)), y >= 1600 {
                let exists = DateComponents(year: y, month: Int(text.dropFirst(5).prefix(2)), day: Int(text.suffix(2)))
                    .isValidDate(in: gregorian)
                #expect(exists == (day != nil), "validDay(\(text.debugDescription)) against the Gregorian calendar")
            }
        }
        #expect(replayed >= 5 && accepted >= 3)
    }
}
