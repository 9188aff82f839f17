// MARK: - Each layer's default style, built from StyleTables

public enum DefaultStyles {
    /// The layers of a store that have a default style.
    public static let storeLayers = ["parcels", "zones", "spots", "sites"]
    /// Every layer with a default style, the export-only ones included.
    public static let allLayers = storeLayers + ["reclaimable", "unreported-construction"]

    /// The default style of `layer`, or nil when landreg has none for it.
    public static func definition(for layer: String) -> LayerStyleDefinition? {
        switch layer {
        case "parcels": return parcels
        case "zones": return zones
        case "spots": return spots
        case "sites": return sites
        case "reclaimable": return reclaimable
        case "unreported-construction": return unreportedConstruction
        default: return nil
        }
    }

    /// The style name landreg writes, so `styles reset` recognises its own rows.
    static func styleName(_ layer: String) -> String { "landreg-\(layer)" }

    /// Parcels by land-use class: the GB/T 21010 first-level class (first two characters), farmland by its own
    /// three classes, 用地用海 codes in categories of their own.
    static let parcels: LayerStyleDefinition = {
        let farmland = StyleTables.farmlandCodes.map { "'\($0)'" }.joined(separator: ", ")
        let expression = """
            CASE WHEN "land_use" IN (\(farmland)) THEN "land_use" \
            WHEN "land_use_system" = 'yongdi' THEN 'yongdi:' || left("land_use", 2) \
            ELSE left("land_use", 2) END
            """
        let notYongdi = SLDFilter.notEquals(field: "land_use_system", value: "yongdi")
        let isYongdi = SLDFilter.equals(field: "land_use_system", value: "yongdi")
        let gb = StyleTables.gbLandUse.map { c in
            StyleClass(
                match: c.value, label: c.label, symbol: .filled(c.colour),
                sld: StyleTables.farmlandCodes.contains(c.value)
                    ? .equals(field: "land_use", value: c.value)
                    : .all([.startsWith(field: "land_use", prefix: c.value), notYongdi]))
        }
        let yongdi = StyleTables.yongdiLandUse.map { c in
            StyleClass(
                match: c.value, label: c.label, symbol: .filled(c.colour),
                sld: .all([isYongdi, .startsWith(field: "land_use", prefix: String(c.value.suffix(2)))]))
        }
        let other = StyleClass(
            match: "", label: "其他 / 未分类 unclassified",
            symbol: .filled(StyleTables.unclassifiedColour), sld: .otherwise)
        return LayerStyleDefinition(
            layer: "parcels", geometryColumn: "geom", name: styleName("parcels"),
            description:
                "parcels by land-use class (GB/T 21010 first level, farmland 0101/0102/0103 apart) in the 三调 colours",
            renderer: .categorized(expression: expression, classes: gb + yongdi + [other]), labelField: nil)
    }()

    /// A style with one category per value of `field`, each selected in SLD by equality.
    private static func categorized(
        _ layer: String, field: String, description: String,
        _ classes: [(value: String, label: String, symbol: FillSymbol)]
    ) -> LayerStyleDefinition {
        LayerStyleDefinition(
            layer: layer, geometryColumn: "geom", name: styleName(layer), description: description,
            renderer: .categorized(
                expression: field,
                classes: classes.map {
                    StyleClass(
                        match: $0.value, label: $0.label, symbol: $0.symbol, sld: .equals(field: field, value: $0.value)
                    )
                }),
            labelField: nil)
    }

    /// Zones outlined by kind, no fill.
    static let zones = categorized(
        "zones", field: "kind", description: "zones outlined by kind (no fill), each kind its own colour and dash",
        ZoneKind.allCases.map { kind in
            let s = StyleTables.zoneKind(kind)
            return (kind.rawValue, s.label, FillSymbol.outlined(s.colour, widthMM: s.widthMM, style: s.outline))
        })

    /// The QGIS expression that is true for a spot whose rectification deadline has passed. It compares with
    /// today's date each time QGIS draws, so the map stays true as days pass.
    static let overdueExpression: String = {
        let statuses = StyleTables.overdueStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return """
            "status" IN (\(statuses)) AND "deadline" IS NOT NULL AND "deadline" < format_date(now(), 'yyyy-MM-dd')
            """
    }()

    /// Spots by status, overdue ones marked on top, labelled with their code.
    static let spots: LayerStyleDefinition = {
        var rules = SpotStatus.allCases.map { status in
            let s = StyleTables.spotStatus(status)
            return StyleClass(
                match: "\"status\" = '\(status.rawValue)'", label: s.label,
                symbol: FillSymbol(
                    fill: s.colour, fillAlpha: 110, outline: s.colour,
                    outlineWidthMM: 0.6, outlineStyle: s.outline),
                sld: .equals(field: "status", value: status.rawValue))
        }
        // No SLD equivalent: SLD 1.1 filters have no "today".
        rules.append(
            StyleClass(
                match: overdueExpression, label: "逾期未整改 overdue",
                symbol: FillSymbol(
                    fill: nil, outline: RGB(255, 0, 0), outlineWidthMM: 1.4,
                    outlineStyle: .dash),
                sld: nil))
        return LayerStyleDefinition(
            layer: "spots", geometryColumn: "geom", name: styleName("spots"),
            description:
                "violation spots by status, overdue illegal/rectifying spots outlined in red, labelled with their code",
            renderer: .rules(rules), labelField: "code")
    }()

    /// Redevelopment sites by stage.
    static let sites = categorized(
        "sites", field: "stage", description: "redevelopment sites by stage",
        SiteStage.allCases.map { stage in
            let s = StyleTables.siteStage(stage)
            return (
                stage.rawValue, s.label,
                FillSymbol(
                    fill: s.colour, fillAlpha: 180, outline: RGB(90, 60, 30),
                    outlineWidthMM: 0.4, outlineStyle: s.outline)
            )
        })

    /// The reclaimable-land export by category.
    static let reclaimable = categorized(
        "reclaimable", field: "category", description: "reclaimable land by category (farmland, industrial, both)",
        StyleTables.reclaimableCategories.map { ($0.value, $0.label, FillSymbol.filled($0.colour)) })

    /// Unreported construction by the farmland class it was (水田, 水浇地, 旱地).
    static let unreportedConstruction = categorized(
        "unreported-construction", field: "land_use_before",
        description: "farmland that became construction land with no spot behind it",
        [
            ("0101", "水田 → 建设用地", FillSymbol.filled(RGB(220, 40, 40))),
            ("0102", "水浇地 → 建设用地", FillSymbol.filled(RGB(240, 90, 60))),
            ("0103", "旱地 → 建设用地", FillSymbol.filled(RGB(250, 140, 90)))
        ])
}
