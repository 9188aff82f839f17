import ArgumentParser
import LandAnalysis
import LandFormats
import LandRegistry

// MARK: - Reports as office tables (--format xlsx -o FILE)
//
// The sheets of each report, laid out for a county office: Chinese headers with units, 亩 0.00, m² 0.0, rates
// 0.0%, a bold totals row (OfficeWorkbookWriter prints A4 landscape, header repeated, one page wide). The
// figures are the report's own values (the same struct `--format json` prints), never re-rounded: the number
// formats only change how Excel shows them. Layout and check columns: docs/exports.md.

enum ReportSheets {
    static let statusNames: [String: String] = [
        "reported": "已上报", "verifying": "核查中", "legal": "合法", "other": "其他", "illegal": "违法",
        "rectifying": "整改中", "rectified": "已整改", "closed": "已销号", "split": "已拆分", "submitted": "审核中",
        "reviewed": "审核通过"
    ]
    static let measureNames: [String: String] = [
        "demolish-restore": "拆除复耕", "supplementary-approval": "补办手续", "mixed": "拆补结合",
        "confiscation": "没收", "other": "其他"
    ]
    static let supplementaryApproval = "supplementary-approval"

    /// The word for a zone kind in sheet names and headers (按村, 村).
    static func zoneWord(_ kind: String?) -> String {
        switch kind {
        case "village": return "村"
        case "community": return "社区"
        case "grid": return "网格"
        case "basic-farmland": return "基本农田保护区"
        case "development-area": return "开发区"
        default: return "区域"
        }
    }

    // MARK: Rectification

    /// Rectified illegal spots of one group by measure: 已整改 = 拆除复耕 + 补办手续 + 其他方式, where 其他方式 is
    /// every other measure (拆补结合, 没收, 其他) or none recorded. Each part is counted on its own subset of the
    /// spots, so the check column is a real check, not a difference.
    struct RectifiedByMeasure {
        var demolishRestore: [String: Int] = [:]
        var supplementaryApproval: [String: Int] = [:]
        var other: [String: Int] = [:]
        /// Illegal spots not yet rectified (illegal or rectifying), per group.
        var unrectified: [String: Int] = [:]
    }

    static func rectifiedByMeasure(
        spots: [Spot], asOf: String, by: RectificationGrouping,
        zones: [(code: String, name: String?)], zoneKind: String?
    ) -> RectifiedByMeasure {
        func counts(_ subset: [Spot], _ value: (RectificationGroup) -> Int) -> [String: Int] {
            let r = Rectification.report(spots: subset, asOf: asOf, by: by, zones: zones, zoneKind: zoneKind)
            var out = Dictionary(r.groups.map { ($0.group, value($0)) }, uniquingKeysWith: { a, _ in a })
            out["total"] = value(r.total)
            return out
        }
        // Rectified only once every review level passed; a split parent is neither (its children count).
        let rectified = spots.filter(Rectification.countsAsRectified)
        return RectifiedByMeasure(
            demolishRestore: counts(rectified.filter { $0.measure == Rectification.demolishRestore }, \.rectifiedSpots),
            supplementaryApproval: counts(rectified.filter { $0.measure == supplementaryApproval }, \.rectifiedSpots),
            other: counts(
                rectified.filter { $0.measure != Rectification.demolishRestore && $0.measure != supplementaryApproval },
                \.rectifiedSpots),
            unrectified: counts(
                spots.filter { $0.isIllegal && $0.status != .split && !Rectification.countsAsRectified($0) },
                \.illegalSpots))
    }

    static func rectificationGroups(_ r: RectificationReport, measures m: RectifiedByMeasure) -> OfficeSheet {
        let byZone = r.by == .zone
        let word = byZone ? zoneWord(r.zoneKind) : "批次"
        var columns = [OfficeColumn(word, .text, width: 16)]
        if byZone { columns.append(OfficeColumn("名称", .text, width: 14)) }
        columns += [
            OfficeColumn("监测图斑（个）", .count), OfficeColumn("总数（个）", .count), OfficeColumn("已整改（个）", .count),
            OfficeColumn("拆除复耕（个）", .count), OfficeColumn("补办手续（个）", .count), OfficeColumn("其他方式（个）", .count),
            OfficeColumn("未整改（个）", .count), OfficeColumn("违法面积（亩）", .mu), OfficeColumn("违法占用耕地（亩）", .mu),
            OfficeColumn("其中基本农田（亩）", .mu), OfficeColumn("未整改面积（亩）", .mu), OfficeColumn("整改率（按个数）", .rate),
            OfficeColumn("整改率（按面积）", .rate), OfficeColumn("销号率", .rate), OfficeColumn("拆除复耕完成率", .rate),
            OfficeColumn("逾期（个）", .count), OfficeColumn("无整改期限（个）", .count),
            OfficeColumn("原始下发（个）", .count), OfficeColumn("核查（个）", .count), OfficeColumn("填报率", .rate),
            OfficeColumn("报审（次）", .count), OfficeColumn("打回（次）", .count), OfficeColumn("差错率", .rate)
        ]
        func row(_ g: RectificationGroup, label: String) -> [OfficeCell] {
            var cells: [OfficeCell] = [.text(label)]
            if byZone { cells.append(g.name.map(OfficeCell.text) ?? .empty) }
            let key = g.group
            cells += [
                .count(g.spots), .count(g.illegalSpots), .count(g.rectifiedSpots),
                .count(m.demolishRestore[key] ?? 0), .count(m.supplementaryApproval[key] ?? 0),
                .count(m.other[key] ?? 0),
                .count(m.unrectified[key] ?? 0),
                .number(AreaUnits.mu(g.illegalAreaM2)), .number(AreaUnits.mu(g.illegalFarmlandM2)),
                .number(AreaUnits.mu(g.illegalBasicFarmlandM2)), .number(AreaUnits.mu(g.remainingM2)),
                .value(g.rectificationRateByCount), .value(g.rectificationRateByArea), .value(g.closeOutRate),
                .value(g.demolishRestoreCompletion), .count(g.overdueSpots), .count(g.noDeadlineSpots),
                .count(g.issuedSpots), .count(g.verifiedSpots), .value(g.fillRate), .count(g.submissions),
                .count(g.returns), .value(g.errorRate)
            ]
            return cells
        }
        return OfficeSheet(
            name: "按\(word)",
            title: "违法图斑整改统计（按\(word)，截至 \(r.asOf)，面积为 CGCS2000 椭球面积）",
            columns: columns,
            rows: r.groups.map { row($0, label: $0.group == "(none)" ? "（不在任何\(word)）" : $0.group) },
            totals: row(r.total, label: "合计"))
    }

    static func rectificationListing(_ name: String, title: String, _ spots: [RectificationListedSpot]) -> OfficeSheet {
        OfficeSheet(
            name: name, title: title,
            columns: [
                OfficeColumn("图斑编号", .text, width: 18), OfficeColumn("批次", .text, width: 12),
                OfficeColumn("状态", .text, width: 8), OfficeColumn("整改方式", .text, width: 10),
                OfficeColumn("整改期限", .text, width: 12), OfficeColumn("逾期天数", .count),
                OfficeColumn("图斑面积（m²）", .squareMetres), OfficeColumn("耕地面积（m²）", .squareMetres),
                OfficeColumn("未整改面积（m²）", .squareMetres), OfficeColumn("所在区域", .text, width: 20)
            ],
            rows: spots.map { s in
                [
                    .text(s.code), .text(s.batch), .text(statusNames[s.status.rawValue] ?? s.status.rawValue),
                    s.measure.map { .text(measureNames[$0] ?? $0) } ?? .empty,
                    s.deadline.map(OfficeCell.text) ?? .empty,
                    s.daysOverdue.map { .count($0) } ?? .empty, .number(s.areaM2), .number(s.farmlandAreaM2),
                    .number(s.remainingM2), .text(s.zoneCodes.joined(separator: " "))
                ]
            })
    }

    // MARK: Utilisation

    static func utilisationSites(_ r: UtilisationReport) -> OfficeSheet {
        let title = "工业用地利用情况（按地块，截至 \(r.asOf)，亩均 \(r.year.map(String.init) ?? "无企业数据") 年度）"
        return OfficeSheet(
            name: "按地块", title: title,
            columns: [
                OfficeColumn("地块编号", .text, width: 14), OfficeColumn("权利人", .text, width: 22),
                OfficeColumn("阶段", .text, width: 10), OfficeColumn("土地面积（亩）", .mu),
                OfficeColumn("容积率", .number("0.00")), OfficeColumn("建筑密度", .rate), OfficeColumn("出租率", .rate),
                OfficeColumn("空置率", .rate), OfficeColumn("租户（个）", .count),
                OfficeColumn("亩均税收（万元/亩）", .number("0.00")), OfficeColumn("亩均增加值（万元/亩）", .number("0.00")),
                OfficeColumn("分类", .text, width: 6), OfficeColumn("提示", .text, width: 24)
            ],
            rows: r.sites.map { s in
                [
                    .text(s.code), (s.holderName ?? s.holder).map(OfficeCell.text) ?? .empty, .text(s.stage),
                    .number(AreaUnits.mu(s.landAreaM2)), .value(s.far), .value(s.coverage), .value(s.occupancy),
                    .value(s.vacancy),
                    .count(s.tenants), .value(s.taxPerMu), .value(s.valueAddedPerMu),
                    s.holderClass.map(OfficeCell.text) ?? .empty,
                    .text(ReportCommand.Utilisation.flags(s))
                ]
            },
            totals: [
                .text("合计"), .empty, .empty, .number(AreaUnits.mu(r.sites.reduce(0) { $0 + $1.landAreaM2 })),
                .empty, .empty, .empty, .empty, .count(r.sites.reduce(0) { $0 + $1.tenants })
            ])
    }

    static func utilisationZones(_ r: UtilisationReport) -> OfficeSheet {
        let zones = r.zones ?? []
        let word = zoneWord(r.zoneKind)
        return OfficeSheet(
            name: "按\(word)", title: "工业用地利用情况（按\(word)，截至 \(r.asOf)）",
            columns: [
                OfficeColumn(word, .text, width: 14), OfficeColumn("名称", .text, width: 14),
                OfficeColumn("地块（个）", .count), OfficeColumn("土地面积（亩）", .mu), OfficeColumn("容积率", .number("0.00")),
                OfficeColumn("建筑密度", .rate), OfficeColumn("出租率", .rate), OfficeColumn("租户（个）", .count),
                OfficeColumn("亩均税收（万元/亩）", .number("0.00")), OfficeColumn("亩均增加值（万元/亩）", .number("0.00")),
                OfficeColumn("超租（个）", .count), OfficeColumn("容积率不达标（个）", .count),
                OfficeColumn("建筑密度<30%（个）", .count)
            ],
            rows: zones.map { z in
                [
                    .text(z.zoneCode ?? "（不在任何\(word)）"), z.zoneName.map(OfficeCell.text) ?? .empty, .count(z.sites),
                    .number(AreaUnits.mu(z.landAreaM2)), .value(z.far), .value(z.coverage), .value(z.occupancy),
                    .count(z.tenants),
                    .value(z.taxPerMu), .value(z.valueAddedPerMu), .count(z.overLeasedSites),
                    .count(z.farBelowMinSites),
                    .count(z.coverageBelow30Sites)
                ]
            },
            totals: [
                .text("合计"), .empty, .count(zones.reduce(0) { $0 + $1.sites }),
                .number(AreaUnits.mu(zones.reduce(0) { $0 + $1.landAreaM2 })), .empty, .empty, .empty,
                .count(zones.reduce(0) { $0 + $1.tenants })
            ])
    }

    static func utilisationEnterprises(_ r: UtilisationReport) -> OfficeSheet {
        OfficeSheet(
            name: "企业亩均效益", title: "企业亩均效益（\(r.year.map(String.init) ?? "无企业数据") 年度，按实际用地）",
            columns: [
                OfficeColumn("统一社会信用代码", .text, width: 22), OfficeColumn("企业名称", .text, width: 26),
                OfficeColumn("自有用地（亩）", .mu), OfficeColumn("租入（亩）", .mu), OfficeColumn("租出（亩）", .mu),
                OfficeColumn("实际用地（亩）", .mu), OfficeColumn("税收（万元）", .number("0.0")),
                OfficeColumn("亩均税收（万元/亩）", .number("0.00")), OfficeColumn("亩均增加值（万元/亩）", .number("0.00")),
                OfficeColumn("分类", .text, width: 6)
            ],
            rows: r.enterprises.map { e in
                [
                    .text(e.creditCode), e.name.map(OfficeCell.text) ?? .empty, .number(AreaUnits.mu(e.ownLandM2)),
                    .number(AreaUnits.mu(e.leasedInLandM2)), .number(AreaUnits.mu(e.leasedOutLandM2)),
                    .number(AreaUnits.mu(e.actualLandM2)), .value(e.taxYuan.map { $0 / 10_000 }), .value(e.taxPerMu),
                    .value(e.valueAddedPerMu), e.efficiencyClass.map(OfficeCell.text) ?? .empty
                ]
            })
    }

    // MARK: Reclaimable

    static func reclaimable(_ r: ReclaimableReport, byZone: Bool) -> OfficeSheet {
        let word = byZone ? zoneWord(r.zoneKind) : "类别"
        func row(_ label: String, _ name: String?, _ f: ReclaimFigures) -> [OfficeCell] {
            [
                .text(label), name.map(OfficeCell.text) ?? .empty, .count(f.sources), .number(f.potentialM2),
                .number(AreaUnits.mu(f.potentialM2)), .number(AreaUnits.mu(f.progressM2)),
                .number(AreaUnits.mu(f.remainingM2))
            ]
        }
        var rows: [[OfficeCell]]
        if byZone {
            rows = r.zones.map { row($0.code, $0.name, $0.total) }
            if let outside = r.outsideZonesM2, outside > 0.005 {
                rows.append([
                    .text("（不在任何\(word)）"), .empty, .empty, .number(outside), .number(AreaUnits.mu(outside)), .empty,
                    .empty
                ])
            }
        } else {
            rows = [row("耕地恢复", "违法图斑待复耕", r.farmland), row("低效工业用地", "待收回地块", r.industrial)]
        }
        return OfficeSheet(
            name: "按\(word)", title: "可收回土地（截至 \(r.asOf)，重叠部分只计一次，面积为 CGCS2000 椭球面积）",
            columns: [
                OfficeColumn(word, .text, width: 16), OfficeColumn("名称", .text, width: 18),
                OfficeColumn("来源（个）", .count),
                OfficeColumn("潜力面积（m²）", .squareMetres), OfficeColumn("潜力面积（亩）", .mu),
                OfficeColumn("已完成（亩）", .mu), OfficeColumn("剩余（亩）", .mu)
            ],
            rows: rows, totals: row("合计", "只计一次", r.total))
    }
}
