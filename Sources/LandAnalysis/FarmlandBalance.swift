import LandRegistry

// MARK: - The farmland ledger (耕地进出平衡) between two survey versions
//
// From the same overlay as the change report. Each piece's earlier and later land use get a ledger class from
// landuse_balance_classes (seeds/landuse-balance-classes.csv: longest code prefix wins): farmland, garden, forest,
// grassland, other-agricultural, construction, unused.
//   out          = farmland → anything else, by destination class;
//   in           = anything else → farmland, by origin class;
//   net          = in − out;
//   out to balance = out to garden, forest, grassland and other-agricultural: what 自然资发〔2021〕166号 requires to
//                  be made up within the year (farmland to construction has its own 占补平衡 and is shown apart);
//   in from balance = in from those same classes (other agricultural land turned back into farmland);
//   owed         = max(0, out to balance − in from balance).
// Areas in m²: ellipsoidal (CGCS2000) with planar alongside. With villages, the same per village.

/// One ledger line: a class and its area.
public struct LedgerLine: Sendable, Encodable, Equatable {
    public var balanceClass: String
    public var areaM2 = 0.0
    public var planarAreaM2 = 0.0
    public var areaMu = 0.0
    enum CodingKeys: String, CodingKey { case balanceClass = "class", areaM2, planarAreaM2, areaMu }
}

/// The ledger of one village, or of the whole subdistrict (`village` nil).
public struct FarmlandLedger: Sendable, Encodable, Equatable {
    public var village: String?
    /// Farmland out by destination class, and in by origin class (classes in a fixed order, non-empty only).
    public var out: [LedgerLine] = []
    public var `in`: [LedgerLine] = []
    public var outM2 = 0.0, outPlanarM2 = 0.0
    public var inM2 = 0.0, inPlanarM2 = 0.0
    public var netM2 = 0.0, netPlanarM2 = 0.0
    public var outToBalanceM2 = 0.0, outToBalancePlanarM2 = 0.0
    public var inFromBalanceM2 = 0.0, inFromBalancePlanarM2 = 0.0
    public var owedM2 = 0.0, owedPlanarM2 = 0.0
    public var outToConstructionM2 = 0.0, outToConstructionPlanarM2 = 0.0
}

public struct FarmlandBalanceReport: Sendable, Encodable {
    public var from: Int
    public var to: Int
    public var total: FarmlandLedger
    /// Per village when asked for (ordered by code).
    public var villages: [FarmlandLedger]
}

public enum FarmlandBalance {
    /// The classes the balance rule requires to be made up when farmland turns into them.
    public static let balanceClasses: Set<String> = ["garden", "forest", "grassland", "other-agricultural"]
    static let order = ["garden", "forest", "grassland", "other-agricultural", "construction", "unused", "unclassified"]

    /// The ledger class of a land-use code by the longest matching prefix; "unclassified" when none matches.
    public static func classify(_ code: String?, _ classes: [(prefix: String, balanceClass: String)]) -> String {
        guard let code else { return "unclassified" }
        return classes.first { code.hasPrefix($0.prefix) }?.balanceClass ?? "unclassified"
    }

    public static func compute(_ registry: Registry, from: Int, to: Int, byVillage: Bool) throws
        -> FarmlandBalanceReport
    {
        let classes = try registry.landUseBalanceClasses()
        var total = Accumulator(village: nil)
        var villages: [String: Accumulator] = [:]
        try registry.surveyOverlay(from: from, to: to, villages: byVillage ? .every : .none) { p in
            let a = classify(p.fromLandUse, classes), b = classify(p.toLandUse, classes)
            guard (a == "farmland") != (b == "farmland") else { return }
            total.add(from: a, to: b, p)
            if byVillage {
                let v = p.village ?? "–"
                villages[v, default: Accumulator(village: v)].add(from: a, to: b, p)
            }
        }
        return FarmlandBalanceReport(
            from: from, to: to, total: total.ledger(),
            villages: villages.keys.sorted().map { villages[$0]!.ledger() })
    }

    struct Accumulator {
        let village: String?
        var out: [String: (Double, Double)] = [:]
        var into: [String: (Double, Double)] = [:]

        mutating func add(from a: String, to b: String, _ p: SurveyOverlayPiece) {
            if a == "farmland" {
                out[b, default: (0, 0)].0 += p.ellipsoidalAreaM2; out[b, default: (0, 0)].1 += p.planarAreaM2
            } else {
                into[a, default: (0, 0)].0 += p.ellipsoidalAreaM2; into[a, default: (0, 0)].1 += p.planarAreaM2
            }
        }

        func ledger() -> FarmlandLedger {
            func lines(_ d: [String: (Double, Double)]) -> [LedgerLine] {
                order.compactMap { c in
                    d[c].map {
                        LedgerLine(balanceClass: c, areaM2: $0.0, planarAreaM2: $0.1, areaMu: AreaUnits.mu($0.0))
                    }
                }
            }
            func sum(_ d: [String: (Double, Double)], _ keep: (String) -> Bool) -> (Double, Double) {
                // In class order: a Dictionary's order changes from run to run, and so would the last digit.
                d.filter { keep($0.key) }.sorted { $0.key < $1.key }.reduce((0, 0)) {
                    ($0.0 + $1.value.0, $0.1 + $1.value.1)
                }
            }
            var l = FarmlandLedger(village: village)
            l.out = lines(out); l.in = lines(into)
            (l.outM2, l.outPlanarM2) = sum(out) { _ in true }
            (l.inM2, l.inPlanarM2) = sum(into) { _ in true }
            (l.netM2, l.netPlanarM2) = (l.inM2 - l.outM2, l.inPlanarM2 - l.outPlanarM2)
            (l.outToBalanceM2, l.outToBalancePlanarM2) = sum(out) { balanceClasses.contains($0) }
            (l.inFromBalanceM2, l.inFromBalancePlanarM2) = sum(into) { balanceClasses.contains($0) }
            (l.outToConstructionM2, l.outToConstructionPlanarM2) = sum(out) { $0 == "construction" }
            l.owedM2 = max(0, l.outToBalanceM2 - l.inFromBalanceM2)
            l.owedPlanarM2 = max(0, l.outToBalancePlanarM2 - l.inFromBalancePlanarM2)
            return l
        }
    }
}
