// MARK: - SLD 1.1 (OGC Symbology Encoding 1.1 inside a Styled Layer Descriptor 1.1)
//
// The same classes as the QML, one se:Rule each, selected by the class's SLDFilter. Classes without an SLD
// filter (the spots' "overdue", which needs today's date) are left out: QGIS reads the QML anyway.

enum SLDStyleDocument {
    static func sld(_ style: LayerStyleDefinition) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <StyledLayerDescriptor version="1.1.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" \
            xmlns:se="http://www.opengis.net/se" xmlns:xlink="http://www.w3.org/1999/xlink" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
            xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd">
              <NamedLayer>
                <se:Name>\(xmlEscaped(style.layer))</se:Name>
                <UserStyle>
                  <se:Name>\(xmlEscaped(style.name))</se:Name>
                  <se:FeatureTypeStyle>

            """
        for c in style.classes {
            guard let filter = c.sld else { continue }
            out += "        <se:Rule>\n"
            out += "          <se:Name>\(xmlEscaped(c.label))</se:Name>\n"
            out += "          <se:Description><se:Title>\(xmlEscaped(c.label))</se:Title></se:Description>\n"
            if case .otherwise = filter {
                out += "          <se:ElseFilter/>\n"
            } else {
                out += "          <ogc:Filter>\(filterXML(filter))</ogc:Filter>\n"
            }
            out += polygonSymbolizer(c.symbol)
            out += "        </se:Rule>\n"
        }
        if let field = style.labelField { out += textRule(field: field) }
        out += "      </se:FeatureTypeStyle>\n    </UserStyle>\n  </NamedLayer>\n</StyledLayerDescriptor>\n"
        return out
    }

    private static func filterXML(_ filter: SLDFilter) -> String {
        func property(_ field: String) -> String { "<ogc:PropertyName>\(xmlEscaped(field))</ogc:PropertyName>" }
        func literal(_ value: String) -> String { "<ogc:Literal>\(xmlEscaped(value))</ogc:Literal>" }
        switch filter {
        case .equals(let field, let value):
            return "<ogc:PropertyIsEqualTo>\(property(field))\(literal(value))</ogc:PropertyIsEqualTo>"
        case .notEquals(let field, let value):
            return "<ogc:PropertyIsNotEqualTo>\(property(field))\(literal(value))</ogc:PropertyIsNotEqualTo>"
        case .startsWith(let field, let prefix):
            // Land-use codes contain no wildcard characters; '%' is the wildcard, '\' the escape.
            return "<ogc:PropertyIsLike wildCard=\"%\" singleChar=\"_\" escapeChar=\"\\\">"
                + "\(property(field))\(literal(prefix + "%"))</ogc:PropertyIsLike>"
        case .all(let parts):
            return "<ogc:And>" + parts.map(filterXML).joined() + "</ogc:And>"
        case .any(let parts):
            return "<ogc:Or>" + parts.map(filterXML).joined() + "</ogc:Or>"
        case .otherwise:
            return "" // written as se:ElseFilter by the caller
        }
    }

    private static func polygonSymbolizer(_ s: FillSymbol) -> String {
        var out = "          <se:PolygonSymbolizer>\n"
        if let fill = s.fill {
            out += "            <se:Fill>\n"
            out += "              <se:SvgParameter name=\"fill\">\(fill.hex)</se:SvgParameter>\n"
            if s.fillAlpha < 255 {
                out +=
                    "              <se:SvgParameter name=\"fill-opacity\">\(Double(s.fillAlpha) / 255)</se:SvgParameter>\n"
            }
            out += "            </se:Fill>\n"
        }
        out += "            <se:Stroke>\n"
        out += "              <se:SvgParameter name=\"stroke\">\(s.outline.hex)</se:SvgParameter>\n"
        // SLD widths are in pixels (0.28 mm each, the standard rendering pixel).
        let widthPixels = (s.outlineWidthMM / 0.28 * 100).rounded() / 100
        out += "              <se:SvgParameter name=\"stroke-width\">\(widthPixels)</se:SvgParameter>\n"
        if let dash = s.outlineStyle.sldDashArray {
            out += "              <se:SvgParameter name=\"stroke-dasharray\">\(dash)</se:SvgParameter>\n"
        }
        out += "            </se:Stroke>\n"
        out += "          </se:PolygonSymbolizer>\n"
        return out
    }

    private static func textRule(field: String) -> String {
        """
                <se:Rule>
                  <se:Name>\(xmlEscaped(field))</se:Name>
                  <se:TextSymbolizer>
                    <se:Label><ogc:PropertyName>\(xmlEscaped(field))</ogc:PropertyName></se:Label>
                    <se:Font><se:SvgParameter name="font-size">11</se:SvgParameter></se:Font>
                    <se:Halo><se:Radius>2</se:Radius><se:Fill><se:SvgParameter name="fill">#ffffff</se:SvgParameter></se:Fill></se:Halo>
                    <se:Fill><se:SvgParameter name="fill">#141414</se:SvgParameter></se:Fill>
                  </se:TextSymbolizer>
                </se:Rule>

        """
    }
}
