// MARK: - QML (QGIS 3.22 layer style)
//
// Written as text rather than through an XML library: the documents are small and fully determined by our own
// tables, and FoundationXML would link libxml2 into the product for no gain. Every attribute value and text
// passes through `xmlEscaped`. The structure is what QGIS 3.22 writes
// (renderer-v2 with categories / rules and a symbols list; symbol layers carry both the `<Option type="Map">`
// of 3.22 and the older `<prop>` pairs that 3.22 still writes for earlier readers).

enum QGISStyleDocument {
    /// The version string QGIS writes into the files it saves.
    static let qgisVersion = "3.22.16-Białowieża"

    /// The complete QML of `style`.
    static func qml(_ style: LayerStyleDefinition) -> String {
        let classes = style.classes
        var out = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        out += "<qgis version=\"\(qgisVersion)\" styleCategories=\"AllStyleCategories\""
        out += " labelsEnabled=\"\(style.labelField == nil ? 0 : 1)\">\n"
        switch style.renderer {
        case .categorized(let expression, _):
            out += "  <renderer-v2 type=\"categorizedSymbol\" attr=\"\(xmlEscaped(expression))\""
            out += " forceraster=\"0\" symbollevels=\"0\" enableorderby=\"0\" referencescale=\"-1\">\n"
            out += "    <categories>\n"
            for (i, c) in classes.enumerated() {
                out += "      <category render=\"true\" value=\"\(xmlEscaped(c.match))\" symbol=\"\(i)\""
                out += " label=\"\(xmlEscaped(c.label))\"/>\n"
            }
            out += "    </categories>\n"
        case .rules:
            out +=
                "  <renderer-v2 type=\"RuleRenderer\" forceraster=\"0\" symbollevels=\"0\" enableorderby=\"0\" referencescale=\"-1\">\n"
            out += "    <rules key=\"{\(ruleKey(style.layer, "root"))}\">\n"
            for (i, c) in classes.enumerated() {
                out += "      <rule key=\"{\(ruleKey(style.layer, String(i)))}\" filter=\"\(xmlEscaped(c.match))\""
                out += " label=\"\(xmlEscaped(c.label))\" symbol=\"\(i)\"/>\n"
            }
            out += "    </rules>\n"
        }
        out += "    <symbols>\n"
        for (i, c) in classes.enumerated() { out += symbol(c.symbol, name: String(i)) }
        out += "    </symbols>\n"
        out += "  </renderer-v2>\n"
        if let field = style.labelField { out += labeling(field: field) }
        out += "  <blendMode>0</blendMode>\n  <featureBlendMode>0</featureBlendMode>\n"
        out += "  <layerOpacity>1</layerOpacity>\n"
        out += "  <layerGeometryType>2</layerGeometryType>\n" // 2 = polygon
        out += "</qgis>\n"
        return out
    }

    /// The properties of one SimpleFill symbol layer, as QGIS names them.
    private static func simpleFillProperties(_ s: FillSymbol) -> [(String, String)] {
        [
            ("color", (s.fill ?? RGB(255, 255, 255)).qml(alpha: s.fill == nil ? 0 : s.fillAlpha)),
            ("style", s.fill == nil ? "no" : "solid"),
            ("outline_color", s.outline.qml()),
            ("outline_style", s.outlineStyle.rawValue),
            ("outline_width", String(s.outlineWidthMM)),
            ("outline_width_unit", "MM"),
            ("joinstyle", "bevel"),
            ("offset", "0,0"),
            ("offset_unit", "MM")
        ]
    }

    private static func symbol(_ s: FillSymbol, name: String) -> String {
        let props = simpleFillProperties(s)
        var out = "      <symbol type=\"fill\" name=\"\(name)\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
        out += "        <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
        out += "          <Option type=\"Map\">\n"
        for (k, v) in props {
            out += "            <Option type=\"QString\" name=\"\(k)\" value=\"\(xmlEscaped(v))\"/>\n"
        }
        out += "          </Option>\n"
        for (k, v) in props { out += "          <prop k=\"\(k)\" v=\"\(xmlEscaped(v))\"/>\n" }
        out += "        </layer>\n"
        out += "      </symbol>\n"
        return out
    }

    /// Simple labelling of `field`: dark text with a white buffer, over the polygon's centre.
    private static func labeling(field: String) -> String {
        """
          <labeling type="simple">
            <settings calloutType="simple">
              <text-style fieldName="\(xmlEscaped(field))" isExpression="0" fontFamily="Sans Serif" namedStyle="Regular" fontSize="8" fontSizeUnit="Point" fontWeight="50" fontItalic="0" textColor="20,20,20,255" textOpacity="1" multilineHeight="1">
                <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1" bufferJoinStyle="128"/>
              </text-style>
              <text-format wrapChar="" multilineAlign="1"/>
              <placement placement="1" priority="5" dist="0" distUnits="MM"/>
              <rendering drawLabels="1" obstacle="1" displayAll="0" upsidedownLabels="0" minFeatureSize="0"/>
            </settings>
          </labeling>

        """
    }

    /// A stable rule key (QGIS keys are free text, conventionally braced), so a regenerated style is identical.
    private static func ruleKey(_ layer: String, _ part: String) -> String { "landreg-\(layer)-\(part)" }
}

/// `text` with the five XML special characters escaped, for attribute values and element text.
func xmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(ch)
        }
    }
    return out
}
