import Testing

@testable import LandRegistry

@Suite("Clock.validDay")
struct ClockTests {
    @Test("real YYYY-MM-DD days are accepted unchanged")
    func realDays() {
        for day in ["2024-02-29", "2000-02-29", "2023-12-31", "0001-01-01", "9999-12-31"] {
            #expect(Clock.validDay(day) == day)
        }
    }

    @Test("signs, spaces and non-ASCII digits are refused (the fuzzer's find: Int(\"+1\") is 1)")
    func onlyASCIIDigits() {
        for text in [
            "2024-+1-01", "2024-01-+1", "+999-01-01", "2024- 1-01", "2024-01-1 ", "２０２４-01-01", "2023-02-29",
            "2024-13-01", "2024-00-10", "2024-04-31", "1900-02-29"
        ] {
            #expect(Clock.validDay(text) == nil, "\(text)")
        }
    }
}
