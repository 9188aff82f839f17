import CCairo
import Foundation
import LandGeometry
import LandRegistry

// MARK: - A map picture of the store
//
// Page layout (millimetres): the title across the top; the map frame on the left; a panel on the right with the
// north arrow, the legend (only the classes drawn) and the scale bar; a footer line with the CRS, the as-of day,
// the store and the scale. In the frame, bottom to top: parcels by land-use class, sites by stage, spots by
// status, spot ∩ farmland hatched, overdue marks, zone outlines, the subject outlined, then the codes of the
// subject, spots, sites and zones as labels that do not overlap.

/// What to draw and how big.
public struct MapOptions: Sendable {
    public var format: MapFormat
    /// Page width and height: pixels for PNG and SVG, millimetres for PDF.
    public var width: Double, height: Double
    /// PNG pixels per inch (sizes of lines and text in mm are drawn at it).
    public var dpi: Double
    /// Ground margin around the subject, metres.
    public var bufferM: Double
    /// Spots and sites as they stood on this day (YYYY-MM-DD); nil: now.
    public var asOf: String?
    /// The day printed in the footer and the overdue marks are judged on (the as-of day, else today).
    public var stateDay: String

    public init(
        format: MapFormat, width: Double, height: Double, dpi: Double, bufferM: Double, asOf: String?,
        stateDay: String
    ) {
        self.format = format; self.width = width; self.height = height; self.dpi = dpi
        self.bufferM = bufferM; self.asOf = asOf; self.stateDay = stateDay
    }
}

/// What a drawn map shows and where, for `--json` and for checking a picture against its coordinates.
public struct MapDescription: Codable, Sendable {
    public struct Frame: Codable, Sendable { public let x: Double, y: Double, width: Double, height: Double }
    public struct ScaleBar: Codable, Sendable {
        /// The ground distance the bar is labelled with, metres.
        public let groundDistanceM: Double
        public let label: String
        /// The bar's ends as map coordinates (store CRS): a horizontal segment through the map's centre.
        public let start: [Double], end: [Double]
        /// The bar as drawn on the page (device units).
        public let page: Frame
    }
    public struct Counts: Codable, Sendable {
        public let parcels: Int, zones: Int, spots: Int, sites: Int, farmlandPieces: Int
    }
    public let format: MapFormat
    /// Page size in device units: pixels (PNG, SVG at 96 per inch) or points (PDF).
    public let pageWidth: Double, pageHeight: Double
    public let unitsPerMM: Double
    public let dpi: Double?
    public let title: String
    public let footer: String
    /// EPSG code of the map's coordinates (the store CRS).
    public let crs: String
    /// The map frame's ground box in the store CRS: minX, minY, maxX, maxY.
    public let extent: [Double]
    /// Where that box is on the page (device units, y down).
    public let mapFrame: Frame
    /// 1 : this many (ground metres per page metre at the centre).
    public let scaleDenominator: Double
    public let scaleBar: ScaleBar
    /// True north, degrees clockwise from the page's up.
    public let northDegrees: Double
    /// The legend's entries, top to bottom.
    public let legend: [String]
    public let drawn: Counts
}

extension MapDescription {
    init(
        format: MapFormat, pageWidth: Double, pageHeight: Double, unitsPerMM: Double, dpi: Double?,
        _ d: MapRenderer.DrawnMap
    ) {
        self.format = format; self.pageWidth = pageWidth; self.pageHeight = pageHeight
        self.unitsPerMM = unitsPerMM; self.dpi = dpi; title = d.title; footer = d.footer; crs = d.crs
        extent = [d.extent.minX, d.extent.minY, d.extent.maxX, d.extent.maxY]
        mapFrame = .init(x: d.mapFrame.x, y: d.mapFrame.y, width: d.mapFrame.width, height: d.mapFrame.height)
        scaleDenominator = d.scaleDenominator; scaleBar = d.scaleBar; northDegrees = d.northDegrees
        legend = d.legend; drawn = d.counts
    }
}

public enum MapRenderer {
    /// Draws `subject` from `registry` into `path` (a temporary the caller moves into place).
    /// - Throws: `NotFound` for an unknown subject, `MapError` when the page is too small or cairo fails.
    public static func draw(_ subject: MapSubject, registry: Registry, options: MapOptions, to path: String) throws
        -> MapDescription
    {
        let framing = try registry.mapFraming(subject, asOf: options.asOf)
        let unitsPerMM: Double
        let pageW: Double, pageH: Double
        switch options.format {
        case .png: unitsPerMM = options.dpi / 25.4; (pageW, pageH) = (options.width, options.height)
        case .svg: unitsPerMM = 96 / 25.4; (pageW, pageH) = (options.width, options.height)
        case .pdf: unitsPerMM = 72 / 25.4; (pageW, pageH) = (options.width * unitsPerMM, options.height * unitsPerMM)
        }
        let page = try PageLayout(widthMM: pageW / unitsPerMM, heightMM: pageH / unitsPerMM)
        let measure = try GroundMeasure(storeCRS: registry.storeCRS)
        let canvas = try Canvas(
            format: options.format, width: pageW, height: pageH, unitsPerMM: unitsPerMM,
            path: path, title: framing.title)
        cairo_set_source_rgb(canvas.cr, 1, 1, 1)
        cairo_paint(canvas.cr)
        let drawn = try drawMap(
            framing, registry: registry, options: options, on: canvas, page: page, measure: measure)

        let png = try canvas.finish(dpi: options.dpi)
        if let png {
            guard FileManager.default.createFile(atPath: path, contents: png) else {
                throw MapError("cannot write the PNG to \(path)")
            }
        }
        return MapDescription(
            format: options.format, pageWidth: pageW, pageHeight: pageH, unitsPerMM: unitsPerMM,
            dpi: options.format == .png ? options.dpi : nil, drawn)
    }

    /// What one map drew on its page: the parts of a MapDescription that do not depend on the file.
    struct DrawnMap {
        let title: String, footer: String, crs: String
        let extent: Envelope
        let mapFrame: PageRect
        let scaleDenominator: Double
        let scaleBar: MapDescription.ScaleBar
        let northDegrees: Double
        let legend: [String]
        let counts: MapDescription.Counts
    }

    /// Draws the map of `framing` on `canvas` within `page` (title, frame, panel, footer), reading what lies in
    /// the frame from `registry`. A dossier page calls it with the map's part of an A4 page (and the as-of replay
    /// it made once, `states`).
    static func drawMap(
        _ framing: MapFraming, registry: Registry, options: MapOptions, on canvas: Canvas, page: PageLayout,
        measure: GroundMeasure, states: MapStatesAsOf? = nil
    ) throws -> DrawnMap {
        let unitsPerMM = canvas.unitsPerMM
        let extent = try fit(
            framing.envelope, bufferM: options.bufferM, frameAspect: page.frame.width / page.frame.height,
            crs: registry.storeCRS)
        let content = try registry.mapContent(in: extent, asOf: options.asOf, states: states)
        let drawing = Drawing(canvas: canvas, page: page, extent: extent)

        for f in content.parcels { drawing.draw(f.geometry, f.legend.symbol) }
        for f in content.sites { drawing.draw(f.geometry, f.legend.symbol) }
        for f in content.spots { drawing.draw(f.geometry, f.legend.symbol) }
        for g in content.farmland { drawing.hatch(g, MapSymbols.farmland.symbol) }
        for f in content.spots { if let mark = f.mark { drawing.draw(f.geometry, mark.symbol) } }
        for f in content.zones { drawing.draw(f.geometry, f.legend.symbol) }
        for g in framing.outlines { drawing.draw(g, MapSymbols.subject.symbol) }
        try drawing.labels(subject: framing, content: content)
        drawing.maskOutsideFrame()
        drawing.frameBorder()

        let centre = XY((extent.minX + extent.maxX) / 2, (extent.minY + extent.maxY) / 2)
        let north = try measure.trueNorthAngle(at: centre)
        let groundPerMapUnit =
            try measure.groundDistanceM(XY(extent.minX, centre.y), XY(extent.maxX, centre.y))
            / (extent.maxX - extent.minX)
        let scaleDenominator = groundPerMapUnit * 1000 / (drawing.scale / unitsPerMM)

        let legend = legendEntries(framing: framing, content: content)
        try drawing.northArrow(angle: north)
        let bar = try drawing.scaleBar(
            measure: measure, centre: centre, groundPerMapUnit: groundPerMapUnit,
            scaleDenominator: scaleDenominator)
        try drawing.legend(legend)

        let crsText = "EPSG:\(registry.storeCRS.epsg) \(registry.storeCRS.name)"
        let storeName = (registry.path as NSString).lastPathComponent
        let footer =
            "坐标系 CRS: \(crsText) · 状态日期 as of \(options.stateDay) · 数据库 store: \(storeName) · "
            + "比例尺 1:\(groupedInteger(scaleDenominator)) · landreg \(landregVersion)"
        try drawing.titleAndFooter(title: framing.title, footer: footer)
        return DrawnMap(
            title: framing.title, footer: footer, crs: "EPSG:\(registry.storeCRS.epsg)", extent: extent,
            mapFrame: page.frame.scaled(unitsPerMM), scaleDenominator: scaleDenominator, scaleBar: bar,
            northDegrees: north * 180 / .pi, legend: legend.map(\.label),
            counts: .init(
                parcels: content.parcels.count, zones: content.zones.count, spots: content.spots.count,
                sites: content.sites.count, farmlandPieces: content.farmland.count))
    }

    /// The subject's box grown by the buffer and widened (or heightened) to the frame's proportions.
    static func fit(_ e: Envelope, bufferM: Double, frameAspect: Double, crs: CRS) throws -> Envelope {
        // Buffer in map units: metres in a projected CRS; in a geographic one, degrees of latitude (≈ 111.32 km).
        let buffer = crs.isGeographic ? bufferM / 111_320 : bufferM
        let minimum = crs.isGeographic ? 10 / 111_320.0 : 10 // a point-like subject still gets 10 m around it
        var w = Swift.max(e.maxX - e.minX + 2 * buffer, minimum)
        var h = Swift.max(e.maxY - e.minY + 2 * buffer, minimum)
        if w / h < frameAspect { w = h * frameAspect } else { h = w / frameAspect }
        let cx = (e.minX + e.maxX) / 2, cy = (e.minY + e.maxY) / 2
        return Envelope(minX: cx - w / 2, minY: cy - h / 2, maxX: cx + w / 2, maxY: cy + h / 2)
    }

    /// The legend: the classes drawn, each once, grouped by layer (subject, spots, farmland, sites, zones,
    /// parcels) in their style's order.
    static func legendEntries(framing: MapFraming, content: MapContent) -> [MapLegendClass] {
        var shown = Set<MapLegendClass>()
        for f in content.parcels + content.sites + content.spots + content.zones {
            shown.insert(f.legend)
            if let m = f.mark { shown.insert(m) }
        }
        if !content.farmland.isEmpty { shown.insert(MapSymbols.farmland) }
        if !framing.outlines.isEmpty { shown.insert(MapSymbols.subject) }
        let rank: [MapLayer: Int] = [.subject: 0, .spots: 1, .farmland: 2, .sites: 3, .zones: 4, .parcels: 5]
        return shown.sorted { (rank[$0.layer]!, $0.order) < (rank[$1.layer]!, $1.order) }
    }
}

/// "12,345" for 12345.4.
func groupedInteger(_ v: Double) -> String {
    let digits = String(Int(v.rounded()))
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

/// A rectangle on the page, y down.
struct PageRect {
    var x: Double, y: Double, width: Double, height: Double
    var maxX: Double { x + width }
    var maxY: Double { y + height }
    func scaled(_ k: Double) -> PageRect { PageRect(x: x * k, y: y * k, width: width * k, height: height * k) }
    func intersects(_ o: PageRect) -> Bool { x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }
}

/// Where title, map frame, panel and footer go, in millimetres.
struct PageLayout {
    static let margin = 4.0, titleHeight = 11.0, footerHeight = 8.0, gap = 3.0
    let widthMM: Double, heightMM: Double
    let frame: PageRect
    let panel: PageRect

    init(widthMM: Double, heightMM: Double) throws {
        self.widthMM = widthMM; self.heightMM = heightMM
        let m = Self.margin
        let panelWidth = Swift.min(Swift.max(widthMM * 0.26, 45), 70)
        frame = PageRect(
            x: m, y: m + Self.titleHeight, width: widthMM - 2 * m - panelWidth - Self.gap,
            height: heightMM - 2 * m - Self.titleHeight - Self.footerHeight)
        panel = PageRect(x: frame.maxX + Self.gap, y: frame.y, width: panelWidth, height: frame.height)
        guard frame.width >= 40, frame.height >= 40 else {
            throw MapError(
                String(
                    format:
                        "the page (%.0f × %.0f mm) is too small for a map with its legend: give a larger --size (at least %.0f × %.0f mm)",
                    widthMM, heightMM, 40 + 2 * m + 45 + Self.gap, 40 + 2 * m + Self.titleHeight + Self.footerHeight))
        }
    }
}

/// Draws onto a canvas through the map's transform (store CRS → page).
final class Drawing {
    let canvas: Canvas
    let page: PageLayout
    let extent: Envelope
    /// The frame in device units.
    let frame: PageRect
    /// Device units per map unit.
    let scale: Double
    private var cr: OpaquePointer { canvas.cr }

    init(canvas: Canvas, page: PageLayout, extent: Envelope) {
        self.canvas = canvas; self.page = page; self.extent = extent
        frame = page.frame.scaled(canvas.unitsPerMM)
        scale = frame.width / (extent.maxX - extent.minX)
    }

    func x(_ p: XY) -> Double { frame.x + (p.x - extent.minX) * scale }
    func y(_ p: XY) -> Double { frame.y + (extent.maxY - p.y) * scale }
    func mm(_ v: Double) -> Double { canvas.mm(v) }

    /// Paints the page outside the frame white, over what the features drew beyond it. Not a clip: cairo's SVG
    /// and PDF surfaces split every clipped fill-and-stroke into two elements, unclipped each feature stays one
    /// path (an SVG path per parcel).
    func maskOutsideFrame() {
        cairo_new_path(cr)
        canvas.rectangle(x: 0, y: 0, width: canvas.width, height: canvas.height)
        canvas.rectangle(x: frame.x, y: frame.y, width: frame.width, height: frame.height)
        canvas.setColour(RGB(255, 255, 255))
        cairo_fill(cr) // even-odd (the canvas's rule): the page minus the frame
    }

    func frameBorder() {
        canvas.rectangle(x: frame.x, y: frame.y, width: frame.width, height: frame.height)
        canvas.setColour(RGB(40, 40, 40))
        canvas.setLine(widthMM: 0.3, style: .solid)
        cairo_stroke(cr)
    }

    private func path(_ g: Geometry) {
        cairo_new_path(cr)
        for polygon in g.polygons ?? [] {
            for ring in polygon.rings where ring.count > 2 {
                cairo_move_to(cr, x(ring[0]), y(ring[0]))
                for p in ring.dropFirst() { cairo_line_to(cr, x(p), y(p)) }
                cairo_close_path(cr)
            }
        }
    }

    func draw(_ g: Geometry, _ symbol: FillSymbol) {
        path(g)
        canvas.paint(symbol)
    }

    /// Diagonal hatching clipped to `g`, 1.5 mm apart.
    func hatch(_ g: Geometry, _ symbol: FillSymbol) {
        guard let e = g.envelope else { return }
        cairo_save(cr)
        path(g)
        cairo_clip(cr)
        let x0 = x(XY(e.minX, e.minY)), x1 = x(XY(e.maxX, e.minY))
        let y0 = y(XY(e.minX, e.maxY)), y1 = y(XY(e.minX, e.minY))
        let step = mm(1.5), span = (y1 - y0)
        var start = x0 - span
        while start <= x1 {
            cairo_move_to(cr, start, y1)
            cairo_line_to(cr, start + span, y0)
            start += step
        }
        canvas.setColour(symbol.outline)
        canvas.setLine(widthMM: symbol.outlineWidthMM, style: .solid)
        cairo_stroke(cr)
        cairo_restore(cr)
    }

    /// A point well inside a feature for its label: the area centroid of its largest polygon's exterior.
    private func labelPoint(_ g: Geometry) -> XY? {
        guard let polygon = (g.polygons ?? []).max(by: { abs(ringArea($0.exterior)) < abs(ringArea($1.exterior)) })
        else { return nil }
        let ring = polygon.exterior
        let a = ringArea(ring)
        guard abs(a) > 0 else { return ring.first }
        var cx = 0.0, cy = 0.0
        for (p, q) in zip(ring, ring.dropFirst()) {
            let k = p.x * q.y - q.x * p.y
            cx += (p.x + q.x) * k; cy += (p.y + q.y) * k
        }
        return XY(cx / (6 * a), cy / (6 * a))
    }

    private func ringArea(_ ring: Ring) -> Double {
        zip(ring, ring.dropFirst()).reduce(0) { $0 + ($1.0.x * $1.1.y - $1.1.x * $1.0.y) } / 2
    }

    /// Codes of the subject, then spots, sites and zones, each centred on its feature, skipped where it would
    /// overlap a label already placed or leave the frame.
    func labels(subject: MapFraming, content: MapContent) throws {
        var placed: [PageRect] = []
        var candidates: [(String, Geometry, Double)] = []
        switch subject.subject {
        case .spot(let c), .site(let c), .zone(let c): candidates.append((c, subject.outlines[0], 9))
        case .batch, .district: break
        }
        candidates += content.spots.map { ($0.code, $0.geometry, 7) }
        candidates += content.sites.map { ($0.code, $0.geometry, 7) }
        candidates += content.zones.map { ($0.code, $0.geometry, 6.5) }
        var seen = Set<String>()
        for (code, g, size) in candidates where seen.insert(code).inserted {
            guard let p = labelPoint(g) else { continue }
            let s = try canvas.prepareText(code, sizePT: size, bold: size > 8)
            let r = PageRect(x: x(p) - s.width / 2, y: y(p) - s.height / 2, width: s.width, height: s.height)
            guard r.x >= frame.x, r.y >= frame.y, r.maxX <= frame.maxX, r.maxY <= frame.maxY,
                !placed.contains(where: { $0.intersects(r) })
            else { continue }
            placed.append(r)
            canvas.drawPreparedText(x: r.x, y: r.y, colour: RGB(20, 20, 20), haloMM: 0.6)
        }
    }

    private var panel: PageRect { page.panel.scaled(canvas.unitsPerMM) }
    /// The part of the panel under the north arrow and above the scale bar.
    private let arrowHeightMM = 18.0, barHeightMM = 16.0

    func northArrow(angle: Double) throws {
        let cx = panel.x + panel.width / 2, cy = panel.y + mm(arrowHeightMM / 2 + 2)
        let length = mm(10)
        cairo_save(cr)
        cairo_translate(cr, cx, cy)
        cairo_rotate(cr, angle)
        // Two halves of an arrowhead, dark and light, as survey maps draw it.
        cairo_move_to(cr, 0, -length / 2); cairo_line_to(cr, -mm(2.5), length / 2); cairo_line_to(cr, 0, length / 4)
        cairo_close_path(cr)
        canvas.setColour(RGB(30, 30, 30)); cairo_fill(cr)
        cairo_move_to(cr, 0, -length / 2); cairo_line_to(cr, mm(2.5), length / 2); cairo_line_to(cr, 0, length / 4)
        cairo_close_path(cr)
        canvas.setColour(RGB(255, 255, 255)); cairo_fill_preserve(cr)
        canvas.setColour(RGB(30, 30, 30)); canvas.setLine(widthMM: 0.2, style: .solid); cairo_stroke(cr)
        let s = try canvas.prepareText("北 N", sizePT: 7, bold: true)
        canvas.drawPreparedText(x: -s.width / 2, y: -length / 2 - s.height - mm(0.5))
        cairo_restore(cr)
    }

    func legend(_ entries: [MapLegendClass]) throws {
        var top = panel.y + mm(arrowHeightMM + 4)
        let bottom = panel.maxY - mm(barHeightMM + 2)
        top += try canvas.text("图例 legend", x: panel.x, y: top, sizePT: 9, bold: true).height + mm(1)
        guard !entries.isEmpty else { return }
        // Rows shrink (down to half size) when many classes are drawn, so the legend stays in its panel.
        let rowMM = 5.0
        let k = Swift.max(0.5, Swift.min(1, (bottom - top) / (Double(entries.count) * mm(rowMM))))
        let row = mm(rowMM) * k, swatchW = mm(7) * k, swatchH = mm(3.6) * k
        for (i, entry) in entries.enumerated() {
            let y0 = top + Double(i) * row
            if y0 + row > bottom {
                try canvas.text("… \(entries.count - i) more", x: panel.x, y: y0, sizePT: 7 * k)
                break
            }
            let sy = y0 + (row - swatchH) / 2
            canvas.rectangle(x: panel.x + mm(0.3), y: sy, width: swatchW, height: swatchH)
            if entry.layer == .farmland {
                cairo_save(cr)
                cairo_clip_preserve(cr)
                canvas.setColour(RGB(255, 255, 255)); cairo_fill_preserve(cr)
                cairo_new_path(cr)
                var sx = panel.x - swatchH
                while sx < panel.x + swatchW + swatchH {
                    cairo_move_to(cr, sx, sy + swatchH); cairo_line_to(cr, sx + swatchH, sy); sx += mm(1.5) * k
                }
                canvas.setColour(entry.symbol.outline);
                canvas.setLine(widthMM: entry.symbol.outlineWidthMM, style: .solid)
                cairo_stroke(cr)
                cairo_restore(cr)
            } else {
                canvas.paint(entry.symbol)
            }
            let s = try canvas.prepareText(entry.label, sizePT: 7 * k, wrapWidth: panel.width - swatchW - mm(2))
            canvas.drawPreparedText(x: panel.x + swatchW + mm(1.5), y: y0 + (row - s.height) / 2)
        }
    }

    /// A four-segment bar of a round ground distance at the map's centre, at the panel's foot.
    func scaleBar(
        measure: GroundMeasure, centre: XY, groundPerMapUnit: Double,
        scaleDenominator: Double
    ) throws -> MapDescription.ScaleBar {
        let maxLength = panel.width - mm(10)
        let ground = roundDistance(notAbove: maxLength / scale * groundPerMapUnit)
        let (start, end) = try measure.segment(
            centredOn: centre, groundM: ground,
            firstGuessMapLength: ground / groundPerMapUnit)
        let length = (end.x - start.x) * scale
        let label = ground >= 1000 ? "\(formatNumber(ground / 1000)) km" : "\(formatNumber(ground)) m"
        let x0 = panel.x + mm(1), y0 = panel.maxY - mm(barHeightMM) + mm(5), h = mm(1.6)
        for i in 0..<4 {
            canvas.rectangle(x: x0 + Double(i) * length / 4, y: y0, width: length / 4, height: h)
            canvas.paint(
                FillSymbol(
                    fill: i % 2 == 0 ? RGB(0, 0, 0) : RGB(255, 255, 255), outline: RGB(0, 0, 0),
                    outlineWidthMM: 0.2))
        }
        let zero = try canvas.prepareText("0", sizePT: 6.5)
        canvas.drawPreparedText(x: x0 - zero.width / 2, y: y0 - zero.height - mm(0.4))
        let s = try canvas.prepareText(label, sizePT: 6.5)
        canvas.drawPreparedText(x: x0 + length - s.width / 2, y: y0 - s.height - mm(0.4))
        try canvas.text(
            "比例尺 1:\(groupedInteger(scaleDenominator))（地面距离 ground distance）", x: x0, y: y0 + h + mm(1),
            sizePT: 6, wrapWidth: panel.width - mm(1))
        return .init(
            groundDistanceM: ground, label: label, start: [start.x, start.y], end: [end.x, end.y],
            page: .init(x: x0, y: y0, width: length, height: h))
    }

    func titleAndFooter(title: String, footer: String) throws {
        let m = PageLayout.margin
        let t = try canvas.prepareText(title, sizePT: 14, bold: true, wrapWidth: mm(page.widthMM - 2 * m))
        canvas.drawPreparedText(x: mm(m), y: mm(m) + (mm(PageLayout.titleHeight) - t.height) / 2)
        let f = try canvas.prepareText(footer, sizePT: 6.5, wrapWidth: mm(page.widthMM - 2 * m))
        canvas.drawPreparedText(
            x: mm(m), y: frame.maxY + (mm(PageLayout.footerHeight) - f.height) / 2,
            colour: RGB(60, 60, 60))
    }
}

/// 500 → "500", 2.5 → "2.5".
func formatNumber(_ v: Double) -> String {
    v == v.rounded() ? String(Int(v)) : String(v)
}
