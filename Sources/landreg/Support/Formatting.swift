import Foundation
import LandFormats
import LandRegistry

// MARK: - Text output: tables, numbers, areas
//
// Areas are computed in m² and converted only here: m² with 1 decimal (2 for small values), 亩 with
// 2 decimals, hectares with 2 decimals. Column widths count East Asian wide characters as two cells.

enum Format {
    static func number(_ v: Double, decimals: Int) -> String {
        String(format: "%.\(decimals)f", v)
    }

    static func m2(_ v: Double) -> String { number(v, decimals: 1) }
    static func mu(_ squareMetres: Double) -> String { number(AreaUnits.mu(squareMetres), decimals: 2) }
    static func ha(_ squareMetres: Double) -> String { number(AreaUnits.hectares(squareMetres), decimals: 2) }
    /// "1 site", "3 sites"; `plural` when the noun does not just take an s ("legend entries").
    static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
    }
    static func percent(_ ratio: Double?) -> String { ratio.map { number($0 * 100, decimals: 1) + "%" } ?? "–" }
}

/// A plain text table (or CSV / Markdown) of rows of cells.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns whose cells align right (numbers).
    var rightAligned: Set<Int> = []

    init(_ header: [String], rightAligned: Set<Int> = []) { self.header = header; self.rightAligned = rightAligned }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(_ format: OutputFormat = .table) -> String {
        switch format {
        case .csv:
            return ([header] + rows).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
        case .md:
            var lines = [
                "| " + header.joined(separator: " | ") + " |",
                "|" + header.indices.map { rightAligned.contains($0) ? "---:|" : "---|" }.joined()
            ]
            lines += rows.map {
                "| " + $0.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
            }
            return lines.joined(separator: "\n") + "\n"
        case .table, .json:
            let widths = header.indices.map { c in ([header] + rows).map { displayWidth($0[c]) }.max() ?? 0 }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { c, cell in
                    let pad = String(repeating: " ", count: widths[c] - displayWidth(cell))
                    return rightAligned.contains(c) ? pad + cell : cell + pad
                }.joined(separator: "  ").trimmingCharacters(in: .init(charactersIn: " "))
            }
            let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
            return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
        }
    }

    /// A CSV cell (RFC 4180). A text a spreadsheet could take for a formula gets a leading ' (FormulaGuard,
    /// docs/exports.md); a cell that reads as a number (a rendered figure such as -12.5) stays as it is. Checked and
    /// escaped per Unicode scalar, not per Character: CR LF is one Character (not "\n"), and a quote or comma
    /// followed by a combining mark is one Character too (found by tools/fuzz, csv harness).
    private func csvField(_ cell: String) -> String {
        let s = Double(cell) != nil ? cell : FormulaGuard.csvText(cell)
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return s
        }
        var out = "\""
        for c in s.unicodeScalars {
            if c == "\"" { out.unicodeScalars.append("\"") }
            out.unicodeScalars.append(c)
        }
        out.unicodeScalars.append("\"")
        return out
    }

    private func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v)
            return w + (wide ? 2 : 1)
        }
    }
}

func printOut(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
