// MARK: - The class tables of the default styles
//
// Land-use colours are the 第三次全国国土调查 (三调) map colours of TD/T 1055-2019《第三次全国国土调查技术规程》's
// 图式, as published in the "三调样式" template of MapGIS (github.com/MapGIS/WebClient-Vue,
// cesium/docs/template/guotu.md), one colour per first-level class taken from its first second-level class
// (园地 = 0201 果园, 林地 = 0301 乔木林地, 商服 = 05H1, 住宅 = 0701, 公共管理 = 08H1, 交通 = 1001, 水域 = 1101,
// 其他 = 1201); the three kinds of farmland (0101 水田, 0102 水浇地, 0103 旱地) keep their own colours.
// 用地用海 (yongdi) classes get their own categories, coloured with the 三调 colour of the GB/T 21010 class they
// correspond to (the crosswalk's direction): a local choice, said so in docs/styles.md.
//
// Spot, site and zone colours are local choices. They live here, not in seeds/, on purpose: each table is an
// exhaustive switch over the store's own enum (SpotStatus, SiteStage, ZoneKind), so a new state without a style
// does not compile, and the migration that installs the styles into an old store must not depend on finding
// the seeds folder.

/// One land-use category of the parcels style.
struct LandUseClass: Sendable {
    /// The category value the parcels style's expression yields ("01", "0101", "yongdi:07").
    let value: String
    let label: String
    let colour: RGB
}

enum StyleTables {
    /// GB/T 21010-2017 first-level classes, with farmland split into its three second-level classes.
    static let gbLandUse: [LandUseClass] = [
        LandUseClass(value: "01", label: "01 耕地", colour: RGB(255, 251, 177)),
        LandUseClass(value: "0101", label: "0101 水田（耕地）", colour: RGB(248, 208, 114)),
        LandUseClass(value: "0102", label: "0102 水浇地（耕地）", colour: RGB(248, 231, 28)),
        LandUseClass(value: "0103", label: "0103 旱地（耕地）", colour: RGB(255, 251, 177)),
        LandUseClass(value: "02", label: "02 园地", colour: RGB(214, 167, 201)),
        LandUseClass(value: "03", label: "03 林地", colour: RGB(49, 173, 105)),
        LandUseClass(value: "04", label: "04 草地", colour: RGB(131, 194, 56)),
        LandUseClass(value: "05", label: "05 商服用地", colour: RGB(226, 161, 149)),
        LandUseClass(value: "06", label: "06 工矿仓储用地", colour: RGB(197, 154, 140)),
        LandUseClass(value: "07", label: "07 住宅用地", colour: RGB(229, 103, 102)),
        LandUseClass(value: "08", label: "08 公共管理与公共服务用地", colour: RGB(241, 165, 180)),
        LandUseClass(value: "09", label: "09 特殊用地", colour: RGB(193, 114, 97)),
        LandUseClass(value: "10", label: "10 交通运输用地", colour: RGB(209, 201, 211)),
        LandUseClass(value: "11", label: "11 水域及水利设施用地", colour: RGB(163, 214, 245)),
        LandUseClass(value: "12", label: "12 其他土地", colour: RGB(225, 220, 225))
    ]

    /// The codes drawn as farmland in both systems (用地用海 0101–0103 are the same classes as GB/T 21010's).
    static let farmlandCodes = Farmland.codes

    /// 用地用海 first-level land classes (sea classes 18–22 and 24 do not occur on a subdistrict's parcels and
    /// fall into "other").
    static let yongdiLandUse: [LandUseClass] = [
        ("01", "耕地", RGB(255, 251, 177)), ("02", "园地", RGB(214, 167, 201)), ("03", "林地", RGB(49, 173, 105)),
        ("04", "草地", RGB(131, 194, 56)), ("05", "湿地", RGB(175, 200, 220)),
        ("06", "农业设施建设用地", RGB(220, 180, 130)), ("07", "居住用地", RGB(229, 103, 102)),
        ("08", "公共管理与公共服务用地", RGB(241, 165, 180)), ("09", "商业服务业用地", RGB(226, 161, 149)),
        ("10", "工矿用地", RGB(197, 154, 140)), ("11", "仓储用地", RGB(197, 154, 140)),
        ("12", "交通运输用地", RGB(209, 201, 211)), ("13", "公用设施用地", RGB(241, 165, 180)),
        ("14", "绿地与开敞空间用地", RGB(129, 195, 93)), ("15", "特殊用地", RGB(193, 114, 97)),
        ("16", "留白用地", RGB(225, 220, 225)), ("17", "陆地水域", RGB(163, 214, 245)),
        ("23", "其他土地", RGB(225, 220, 225))
    ].map { code, name, colour in
        LandUseClass(value: "yongdi:" + code, label: "\(code) \(name)（用地用海）", colour: colour)
    }

    /// Parcels whose land use is missing or in no class above.
    static let unclassifiedColour = RGB(255, 255, 255)

    // MARK: Spots

    /// Legend label, fill colour of each status. Fills are translucent so the parcel underneath stays legible.
    static func spotStatus(_ status: SpotStatus) -> (label: String, colour: RGB, outline: OutlineStyle) {
        switch status {
        case .reported: return ("已下发待核查 reported", RGB(255, 140, 0), .solid)
        case .verifying: return ("核查中 verifying", RGB(230, 190, 0), .dash)
        case .legal: return ("合法 legal", RGB(40, 160, 60), .solid)
        case .other: return ("其他 other", RGB(130, 130, 130), .solid)
        case .illegal: return ("违法 illegal", RGB(215, 0, 0), .solid)
        case .rectifying: return ("整改中 rectifying", RGB(150, 0, 190), .solid)
        case .rectified: return ("已整改 rectified", RGB(0, 110, 220), .solid)
        case .closed: return ("已销号 closed", RGB(90, 90, 90), .dot)
        case .split: return ("已拆分 split", RGB(200, 200, 200), .dash)
        case .submitted: return ("审核中 submitted", RGB(0, 170, 200), .dash)
        case .reviewed: return ("审核通过 reviewed", RGB(0, 150, 120), .solid)
        }
    }

    /// The statuses that have a deadline to miss.
    static let overdueStatuses: [SpotStatus] = [.illegal, .rectifying]

    // MARK: Sites

    static func siteStage(_ stage: SiteStage) -> (label: String, colour: RGB, outline: OutlineStyle) {
        switch stage {
        case .identified: return ("已识别 identified", RGB(255, 237, 160), .solid)
        case .assessed: return ("已评估 assessed", RGB(254, 196, 79), .solid)
        case .planned: return ("已规划 planned", RGB(254, 153, 41), .solid)
        case .implementing: return ("实施中 implementing", RGB(217, 95, 14), .solid)
        case .completed: return ("已完成 completed", RGB(49, 163, 84), .solid)
        case .suspended: return ("暂缓 suspended", RGB(150, 150, 150), .dash)
        case .cancelled: return ("已取消 cancelled", RGB(215, 215, 215), .dot)
        }
    }

    // MARK: Zones

    /// Outline colour, width (mm) and dash of each zone kind; zones have no fill.
    static func zoneKind(_ kind: ZoneKind) -> (label: String, colour: RGB, widthMM: Double, outline: OutlineStyle) {
        switch kind {
        case .community: return ("社区 community", RGB(0, 90, 200), 0.8, .dashDot)
        case .village: return ("行政村 village", RGB(120, 50, 170), 0.6, .dash)
        case .grid: return ("网格 grid", RGB(110, 110, 110), 0.4, .dot)
        case .basicFarmland: return ("永久基本农田 basic farmland", RGB(0, 140, 0), 1.0, .solid)
        case .developmentArea: return ("开发区 development area", RGB(230, 0, 120), 0.8, .dash)
        case .ecoRedline: return ("生态保护红线 ecological red line", RGB(200, 0, 0), 1.0, .solid)
        case .urbanBoundary: return ("城镇开发边界 urban development limit", RGB(160, 80, 0), 0.8, .dashDot)
        case .other: return ("其他 other", RGB(60, 60, 60), 0.4, .solid)
        }
    }

    // MARK: Reclaimable land (the export's layer)

    /// The `category` values of `landreg export reclaimable` (LandAnalysis' ReclaimableCalculator).
    static let reclaimableCategories: [(value: String, label: String, colour: RGB)] = [
        ("farmland", "可复垦耕地 farmland", RGB(248, 231, 28)),
        ("industrial", "可盘活工业用地 industrial", RGB(197, 154, 140)),
        ("both", "两者兼有 both", RGB(230, 120, 40))
    ]
}
