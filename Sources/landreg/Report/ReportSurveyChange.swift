import ArgumentParser
import Foundation
import LandAnalysis
import LandFormats
import LandRegistry

/// How the survey reports group.
enum SurveyGrouping: String, ExpressibleByArgument, CaseIterable {
    case `class`, village
}

/// `--from` and `--to`, the two survey versions every survey report compares.
struct SurveyPair: ParsableArguments {
    @Option(help: "The earlier survey year.") var from: Int
    @Option(help: "The later survey year.") var to: Int
    func validate() throws {
        if from >= to { throw ValidationError("--from \(from) must be earlier than --to \(to)") }
    }
}

/// `--from`, `--to` and `--min-area` of the unreported-construction report and its export, and the computation both
/// make.
struct UnreportedConstructionQuery: ParsableArguments {
    @OptionGroup var versions: SurveyPair
    // .unconditional: `--min-area -1` is a value to refuse below, not an unknown option `-1`.
    @Option(parsing: .unconditional, help: "Smallest polygon kept, m² (ellipsoidal).") var minArea = 1.0

    func validate() throws {
        if !(minArea >= 0) { throw ValidationError("--min-area must be a non-negative number of m²") }
    }

    func compute(_ registry: Registry) throws -> UnreportedConstructionReport {
        try UnreportedConstruction.compute(registry, from: versions.from, to: versions.to, minAreaM2: minArea)
    }
}

extension ReportCommand {
    struct SurveyChangeReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "survey-change",
            abstract: "The land-use transition matrix between two survey versions (overlay, not matched by code).",
            discussion: """
                Area of earlier class → later class (first-level GB/T 21010 classes) from the overlay of the two \
                versions; the diagonal is unchanged land. Ellipsoidal areas (CGCS2000), planar alongside in JSON/CSV.
                """)
        @OptionGroup var versions: SurveyPair
        @Option(help: "class (one matrix) or village (one per village of the later parcel).")
        var by: SurveyGrouping = .class
        @OptionGroup var result: ReportOutputOptions
        @OptionGroup var store: StoreOptions

        func run() throws {
            let workbook = try result.checkedWorkbook(store: store) // before the store is opened
            let registry = try store.openForReading()
            let r = try SurveyChange.compute(registry, from: versions.from, to: versions.to, byVillage: by == .village)
            if result.format == .json { try printJSON(r); return }
            if let workbook {
                try ReportWorkbookExport.write(
                    [ReportSheets.surveyChange(r)], to: workbook.path, policy: workbook.policy)
                printOut("wrote the survey-change report \(r.from) → \(r.to) to \(workbook.path)\n")
                return
            }
            var t = TextTable(
                (by == .village ? ["village"] : []) + ["from class", "to class", "area m²", "area 亩", "planar m²"],
                rightAligned: Set((by == .village ? 3 : 2)...(by == .village ? 5 : 4)))
            for c in r.cells {
                t.add(
                    (by == .village ? [c.village ?? "–"] : []) + [
                        c.fromClass, c.toClass, Format.m2(c.areaM2), Format.mu(c.areaM2), Format.m2(c.planarAreaM2)
                    ])
            }
            var out = ""
            if result.format == .table || result.format == .md {
                out += "Land-use change \(r.from) → \(r.to); areas ellipsoidal (CGCS2000)\n\n"
            }
            out += t.render(result.format.text)
            if result.format == .table || result.format == .md {
                out +=
                    "\nunchanged class: \(Format.m2(r.unchangedAreaM2)) m² = \(Format.mu(r.unchangedAreaM2)) 亩; "
                    + "changed class: \(Format.m2(r.changedAreaM2)) m² = \(Format.mu(r.changedAreaM2)) 亩\n"
            }
            printOut(out)
        }
    }

    struct FarmlandBalanceReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "farmland-balance",
            abstract: "The farmland ledger (耕地进出平衡) between two survey versions: out, in, net, owed.")
        @OptionGroup var versions: SurveyPair
        @Option(help: "class (the subdistrict) or village (one ledger per village).")
        var by: SurveyGrouping = .class
        @OptionGroup var result: ReportOutputOptions
        @Flag(help: ArgumentHelp("The same as --format json.", visibility: .hidden)) var json = false
        @OptionGroup var store: StoreOptions

        func validate() throws { try JSONFlag.check(json, with: result) }

        func run() throws {
            let workbook = try result.checkedWorkbook(store: store) // before the store is opened
            let registry = try store.openForReading()
            let r = try FarmlandBalance.compute(
                registry, from: versions.from, to: versions.to, byVillage: by == .village)
            if json || result.format == .json { try printJSON(r); return }
            if let workbook {
                try ReportWorkbookExport.write(
                    ReportSheets.farmlandBalance(r), to: workbook.path, policy: workbook.policy)
                printOut("wrote the farmland ledger \(r.from) → \(r.to) to \(workbook.path)\n")
                return
            }
            let titled = result.format == .table || result.format == .md
            var out = titled ? "Farmland ledger \(r.from) → \(r.to); areas ellipsoidal (CGCS2000)\n\n" : ""
            var t = TextTable(
                ["village", "direction", "class", "area m²", "area 亩", "planar m²"], rightAligned: [3, 4, 5])
            for l in [r.total] + r.villages {
                let v = l.village ?? "all"
                for line in l.out {
                    t.add([
                        v, "out to", line.balanceClass, Format.m2(line.areaM2), Format.mu(line.areaM2),
                        Format.m2(line.planarAreaM2)
                    ])
                }
                for line in l.in {
                    t.add([
                        v, "in from", line.balanceClass, Format.m2(line.areaM2), Format.mu(line.areaM2),
                        Format.m2(line.planarAreaM2)
                    ])
                }
                for (label, m2, planar) in [
                    ("out", l.outM2, l.outPlanarM2), ("in", l.inM2, l.inPlanarM2), ("net", l.netM2, l.netPlanarM2),
                    ("owed", l.owedM2, l.owedPlanarM2)
                ] {
                    t.add([v, label, "", Format.m2(m2), Format.mu(m2), Format.m2(planar)])
                }
            }
            out += t.render(result.format.text)
            printOut(out)
        }
    }

    struct UnreportedConstructionReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unreported-construction",
            abstract: "Farmland that became construction land with no violation spot or approval behind it.")
        @OptionGroup var query: UnreportedConstructionQuery
        @OptionGroup var result: ReportOutputOptions
        @Flag(help: ArgumentHelp("The same as --format json.", visibility: .hidden)) var json = false
        @OptionGroup var store: StoreOptions

        func validate() throws { try JSONFlag.check(json, with: result) }

        func run() throws {
            let workbook = try result.checkedWorkbook(store: store) // before the store is opened
            let r = try query.compute(try store.openForReading())
            if json || result.format == .json { try printJSON(r); return }
            if let workbook {
                try ReportWorkbookExport.write(
                    [ReportSheets.unreportedConstruction(r)], to: workbook.path, policy: workbook.policy)
                printOut("wrote the unreported-construction report \(r.from) → \(r.to) to \(workbook.path)\n")
                return
            }
            var t = TextTable(
                ["later code", "village", "before", "after", "area m²", "area 亩"], rightAligned: [4, 5])
            for p in r.polygons {
                t.add([
                    p.laterCodes.joined(separator: " "), p.village ?? "", p.landUseBefore ?? "", p.landUseAfter ?? "",
                    Format.m2(p.areaM2), Format.mu(p.areaM2)
                ])
            }
            let sources = ["spot", "approval"].map { kind in
                Format.count(r.reportedSources[kind] ?? 0, kind)
            }.joined(separator: " and ")
            guard result.format == .table || result.format == .md else {
                printOut(t.render(result.format.text))
                return
            }
            printOut(
                "Unreported construction \(r.from) → \(r.to) (farmland → construction, minus \(sources) "
                    + "dated up to \(r.to)-12-31)\n\n"
                    + t.render(result.format.text)
                    + "\ntotal: \(r.polygons.count) polygons, \(Format.m2(r.totalM2)) m² = \(Format.mu(r.totalM2)) 亩 "
                    + "(farmland → construction before subtracting: \(Format.m2(r.convertedM2)) m²)\n")
        }
    }
}

/// `--json`, kept from the first version of the ledger and the unreported list: `--format json` by another name.
enum JSONFlag {
    static func check(_ json: Bool, with result: ReportOutputOptions) throws {
        if json && result.format != .table && result.format != .json {
            throw ValidationError("--json and --format \(result.format.rawValue) ask for two forms: give one")
        }
    }
}

extension ReportSheets {
    /// The transition matrix as an office table: one row per non-empty cell, the diagonal marked.
    static func surveyChange(_ r: SurveyChangeReport) -> OfficeSheet {
        let rows: [[OfficeCell]] = r.cells.map { c in
            (r.byVillage ? [OfficeCell.text(c.village ?? "–")] : []) + [
                .text(c.fromClass), .text(c.toClass), .text(c.fromClass == c.toClass ? "未变" : "变化"),
                .number(c.areaM2), .number(c.areaMu), .number(c.planarAreaM2)
            ]
        }
        let total = r.unchangedAreaM2 + r.changedAreaM2
        let blanks = [OfficeCell](repeating: .empty, count: r.byVillage ? 3 : 2)
        return OfficeSheet(
            name: r.byVillage ? "按村" : "地类变化", title: "地类变化 \(r.from) → \(r.to)（面积为 CGCS2000 椭球面积）",
            columns: (r.byVillage ? [OfficeColumn("村", .text, width: 16)] : []) + [
                OfficeColumn("原地类", .text), OfficeColumn("现地类", .text), OfficeColumn("变化", .text),
                OfficeColumn("面积（m²）", .squareMetres), OfficeColumn("面积（亩）", .mu),
                OfficeColumn("平面面积（m²）", .squareMetres)
            ],
            rows: rows,
            totals: [.text("合计")] + blanks + [.number(total), .number(AreaUnits.mu(total)), .empty])
    }
}

extension ReportSheets {
    /// The ledger's classes as a county table names them.
    static let ledgerClassNames: [String: String] = [
        "farmland": "耕地", "garden": "园地", "forest": "林地", "grassland": "草地", "other-agricultural": "其他农用地",
        "construction": "建设用地", "unused": "未利用地", "unclassified": "未归类"
    ]

    /// The farmland ledger: one sheet for the subdistrict, and with villages one more listing every village's.
    /// Each ledger's lines: 流出 by destination, 流入 by origin, then 流出合计, 流入合计, 净增 and 应补 (owed).
    static func farmlandBalance(_ r: FarmlandBalanceReport) -> [OfficeSheet] {
        func rows(_ l: FarmlandLedger) -> [[OfficeCell]] {
            let v = OfficeCell.text(l.village ?? "全街道")
            func line(_ direction: String, _ cls: String, _ m2: Double, _ planar: Double) -> [OfficeCell] {
                [v, .text(direction), .text(cls), .number(m2), .number(AreaUnits.mu(m2)), .number(planar)]
            }
            return l.out.map {
                line("流出至", ledgerClassNames[$0.balanceClass] ?? $0.balanceClass, $0.areaM2, $0.planarAreaM2)
            }
                + l.in.map {
                    line("流入自", ledgerClassNames[$0.balanceClass] ?? $0.balanceClass, $0.areaM2, $0.planarAreaM2)
                }
                + [
                    line("流出合计", "", l.outM2, l.outPlanarM2), line("流入合计", "", l.inM2, l.inPlanarM2),
                    line("净增", "", l.netM2, l.netPlanarM2), line("应补", "", l.owedM2, l.owedPlanarM2)
                ]
        }
        let columns = [
            OfficeColumn("村", .text, width: 16), OfficeColumn("方向", .text), OfficeColumn("地类", .text),
            OfficeColumn("面积（m²）", .squareMetres), OfficeColumn("面积（亩）", .mu),
            OfficeColumn("平面面积（m²）", .squareMetres)
        ]
        let title = "耕地进出平衡 \(r.from) → \(r.to)（面积为 CGCS2000 椭球面积）"
        var sheets = [OfficeSheet(name: "耕地进出平衡", title: title, columns: columns, rows: rows(r.total))]
        if !r.villages.isEmpty {
            sheets.append(
                OfficeSheet(name: "按村", title: title, columns: columns, rows: r.villages.flatMap(rows)))
        }
        return sheets
    }

    /// The unreported construction polygons, largest first within each later parcel, with the total.
    static func unreportedConstruction(_ r: UnreportedConstructionReport) -> OfficeSheet {
        OfficeSheet(
            name: "未报建设",
            title: "耕地变建设未报 \(r.from) → \(r.to)（扣除图斑及 \(r.to)-12-31 前批文；面积为 CGCS2000 椭球面积）",
            columns: [
                OfficeColumn("现图斑编号", .text, width: 22), OfficeColumn("村", .text, width: 16),
                OfficeColumn("原地类", .text), OfficeColumn("现地类", .text),
                OfficeColumn("面积（m²）", .squareMetres), OfficeColumn("面积（亩）", .mu),
                OfficeColumn("平面面积（m²）", .squareMetres)
            ],
            rows: r.polygons.map { p in
                [
                    .text(p.laterCodes.joined(separator: " ")), .text(p.village ?? ""), .text(p.landUseBefore ?? ""),
                    .text(p.landUseAfter ?? ""), .number(p.areaM2), .number(p.areaMu), .number(p.planarAreaM2)
                ]
            },
            totals: [
                .text("合计（\(r.polygons.count) 块）"), .empty, .empty, .empty, .number(r.totalM2), .number(r.totalMu),
                .number(r.totalPlanarM2)
            ])
    }
}
