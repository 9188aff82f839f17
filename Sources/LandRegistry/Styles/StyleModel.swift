// MARK: - What a layer's default style is made of
//
// A style is data: a renderer (categories of one value, or rules) whose every class names its legend label,
// its symbol and how an SLD client selects it. The QML (what QGIS reads first) and the SLD 1.1 (what other
// clients read) are both generated from that one description (QGISStyleDocument, SLDStyleDocument), so
// the two cannot drift apart.

/// An sRGB colour, 0–255 per channel.
public struct RGB: Sendable, Hashable {
    public let red: Int, green: Int, blue: Int
    public init(_ red: Int, _ green: Int, _ blue: Int) { self.red = red; self.green = green; self.blue = blue }
    /// "r,g,b,a" as QML writes colours.
    func qml(alpha: Int = 255) -> String { "\(red),\(green),\(blue),\(alpha)" }
    /// "#rrggbb" as SLD writes colours.
    var hex: String {
        let digits = [red, green, blue].map { v -> String in
            let s = String(v, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + digits.joined()
    }
}

/// The outline dash pattern, named as QGIS's SimpleFill `outline_style` names it.
public enum OutlineStyle: String, Sendable {
    case solid, dash, dot
    case dashDot = "dash dot"
    /// The SLD `stroke-dasharray` (in pixels) that draws the same pattern; nil for a solid line.
    var sldDashArray: String? {
        switch self {
        case .solid: return nil
        case .dash: return "6 3"
        case .dot: return "1 3"
        case .dashDot: return "6 3 1 3"
        }
    }
}

/// One polygon symbol: a fill (or none) and an outline. Widths in millimetres (QGIS's default unit).
public struct FillSymbol: Sendable, Hashable {
    public let fill: RGB?
    /// 0–255; below 255 lets what is underneath show through.
    public let fillAlpha: Int
    public let outline: RGB
    public let outlineWidthMM: Double
    public let outlineStyle: OutlineStyle

    public init(
        fill: RGB?, fillAlpha: Int = 255, outline: RGB, outlineWidthMM: Double = 0.26,
        outlineStyle: OutlineStyle = .solid
    ) {
        self.fill = fill; self.fillAlpha = fillAlpha; self.outline = outline
        self.outlineWidthMM = outlineWidthMM; self.outlineStyle = outlineStyle
    }

    /// A filled class with the thin dark outline survey maps use.
    static func filled(_ colour: RGB) -> FillSymbol { FillSymbol(fill: colour, outline: RGB(110, 110, 110)) }
    /// An outline only (zones are drawn over the parcels they contain).
    static func outlined(_ colour: RGB, widthMM: Double, style: OutlineStyle) -> FillSymbol {
        FillSymbol(fill: nil, outline: colour, outlineWidthMM: widthMM, outlineStyle: style)
    }
}

/// How an SLD client picks the features of one class (OGC Filter Encoding 1.1).
public indirect enum SLDFilter: Sendable, Hashable {
    case equals(field: String, value: String)
    case notEquals(field: String, value: String)
    /// The field's text starts with `prefix`.
    case startsWith(field: String, prefix: String)
    case all([SLDFilter])
    case any([SLDFilter])
    /// Every feature no other rule of the style selects (SLD `ElseFilter`).
    case otherwise
}

/// One legend entry of a layer's style.
public struct StyleClass: Sendable, Hashable {
    /// The category value (categorised renderer; "" = every other value) or the QGIS filter expression (rules).
    public let match: String
    public let label: String
    public let symbol: FillSymbol
    /// nil: SLD has no equivalent (e.g. "overdue", which depends on today); the SLD leaves the class out.
    public let sld: SLDFilter?
}

/// A layer's default style.
public struct LayerStyleDefinition: Sendable {
    public enum Renderer: Sendable {
        /// QGIS `categorizedSymbol` on `expression` (a field name or a QGIS expression).
        case categorized(expression: String, classes: [StyleClass])
        /// QGIS `RuleRenderer`: every rule whose filter holds draws its symbol, in order.
        case rules([StyleClass])
    }

    /// The feature table the style belongs to.
    public let layer: String
    public let geometryColumn: String
    /// The styleName in layer_styles.
    public let name: String
    /// What the style shows, in one sentence (layer_styles.description).
    public let description: String
    public let renderer: Renderer
    /// The field labelled on the map, if any.
    public let labelField: String?

    public var classes: [StyleClass] {
        switch renderer {
        case .categorized(_, let classes), .rules(let classes): return classes
        }
    }
}
