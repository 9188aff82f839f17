import Foundation
import LandGeoJSON
import LandGeometry

/// Dates as the store keeps them: timestamps in UTC ISO 8601, effective dates as YYYY-MM-DD.
public enum Clock {
    public static func timestamp(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    public static func today() -> String { String(timestamp().prefix(10)) }

    /// Checks a YYYY-MM-DD date (a real calendar day) and returns it unchanged.
    public static func validDay(_ text: String) -> String? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        // ASCII digits only: Int("+1") is 1, so "2024-+1-01" would pass as January (found by tools/fuzz, options).
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), d >= 1
        else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days ? text : nil
    }
}
