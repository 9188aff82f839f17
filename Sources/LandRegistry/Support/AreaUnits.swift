/// Area units as land offices report them. Compute in m²; convert only to show.
public enum AreaUnits {
    /// 1 亩 = 10000/15 m².
    public static let squareMetresPerMu = 10000.0 / 15.0
    public static func mu(_ squareMetres: Double) -> Double { squareMetres / squareMetresPerMu }
    public static func hectares(_ squareMetres: Double) -> Double { squareMetres / 10000 }
}
