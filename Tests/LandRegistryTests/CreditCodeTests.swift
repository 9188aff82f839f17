import Foundation
import Testing

@testable import LandRegistry

@Suite("Unified social credit codes (GB 32100-2015)")
struct CreditCodeTests {
    @Test func everyCodeOfTheSampleEnterprisesIsValid() throws {
        let csv = try CSVTable(contentsOf: Fixtures.geoData + "/enterprises.csv")
        let codes = csv.rows.indices.map { csv.record($0)["credit_code"]! }
        #expect(codes.count == 41)
        for code in codes { #expect(CreditCode.problem(code) == nil, "\(code)") }
    }

    @Test func aWrongCheckCharacterIsCaughtAndTheRightOneNamed() throws {
        // 91330110MANN6LRU7B is valid: its check character is B.
        #expect(CreditCode.checkCharacter("91330110MANN6LRU7") == "B")
        let why = try #require(CreditCode.problem("91330110MANN6LRU7C"))
        #expect(why.contains("check character is \"C\" but the first 17 characters give \"B\""))
        // A transposition of two characters changes the check character.
        #expect(!CreditCode.isValid("91330110MANN6LUR7B"))
    }

    @Test(arguments: ["I", "O", "Z", "S", "V"])
    func lettersOutsideTheAlphabetAreRefused(letter: String) throws {
        let code = "91330110MA" + letter + "N6LRU7B"
        let why = try #require(CreditCode.problem(code))
        #expect(why.contains("character 11 \"\(letter)\" is not allowed (the letters I, O, Z, S and V are not used)"))
    }

    @Test func lowerCaseAndWrongLengthsAreRefused() throws {
        #expect(try #require(CreditCode.problem("91330110mann6lru7b")).contains("character 9 \"m\" is not allowed"))
        #expect(try #require(CreditCode.problem("91330110MANN6LRU7")).contains("has 17 characters"))
        #expect(try #require(CreditCode.problem("91330110MANN6LRU7BB")).contains("has 19 characters"))
        #expect(try #require(CreditCode.problem("")).contains("has 0 characters"))
    }

    @Test func theCheckCharacterThirtyOneMapsToZero() {
        // Σ ≡ 0 (mod 31) for the first 17 zeros: 31 − 0 = 31 → "0".
        #expect(CreditCode.checkCharacter(String(repeating: "0", count: 17)) == "0")
        #expect(CreditCode.isValid(String(repeating: "0", count: 18)))
    }
}
