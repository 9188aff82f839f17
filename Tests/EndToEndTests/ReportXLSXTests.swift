import Foundation
import Testing

/// Reports as office workbooks (--format xlsx -o), read back with openpyxl and compared with --format json.
@Suite("Reports as xlsx end to end", .serialized)
struct ReportXLSXTests {
    static func landreg(_ args: [String], _ dir: String, _ store: String) throws -> CLI.Result {
        try CLI.landreg(args + ["--store", store], in: dir)
    }

    /// Rectification by batch and by village in one workbook: every group and the totals hold the JSON report's
    /// figures, the check columns hold, and the sheet is set up for printing.
    @Test func rectificationWorkbookHoldsTheJSONFiguresAndItsChecks() throws {
        let (dir, store) = try FormatExportTests.sampleStore()
        let day = ["--as-of", "2026-06-30"]
        for by in ["batch", "zone"] {
            let j = try Self.landreg(["report", "rectification", "--by", by, "--format", "json"] + day, dir, store)
            #expect(j.status == 0, "\(j.stderr)")
            try j.stdout.write(toFile: "\(dir)/rect-\(by).json", atomically: true, encoding: .utf8)
        }
        let x = try Self.landreg(
            [
                "report", "rectification", "--by", "batch", "--by", "zone", "--format", "xlsx",
                "-o", "rect.xlsx"
            ] + day, dir, store)
        #expect(x.status == 0, "\(x.stderr)")
        let check = try CLI.python(
            """
            import json, sys, openpyxl
            d = sys.argv[1]
            wb = openpyxl.load_workbook(d + "/rect.xlsx")
            out = {"sheets": wb.sheetnames, "problems": [], "groups": 0}
            def near(a, b, tol=1e-9):
                if b is None: return a is None
                return a is not None and abs(a - b) <= tol * max(1, abs(b))
            for by, name in (("batch", "按批次"), ("zone", "按村")):
                ref = json.load(open(d + "/rect-" + by + ".json"))
                ws = wb[name]
                head = [c.value for c in ws[1]]
                col = {h: i for i, h in enumerate(head)}
                rows = list(ws.iter_rows(min_row=2))
                groups = ref["groups"] + [ref["total"]]
                if len(rows) != len(groups):
                    out["problems"].append(f"{name}: {len(rows)} rows for {len(groups)} groups")
                for r, g in zip(rows, groups):
                    v = lambda h: r[col[h]].value
                    label = "合计" if g["group"] == "total" else ("（不在任何村）" if g["group"] == "(none)" else g["group"])
                    checks = [
                        (v(head[0]) == label, "label"),
                        (v("监测图斑（个）") == g["spots"], "spots"),
                        (v("总数（个）") == g["illegal_spots"], "illegal"),
                        (v("已整改（个）") == g["rectified_spots"], "rectified"),
                        (v("总数（个）") == v("已整改（个）") + v("未整改（个）"), "总数 = 已整改 + 未整改"),
                        (v("已整改（个）") == v("拆除复耕（个）") + v("补办手续（个）") + v("其他方式（个）"), "已整改 = 拆除 + 补办 + 其他"),
                        (near(v("违法面积（亩）"), g["illegal_area_mu"]), "illegal mu"),
                        (near(v("违法占用耕地（亩）"), g["illegal_farmland_mu"]), "farmland mu"),
                        (near(v("其中基本农田（亩）"), g["illegal_basic_farmland_mu"]), "basic mu"),
                        (near(v("未整改面积（亩）"), g["remaining_mu"]), "remaining mu"),
                        (near(v("整改率（按个数）"), g["rectification_rate_by_count"]), "rate count"),
                        (near(v("整改率（按面积）"), g["rectification_rate_by_area"]), "rate area"),
                        (near(v("销号率"), g["close_out_rate"]), "close out"),
                        (near(v("拆除复耕完成率"), g["demolish_restore_completion"]), "demolish restore"),
                        (v("逾期（个）") == g["overdue_spots"], "overdue"),
                        (v("无整改期限（个）") == g["no_deadline_spots"], "no deadline"),
                    ]
                    out["problems"] += [f"{name} {g['group']}: {what}" for ok, what in checks if not ok]
                    out["groups"] += 1
                    if g["group"] == "total":
                        out.setdefault("total_bold", []).append(bool(r[0].font.b))
                        out.setdefault("total_rectified", []).append(v("已整改（个）"))
                    else:
                        out.setdefault("group_bold", []).append(bool(r[0].font.b))
                fmt = {h: rows[0][col[h]].number_format for h in head}
                out.setdefault("formats", []).append([fmt["违法面积（亩）"], fmt["整改率（按个数）"], fmt["总数（个）"]])
            for name in wb.sheetnames:
                ws = wb[name]
                ps = ws.page_setup
                out.setdefault("setup", []).append([ws.freeze_panes, ps.orientation, str(ps.paperSize), ws.print_title_rows,
                                                    bool(ws.sheet_properties.pageSetUpPr.fitToPage), ps.fitToWidth in (None, 1),
                                                    str(ps.fitToHeight), bool(ws[1][0].font.b)])
            ref = json.load(open(d + "/rect-batch.json"))
            listing = wb["逾期图斑"]
            out["overdue"] = [[r[0].value for r in listing.iter_rows(min_row=2)], [s["code"] for s in ref["overdue"]]]
            out["overdue_m2_format"] = listing.cell(2, 7).number_format
            out["no_deadline"] = [[r[0].value for r in wb["无整改期限"].iter_rows(min_row=2)], [s["code"] for s in ref["no_deadline"]]]
            print(json.dumps(out, ensure_ascii=False))
            """, [dir])
        #expect(check.status == 0, "\(check.stderr)")
        let r = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(r["sheets"] as? [String] == ["按批次", "按村", "逾期图斑", "无整改期限"], "\(r)")
        #expect((r["problems"] as? [String])?.isEmpty == true, "\(r["problems"] ?? "")")
        #expect((r["groups"] as? Int ?? 0) >= 4, "\(r)")
        #expect(r["total_bold"] as? [Bool] == [true, true])
        #expect((r["group_bold"] as? [Bool])?.contains(true) == false)
        // The sample data has rectified spots, so the check columns check something.
        #expect((r["total_rectified"] as? [Int])?.allSatisfy { $0 > 0 } == true, "\(r)")
        #expect(r["formats"] as? [[String]] == [["0.00", "0.0%", "0"], ["0.00", "0.0%", "0"]], "\(r)")
        for setup in r["setup"] as? [[Any]] ?? [] {
            #expect(setup[0] as? String == "A2", "\(setup)")
            #expect(setup[1] as? String == "landscape", "\(setup)")
            #expect(setup[2] as? String == "9", "\(setup)") // A4
            #expect(setup[3] as? String == "$1:$1", "\(setup)")
            #expect(setup[4] as? Bool == true && setup[5] as? Bool == true && setup[6] as? String == "0", "\(setup)")
            #expect(setup[7] as? Bool == true, "\(setup)")
        }
        let overdue = r["overdue"] as? [[String]] ?? []
        #expect(overdue.count == 2 && overdue[0] == overdue[1] && !overdue[0].isEmpty, "\(overdue)")
        let noDeadline = r["no_deadline"] as? [[String]] ?? []
        #expect(noDeadline.count == 2 && noDeadline[0] == noDeadline[1] && !noDeadline[0].isEmpty, "\(noDeadline)")
        #expect(r["overdue_m2_format"] as? String == "0.0")
    }

    @Test func utilisationAndReclaimableWorkbooksHoldTheJSONFigures() throws {
        let (dir, store) = try FormatExportTests.sampleStore()
        let day = ["--as-of", "2026-06-30"]
        for (report, extra) in [("utilisation", day), ("reclaimable", [String]())] {
            let j = try Self.landreg(["report", report, "--format", "json"] + extra, dir, store)
            #expect(j.status == 0, "\(j.stderr)")
            try j.stdout.write(toFile: "\(dir)/\(report).json", atomically: true, encoding: .utf8)
            let x = try Self.landreg(["report", report, "--format", "xlsx", "-o", "\(report).xlsx"] + extra, dir, store)
            #expect(x.status == 0, "\(x.stderr)")
        }
        let check = try CLI.python(
            """
            import json, sys, openpyxl
            d = sys.argv[1]
            problems = []
            def near(a, b):
                if b is None: return a is None
                return a is not None and abs(a - b) <= 1e-9 * max(1, abs(b))
            u = json.load(open(d + "/utilisation.json"))
            wb = openpyxl.load_workbook(d + "/utilisation.xlsx")
            ws = wb["按地块"]
            head = [c.value for c in ws[1]]
            rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
            for s in u["sites"]:
                r = rows[s["code"]]
                v = lambda h: r[head.index(h)].value
                for h, k in (("土地面积（亩）", "land_area_mu"), ("容积率", "far"), ("建筑密度", "coverage"),
                             ("出租率", "occupancy"), ("亩均税收（万元/亩）", "tax_per_mu")):
                    if not near(v(h), s[k]): problems.append(f"site {s['code']} {h}: {v(h)} vs {s[k]}")
                if v("租户（个）") != s["tenants"]: problems.append(f"site {s['code']} tenants")
            total = rows["合计"]
            if not near(total[head.index("土地面积（亩）")].value, sum(s["land_area_mu"] for s in u["sites"])):
                problems.append("site total land")
            ent = {r[0].value: r for r in wb["企业亩均效益"].iter_rows(min_row=2)}
            eh = [c.value for c in wb["企业亩均效益"][1]]
            for e in u["enterprises"]:
                r = ent[e["credit_code"]]
                if not near(r[eh.index("实际用地（亩）")].value, e["actual_land_mu"]): problems.append("enterprise land " + e["credit_code"])
            rc = json.load(open(d + "/reclaimable.json"))
            ws = openpyxl.load_workbook(d + "/reclaimable.xlsx")["按类别"]
            rows = list(ws.iter_rows(min_row=2, values_only=True))
            for row, key in zip(rows, ("farmland", "industrial", "total")):
                f = rc[key]
                if row[2] != f["sources"] or not near(row[3], f["potential_m2"]) or not near(row[4], f["potential_m2"] * 15 / 10000):
                    problems.append(f"reclaimable {key}: {row} vs {f}")
            print(json.dumps({"problems": problems, "sites": len(u["sites"]), "mu_format": ws.cell(2, 5).number_format,
                              "m2_format": ws.cell(2, 4).number_format, "rows": len(rows)}, ensure_ascii=False))
            """, [dir])
        #expect(check.status == 0, "\(check.stderr)")
        let r = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any] ?? [:]
        #expect((r["problems"] as? [String])?.isEmpty == true, "\(r)")
        #expect((r["sites"] as? Int ?? 0) > 0)
        #expect(r["rows"] as? Int == 3)
        #expect(r["mu_format"] as? String == "0.00")
        #expect(r["m2_format"] as? String == "0.0")
    }

    @Test func xlsxWithoutAnOutputFileIsRefused() throws {
        let (dir, store) = try FormatExportTests.sampleStore()
        let r = try Self.landreg(["report", "rectification", "--format", "xlsx"], dir, store)
        #expect(r.status == 64)
        #expect(r.stderr.contains("--format xlsx writes a file: give it with -o FILE.xlsx"), "\(r.stderr)")
        let two = try Self.landreg(
            ["report", "rectification", "--by", "batch", "--by", "zone", "--format", "json"], dir, store)
        #expect(two.status == 64)
        #expect(two.stderr.contains("several --by need --format xlsx"), "\(two.stderr)")
    }
}
