import CCairo
import Foundation
import LandGeometry
import LandRegistry

// MARK: - A PDF dossier: a cover page, then one A4 page per spot
//
// Page layout (A4 portrait, millimetres): the spot's map across the top (MapRenderer's page: title, frame,
// panel with north arrow, legend and scale bar, footer) in `mapHeightMM`; below it the spot's fields in two
// columns, its lifecycle history (the events `spots history` lists) and its evidence (file, SHA-256); a page
// number at the foot. One cairo PDF surface takes every page: each page is drawn, then `cairo_show_page` writes it
// out, and the next spot is read only then (Registry.dossierSpot), so memory stays that of one page.
// Areas are the store's computed ones: ellipsoidal (CGCS2000) and planar (store CRS), in m² with one decimal and
// 亩 with two.

/// What a dossier is drawn with.
public struct DossierOptions: Sendable {
    /// The cover's line saying what was selected ("批次 2023-07", "3 个图斑 codes" …).
    public var selectionLabel: String
    /// When the dossier was generated (printed on the cover), e.g. "2026-12-02 05:40 UTC".
    public var generatedAt: String
    /// Ground margin around each spot's map, metres.
    public var bufferM: Double

    public init(selectionLabel: String, generatedAt: String, bufferM: Double = 50) {
        self.selectionLabel = selectionLabel; self.generatedAt = generatedAt; self.bufferM = bufferM
    }
}

/// What a drawn dossier holds, for `--json`.
public struct DossierDescription: Codable, Sendable {
    public struct Page: Codable, Sendable {
        public let page: Int
        public let code: String
        public let scaleDenominator: Double
        public let events: Int
        /// Events left off the page for want of room (the page says how many and where to see them).
        public let eventsLeftOff: Int
        public let evidence: Int
    }
    /// Seconds spent per phase over all pages: reading each spot's row and events, drawing its map (reading
    /// what lies in the frame included), setting its text, and writing pages out (cairo_show_page, finishing).
    public struct Timings: Codable, Sendable {
        public var readSpotS = 0.0, mapS = 0.0, textS = 0.0, writeS = 0.0
    }
    public let pages: Int
    public let pageWidthMM: Double, pageHeightMM: Double
    public let summary: DossierSummary
    public let spots: [Page]
    public let timings: Timings
}

public enum DossierRenderer {
    static let pageWidthMM = 210.0, pageHeightMM = 297.0
    static let mapHeightMM = 150.0, margin = 10.0
    static let unitsPerMM = 72 / 25.4

    /// Draws the dossier of `selection` into `path` (a temporary the caller moves into place); `progress` is told
    /// after each spot page (pages done, spot pages in all).
    /// - Throws: `NotFound` when a spot stops being live while drawing, `MapError` when cairo fails or a text has a
    ///   character no font has.
    public static func draw(
        _ selection: DossierSelection, registry: Registry, options: DossierOptions, to path: String,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> DossierDescription {
        let canvas = try Canvas(
            format: .pdf, width: pageWidthMM * unitsPerMM, height: pageHeightMM * unitsPerMM, unitsPerMM: unitsPerMM,
            path: path, title: "违法图斑核查举证档案 · " + options.selectionLabel, creator: "landreg dossier")
        cairo_set_source_rgb(canvas.cr, 1, 1, 1)
        cairo_paint(canvas.cr)
        let pageCount = selection.codes.count + 1
        var timings = DossierDescription.Timings()
        let crs = registry.storeCRS
        let storeName = (registry.path as NSString).lastPathComponent

        var text = TextFlow(canvas: canvas, top: margin, bottom: pageHeightMM - margin - 6)
        try cover(selection.summary, options: options, crs: crs, store: storeName, pages: pageCount, &text)
        try pageNumber(1, of: pageCount, canvas: canvas)

        let mapPage = try PageLayout(widthMM: pageWidthMM, heightMM: mapHeightMM)
        let measure = try GroundMeasure(storeCRS: crs)
        let mapOptions = MapOptions(
            format: .pdf, width: pageWidthMM, height: mapHeightMM, dpi: 72, bufferM: options.bufferM,
            asOf: selection.summary.asOf, stateDay: selection.summary.stateDay)
        // One replay of the log for every page's map, not one per page.
        let states = try selection.summary.asOf.map { try registry.mapStates(asOf: $0) }
        var pages: [DossierDescription.Page] = []
        for (i, code) in selection.codes.enumerated() {
            var t0 = Date()
            try canvas.nextPage()
            timings.writeS += lap(&t0)
            // A text that cannot be drawn (a character no font has, in a note) names its page and spot.
            func onPage<T>(_ body: () throws -> T) throws -> T {
                do { return try body() } catch let e as MapError {
                    throw MapError("page \(i + 2) (spot \(code)): \(e.message)")
                }
            }
            let data = try registry.dossierSpot(code: code, in: selection)
            timings.readSpotS += lap(&t0)
            let framing = try registry.mapFraming(.spot(code), asOf: selection.summary.asOf, states: states)
            let map = try onPage {
                try MapRenderer.drawMap(
                    framing, registry: registry, options: mapOptions, on: canvas, page: mapPage, measure: measure,
                    states: states)
            }
            timings.mapS += lap(&t0)
            text = TextFlow(canvas: canvas, top: mapHeightMM + 2, bottom: pageHeightMM - margin - 6)
            let leftOff = try onPage {
                try fields(data, crs: crs, &text)
                // Room below the history: the evidence heading and table (up to four rows), then the photos.
                let evidenceRows = min(4, data.evidence.count + data.photos.count)
                let reserveMM = 10 + 3.5 * Double(max(2, evidenceRows)) + (data.photos.isEmpty ? 0 : photoRowMM)
                let leftOff = try history(data.events, code: code, reserveMM: reserveMM, &text)
                try evidence(data.evidence, photos: data.photos, &text)
                try photoRow(data, code: code, &text)
                try pageNumber(i + 2, of: pageCount, canvas: canvas)
                return leftOff
            }
            timings.textS += lap(&t0)
            pages.append(
                .init(
                    page: i + 2, code: code, scaleDenominator: map.scaleDenominator, events: data.events.count,
                    eventsLeftOff: leftOff, evidence: data.evidence.count))
            progress?(i + 1, selection.codes.count)
        }
        var t0 = Date()
        _ = try canvas.finish(dpi: 72)
        timings.writeS += lap(&t0)
        return DossierDescription(
            pages: pageCount, pageWidthMM: pageWidthMM, pageHeightMM: pageHeightMM, summary: selection.summary,
            spots: pages, timings: timings)
    }

    /// Seconds since `start`, which moves to now.
    private static func lap(_ start: inout Date) -> Double {
        let now = Date()
        defer { start = now }
        return now.timeIntervalSince(start)
    }

    // MARK: Pages

    private static func cover(
        _ s: DossierSummary, options: DossierOptions, crs: CRS, store: String, pages: Int, _ text: inout TextFlow
    ) throws {
        try text.line("违法图斑核查举证档案", sizePT: 20, bold: true)
        try text.line("Violation spot dossier · \(options.selectionLabel)", sizePT: 12)
        text.space(4)
        try text.heading("选择 selection")
        try text.pairs([
            ("图斑 spots", "\(s.spots)"),
            ("页数 pages", "\(pages)（封面 cover + 每个图斑一页 one per spot）"),
            ("监测面积 area", area(s.areaM2)),
            ("占用耕地 farmland", area(s.farmlandM2)),
            ("永久基本农田 basic farmland", area(s.basicFarmlandM2)),
            ("剩余未整改 remaining", area(s.remainingM2)),
            ("逾期 overdue", "\(s.overdue)（\(s.stateDay)）")
        ])
        text.space(3)
        try text.heading("按状态 by status")
        try text.table(
            columnsMM: [70, 30, 40, 30], header: ["状态 status", "图斑 spots", "面积 m²", "面积 亩"],
            rows: s.byStatus.map { [$0.status.label, "\($0.spots)", m2($0.areaM2), mu($0.areaM2)] },
            sizePT: 8.5)
        text.space(3)
        try text.heading("数据 data")
        try text.pairs([
            ("数据库 store", store),
            ("坐标系 CRS", "EPSG:\(crs.epsg) \(crs.name)"),
            ("状态日期 as of", s.asOf.map { "\($0)（图斑按当日状态 spots as they stood that day）" } ?? "\(s.stateDay)（当前 now）"),
            ("生成时间 generated", options.generatedAt),
            ("面积 areas", "椭球面积 ellipsoidal (CGCS2000), m² 与 亩 (1 亩 = 10000/15 m²)"),
            ("程序 program", "landreg \(landregVersion)")
        ])
    }

    private static func fields(_ d: DossierSpot, crs: CRS, _ text: inout TextFlow) throws {
        let s = d.spot
        try text.heading("图斑信息 fields")
        let status = s.status.label + (d.overdue ? "（逾期 overdue）" : "")
        let basis = [s.basis, s.approvalDoc.map { "批文 \($0)" }].compactMap { $0 }.joined(separator: "；")
        try text.pairs(
            [
                ("图斑编号 code", s.code),
                ("监测批次 batch", s.batch),
                ("发现日期 detected", s.detectedDate ?? "–"),
                ("状态 status", status),
                ("监测面积 area", area(s.ellipsoidalAreaM2) + "（椭球 ellipsoidal）"),
                ("平面面积 planar", area(s.planarAreaM2) + "（EPSG:\(crs.epsg)）"),
                ("占用耕地 farmland", area(s.farmlandAreaM2)),
                ("永久基本农田 basic farmland", area(s.basicFarmlandAreaM2)),
                ("判定 judgement", s.judgement?.rawValue ?? "–"),
                ("判定依据 basis", basis.isEmpty ? "–" : basis),
                ("整改方式 measure", s.measure ?? "–"),
                ("整改期限 deadline", s.deadline ?? "–"),
                ("剩余未整改 remaining", s.remainingM2.map(area) ?? "–"),
                ("复耕 recultivated", s.recultivatedM2.map(area) ?? "–"),
                ("销号 closed", s.closedDoc ?? "–"),
                ("村 village", s.village ?? "–")
            ], columns: 2)
    }

    /// The events as `spots history` lists them (id, effective day, action, from, to, actor, note), oldest first;
    /// returns how many did not fit.
    private static func history(_ events: [Event], code: String, reserveMM: Double, _ text: inout TextFlow) throws
        -> Int
    {
        text.space(1.5)
        try text.heading("生命周期 history（\(events.count) 条事件 events）")
        let rows = events.map { e in
            [
                String(e.id ?? 0), e.effectiveDate, e.action.rawValue, e.fromState ?? "", e.toState ?? "", e.actor,
                e.note ?? ""
            ]
        }
        // Room is kept for the evidence section (its heading and at least two rows).
        return try text.table(
            columnsMM: [10, 20, 20, 20, 20, 26, 74],
            header: ["#", "日期 on", "动作 action", "从 from", "到 to", "人 by", "说明 note"],
            rows: rows, sizePT: 7, reserveMM: reserveMM,
            leftOff: { "… 另有 \($0) 条事件 more events: landreg spots history \(code)" })
    }

    /// Files the steps rest on, then the photos (event, day taken, file, SHA-256).
    private static func evidence(_ items: [DossierEvidence], photos: [SpotPhoto], _ text: inout TextFlow) throws {
        text.space(1.5)
        try text.heading("举证材料 evidence")
        guard !items.isEmpty || !photos.isEmpty else {
            try text.line(
                "无 none recorded（landreg spots … --evidence FILE, landreg spots evidence add 记录）", sizePT: 7.5)
            return
        }
        let rows =
            items.map { [String($0.eventID ?? 0), $0.effectiveDate, $0.path, $0.sha256] }
            + photos.map { [String($0.eventID), String(($0.takenAt ?? "").prefix(10)), "照片 " + $0.file, $0.sha256] }
        _ = try text.table(
            columnsMM: [10, 20, 60, 100], header: ["#", "日期 on", "文件 file", "SHA-256"], rows: rows, sizePT: 6.5,
            reserveMM: photos.isEmpty ? 0 : photoRowMM, leftOff: { "… 另有 \($0) 份材料 more files" })
    }

    /// Height of the row of photos with their captions, mm.
    static let photoRowMM = 40.0

    /// The first photos side by side with their captions; those that do not fit are counted.
    private static func photoRow(_ data: DossierSpot, code: String, _ text: inout TextFlow) throws {
        guard !data.photos.isEmpty else { return }
        let shown = data.shownPhotoBytes.count
        let captionMM = 5.0, gapMM = 4.0
        let heightMM = min(photoRowMM - captionMM - 2, text.bottom - text.y - captionMM - 2)
        guard heightMM >= 15 else {
            try text.line("… \(data.photos.count) 张照片 photos: landreg spots evidence export \(code)", sizePT: 7)
            return
        }
        text.space(1)
        let slotMM = (text.width - gapMM * Double(DossierSpot.photosShown - 1)) / Double(DossierSpot.photosShown)
        let canvas = text.canvas
        for (k, bytes) in data.shownPhotoBytes.enumerated() {
            let x = text.left + Double(k) * (slotMM + gapMM)
            let drawn = try DossierPhotos.draw(
                bytes, on: canvas, x: canvas.mm(x), y: canvas.mm(text.y), maxWidth: canvas.mm(slotMM),
                maxHeight: canvas.mm(heightMM))
            try canvas.text(
                DossierPhotos.caption(data.photos[k]), x: canvas.mm(x), y: canvas.mm(text.y) + drawn.height + 2,
                sizePT: 6.5, wrapWidth: canvas.mm(slotMM))
        }
        text.space(heightMM + captionMM + 1)
        if data.photos.count > shown {
            try text.line(
                "… 另有 \(data.photos.count - shown) 张照片 more photos: landreg spots evidence export \(code)", sizePT: 7)
        }
    }

    private static func pageNumber(_ n: Int, of count: Int, canvas: Canvas) throws {
        let s = try canvas.prepareText("第 \(n) / \(count) 页 page", sizePT: 7)
        canvas.drawPreparedText(
            x: canvas.mm(pageWidthMM) - s.width - canvas.mm(margin), y: canvas.mm(pageHeightMM - margin) - s.height,
            colour: RGB(90, 90, 90))
    }

    static func m2(_ v: Double) -> String { String(format: "%.1f", v) }
    static func mu(_ v: Double) -> String { String(format: "%.2f", AreaUnits.mu(v)) }
    static func area(_ v: Double) -> String { "\(m2(v)) m² = \(mu(v)) 亩" }
}

/// Text set down a page from `top`, in millimetres from the page's top-left, left margin `DossierRenderer.margin`.
struct TextFlow {
    let canvas: Canvas
    var y: Double
    let bottom: Double
    let left = DossierRenderer.margin
    var width: Double { DossierRenderer.pageWidthMM - 2 * DossierRenderer.margin }

    init(canvas: Canvas, top: Double, bottom: Double) { self.canvas = canvas; y = top; self.bottom = bottom }

    mutating func space(_ mm: Double) { y += mm }

    mutating func line(_ s: String, sizePT: Double, bold: Bool = false) throws {
        let size = try canvas.text(
            s, x: canvas.mm(left), y: canvas.mm(y), sizePT: sizePT, bold: bold, wrapWidth: canvas.mm(width))
        y += size.height / canvas.unitsPerMM + 0.8
    }

    mutating func heading(_ s: String) throws {
        try line(s, sizePT: 9.5, bold: true)
    }

    /// Label–value pairs in `columns` columns, row by row.
    mutating func pairs(_ items: [(String, String)], columns: Int = 1) throws {
        let columnWidth = width / Double(columns), labelWidth = 36.0
        var i = 0
        while i < items.count {
            var rowHeight = 0.0
            for c in 0..<columns where i + c < items.count {
                let (label, value) = items[i + c]
                let x = left + Double(c) * columnWidth
                let l = try canvas.text(
                    label, x: canvas.mm(x), y: canvas.mm(y), sizePT: 7.5, wrapWidth: canvas.mm(labelWidth - 1),
                    colour: RGB(90, 90, 90))
                let v = try canvas.text(
                    value, x: canvas.mm(x + labelWidth), y: canvas.mm(y), sizePT: 7.5,
                    wrapWidth: canvas.mm(columnWidth - labelWidth - 2))
                rowHeight = Swift.max(rowHeight, l.height, v.height)
            }
            y += rowHeight / canvas.unitsPerMM + 0.6
            i += columns
        }
    }

    /// A table with a bold header; rows that would pass `bottom - reserveMM` are left off and counted on a last
    /// line (`leftOff(n)`). Returns how many rows were left off.
    @discardableResult
    mutating func table(
        columnsMM: [Double], header: [String], rows: [[String]], sizePT: Double, reserveMM: Double = 0,
        leftOff: ((Int) -> String)? = nil
    ) throws -> Int {
        let lineMM = sizePT * 25.4 / 72 * 1.5
        func row(_ cells: [String], bold: Bool) throws -> Double {
            var x = left, height = 0.0
            for (cell, w) in zip(cells, columnsMM) {
                let s = try canvas.text(
                    cell, x: canvas.mm(x), y: canvas.mm(y), sizePT: sizePT, bold: bold, wrapWidth: canvas.mm(w - 1.5))
                height = Swift.max(height, s.height / canvas.unitsPerMM)
                x += w
            }
            return height
        }
        y += try row(header, bold: true) + 0.4
        cairo_move_to(canvas.cr, canvas.mm(left), canvas.mm(y))
        cairo_line_to(canvas.cr, canvas.mm(left + columnsMM.reduce(0, +)), canvas.mm(y))
        canvas.setColour(RGB(150, 150, 150))
        canvas.setLine(widthMM: 0.15, style: .solid)
        cairo_stroke(canvas.cr)
        y += 0.6
        let limit = bottom - reserveMM
        for (i, cells) in rows.enumerated() {
            // Two lines of room are kept for the "… more" line.
            guard y + lineMM * (i == rows.count - 1 ? 1 : 2) <= limit else {
                let n = rows.count - i
                if let leftOff { try line(leftOff(n), sizePT: sizePT) }
                return n
            }
            y += try row(cells, bold: false) + 0.4
        }
        return 0
    }
}
