import Foundation
import LandGeometry
import LandRegistry

// MARK: - 亩均 efficiency classes
//
// Rule: an enterprise gets the best class (A > B > C > D) every one of whose threshold rows it meets
// (indicator value ≥ min_value). A value that is unknown meets nothing. An enterprise that meets no class
// entirely gets the worst class the table has (D in the example default, whose minimum 0 catches the rest,
// but also a negative value added). The values are local policy: seeds/efficiency-thresholds.csv is an
// example default, replaceable with `--thresholds FILE` (columns indicator,class,min_value[,unit,note]).

/// A thresholds table, checked.
public struct EfficiencyThresholds: Sendable {
    /// The indicators landreg computes, with their units.
    public static let indicators: [String: String] = ["tax_per_mu": "万元/亩", "value_added_per_mu": "万元/亩"]
    public static let classes = ["A", "B", "C", "D"]
    /// The columns a thresholds CSV may have (indicator, class and min_value are required).
    public static let columns = ["indicator", "class", "min_value", "unit", "note"]

    public let rows: [EfficiencyThreshold]
    /// Where the table came from ("store" or a file path), for the report.
    public let source: String

    /// Checks a table: known indicators and classes, one row per (indicator, class), at least one row.
    /// - Throws: `ThresholdsError` listing every problem.
    public init(rows: [EfficiencyThreshold], source: String, lines: [Int]? = nil) throws {
        var problems: [String] = []
        var seen = Set<String>()
        for (i, r) in rows.enumerated() {
            let at = lines.map { "line \($0[i]): " } ?? ""
            if Self.indicators[r.indicator] == nil {
                problems.append(
                    at
                        + "unknown indicator \"\(r.indicator)\" (known: \(Self.indicators.keys.sorted().joined(separator: ", ")))"
                )
            }
            if !Self.classes.contains(r.efficiencyClass) {
                problems.append(at + "class \"\(r.efficiencyClass)\" is not A, B, C or D")
            }
            if !r.minValue.isFinite { problems.append(at + "min_value is not a number") }
            if !seen.insert(r.indicator + "/" + r.efficiencyClass).inserted {
                problems.append(at + "\(r.indicator) has two rows for class \(r.efficiencyClass)")
            }
        }
        if rows.isEmpty { problems.append("the table has no rows") }
        if !problems.isEmpty { throw ThresholdsError(source: source, problems: problems) }
        self.rows = rows
        self.source = source
    }

    /// Reads a thresholds CSV file (indicator,class,min_value[,unit,note]). - Throws: `ThresholdsError`.
    public static func load(file: String) throws -> EfficiencyThresholds {
        let csv: CSVTable
        do {
            try InputFile.regular(file, role: "thresholds")
            csv = try CSVTable(contentsOf: file)
            try csv.require(["indicator", "class", "min_value"], known: columns)
        } catch let e as CSVError {
            throw ThresholdsError(source: file, problems: [(e.line.map { "line \($0): " } ?? "") + e.message])
        } catch let e as InputFileError {
            throw ThresholdsError(source: file, problems: [e.problem])
        }
        var rows: [EfficiencyThreshold] = []
        var lines: [Int] = []
        var problems: [String] = []
        for i in csv.rows.indices {
            let r = csv.record(i)
            let text = (r["min_value"] ?? "").trimmingCharacters(in: .whitespaces)
            guard let v = Double(text), v.isFinite else {
                problems.append("line \(csv.lineNumbers[i]): min_value \"\(text)\" is not a number"); continue
            }
            rows.append(
                EfficiencyThreshold(
                    indicator: (r["indicator"] ?? "").trimmingCharacters(in: .whitespaces),
                    efficiencyClass: (r["class"] ?? "").trimmingCharacters(in: .whitespaces),
                    minValue: v, unit: r["unit"]))
            lines.append(csv.lineNumbers[i])
        }
        do {
            let table = try EfficiencyThresholds(rows: rows, source: file, lines: lines)
            if !problems.isEmpty { throw ThresholdsError(source: file, problems: problems) }
            return table
        } catch let e as ThresholdsError {
            throw ThresholdsError(source: file, problems: problems + e.problems)
        }
    }

    /// The class of an enterprise with these indicator values (see the rule above).
    public func classify(_ values: [String: Double]) -> String {
        let present = Self.classes.filter { c in rows.contains { $0.efficiencyClass == c } }
        for c in present {
            let needed = rows.filter { $0.efficiencyClass == c }
            if needed.allSatisfy({ r in values[r.indicator].map { $0 >= r.minValue } ?? false }) { return c }
        }
        // Invariant: `init` refuses an empty table and any class outside `classes`, so `present` is never empty.
        return present.last!
    }
}

/// A thresholds table that cannot be used, with every problem.
public struct ThresholdsError: Error, LocalizedError, Sendable {
    public let source: String
    public let problems: [String]
    public var errorDescription: String? {
        "thresholds \(source): " + problems.joined(separator: "; ")
    }
}
