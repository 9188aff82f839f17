import CCairo
import Foundation
import LandGeometry
import LandRegistry

// MARK: - A cairo drawing surface for one map page, with pango text
//
// One page in one of three formats; every length the drawing code passes is in millimetres on the page and
// converted here (`unitsPerMM`: a PNG's pixels at its dpi, an SVG's CSS pixels at 96 per inch, a PDF's points).
// Text goes through pango with fontconfig, so Chinese finds Noto Sans CJK; a text with a glyph no font has is
// refused (no tofu on a map handed to the county).

/// A picture format landreg draws.
public enum MapFormat: String, Sendable, CaseIterable, Codable {
    case png, svg, pdf

    /// The format of an output path, from its extension.
    public init?(path: String) {
        self.init(rawValue: (path as NSString).pathExtension.lowercased())
    }
}

/// Why a map could not be drawn (nothing was written).
public struct MapError: Error, LocalizedError, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var errorDescription: String? { message }
}

/// The family every map text is set in (Debian: fonts-noto-cjk).
let mapFontFamily = "Noto Sans CJK SC"

final class Canvas {
    let cr: OpaquePointer
    let surface: OpaquePointer
    let format: MapFormat
    /// Device units per millimetre on the page.
    let unitsPerMM: Double
    /// Page size in device units.
    let width: Double, height: Double
    private let layout: OpaquePointer

    /// A page of `width` × `height` device units; SVG and PDF are written to `path` as they are drawn.
    init(
        format: MapFormat, width: Double, height: Double, unitsPerMM: Double, path: String, title: String,
        creator: String = "landreg map"
    ) throws {
        self.format = format; self.width = width; self.height = height; self.unitsPerMM = unitsPerMM
        switch format {
        case .png:
            surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width.rounded()), Int32(height.rounded()))
        case .svg:
            surface = cairo_svg_surface_create(path, width, height)
            cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        case .pdf:
            surface = cairo_pdf_surface_create(path, width, height)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, creator)
        }
        // cairo returns an error surface (never NULL) whose status says what went wrong.
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            let why = String(cString: cairo_status_to_string(status))
            cairo_surface_destroy(surface)
            throw MapError("cannot create the \(format.rawValue) surface (\(Int(width))×\(Int(height))): \(why)")
        }
        cr = cairo_create(surface)
        layout = pango_cairo_create_layout(cr)
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD) // holes of parcels stay open
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(layout))
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    func mm(_ v: Double) -> Double { v * unitsPerMM }

    // MARK: Paths and paint

    func setColour(_ c: RGB, alpha: Double = 1) {
        cairo_set_source_rgba(cr, Double(c.red) / 255, Double(c.green) / 255, Double(c.blue) / 255, alpha)
    }

    /// Line width in mm and the dash pattern of an outline style, scaled by the width as QGIS scales it.
    func setLine(widthMM: Double, style: OutlineStyle) {
        let w = mm(widthMM)
        cairo_set_line_width(cr, w)
        let unit = Swift.max(w, mm(0.25))
        let pattern: [Double]
        switch style {
        case .solid: pattern = []
        case .dash: pattern = [4 * unit, 2 * unit]
        case .dot: pattern = [1 * unit, 2 * unit]
        case .dashDot: pattern = [4 * unit, 2 * unit, 1 * unit, 2 * unit]
        }
        cairo_set_dash(cr, pattern, Int32(pattern.count), 0)
        cairo_set_line_cap(cr, style == .dot ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT)
    }

    func rectangle(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(cr, x, y, width, height)
    }

    /// Fills (when the symbol has a fill) and strokes the current path with `symbol`, as one drawing operation
    /// (cairo's SVG surface writes it as one <path>).
    func paint(_ symbol: FillSymbol) {
        if let fill = symbol.fill {
            setColour(fill, alpha: Double(symbol.fillAlpha) / 255)
            cairo_fill_preserve(cr)
        }
        setColour(symbol.outline)
        setLine(widthMM: symbol.outlineWidthMM, style: symbol.outlineStyle)
        cairo_stroke(cr)
    }

    // MARK: Text

    struct TextSize { let width: Double, height: Double }

    /// Lays `text` out in `sizePT` points (bold if asked), wrapped at `wrapWidth` device units when given.
    /// - Throws: `MapError` when a character has no glyph in any installed font.
    @discardableResult
    func prepareText(_ text: String, sizePT: Double, bold: Bool = false, wrapWidth: Double? = nil) throws -> TextSize {
        let font = pango_font_description_new()
        defer { pango_font_description_free(font) }
        pango_font_description_set_family(font, mapFontFamily)
        pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        // Absolute size in device units: points → mm → device units, whatever the surface.
        pango_font_description_set_absolute_size(font, mm(sizePT * 25.4 / 72) * Double(PANGO_SCALE))
        pango_layout_set_font_description(layout, font)
        pango_layout_set_width(layout, wrapWidth.map { Int32($0 * Double(PANGO_SCALE)) } ?? -1)
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        pango_layout_set_text(layout, text, -1)
        if pango_layout_get_unknown_glyphs_count(layout) > 0 {
            throw MapError(
                "no installed font has every character of 「\(text)」 (install fonts-noto-cjk, which provides \(mapFontFamily))"
            )
        }
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_size(layout, &w, &h)
        return TextSize(width: Double(w) / Double(PANGO_SCALE), height: Double(h) / Double(PANGO_SCALE))
    }

    /// Draws the text last prepared with its top-left corner at (x, y), optionally over a white halo.
    func drawPreparedText(x: Double, y: Double, colour: RGB = RGB(0, 0, 0), haloMM: Double? = nil) {
        if let haloMM {
            cairo_new_path(cr)
            cairo_move_to(cr, x, y)
            pango_cairo_layout_path(cr, layout)
            setColour(RGB(255, 255, 255), alpha: 0.9)
            setLine(widthMM: haloMM, style: .solid)
            cairo_stroke(cr)
        }
        cairo_move_to(cr, x, y)
        setColour(colour)
        pango_cairo_show_layout(cr, layout)
        cairo_new_path(cr)
    }

    /// Prepares and draws; returns the text's size.
    @discardableResult
    func text(
        _ text: String, x: Double, y: Double, sizePT: Double, bold: Bool = false, wrapWidth: Double? = nil,
        colour: RGB = RGB(0, 0, 0)
    ) throws -> TextSize {
        let size = try prepareText(text, sizePT: sizePT, bold: bold, wrapWidth: wrapWidth)
        drawPreparedText(x: x, y: y, colour: colour)
        return size
    }

    // MARK: Finishing

    /// Ends a PDF page and starts the next one on a white page: cairo's PDF surface writes the finished page's
    /// content stream to its file here, so a document of many pages holds one page in memory at a time.
    /// - Throws: `MapError` when cairo could not write the page (a full disk, a file-size limit): cairo then draws
    ///   nothing more, so the document stops there rather than after its last page.
    func nextPage() throws {
        cairo_show_page(cr)
        let status =
            cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS ? cairo_status(cr) : cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw MapError(
                "cannot draw the \(format.rawValue) page: \(String(cString: cairo_status_to_string(status)))")
        }
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
    }

    /// Completes the page: an SVG or PDF is flushed to its path; a PNG's bytes are returned (cairo's encoder,
    /// with the page's density added, see PNGDensity).
    func finish(dpi: Double) throws -> Data? {
        cairo_show_page(cr)
        var png: Data?
        if format == .png {
            let sink = ByteSink()
            let status = cairo_surface_write_to_png_stream(
                surface,
                { closure, bytes, length in
                    guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
                    Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
                    return CAIRO_STATUS_SUCCESS
                }, Unmanaged.passUnretained(sink).toOpaque())
            guard status == CAIRO_STATUS_SUCCESS else {
                throw MapError("cannot encode the PNG: \(String(cString: cairo_status_to_string(status)))")
            }
            png = try PNGDensity.withDensity(sink.data, dotsPerInch: dpi)
        }
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS, cairo_status(cr) == CAIRO_STATUS_SUCCESS else {
            let s = status == CAIRO_STATUS_SUCCESS ? cairo_status(cr) : status
            throw MapError("cannot draw the \(format.rawValue) page: \(String(cString: cairo_status_to_string(s)))")
        }
        return png
    }
}

private final class ByteSink { var data = Data() }
