// MARK: - Unified social credit code (统一社会信用代码, GB 32100-2015)
//
// 18 characters from the 31-character alphabet 0-9 A-H J-N P Q R T U W X Y (no I, O, Z, S, V). The last is a
// check character: with weights 3^i mod 31 (1, 3, 9, 27, 19, 26, …) over the values of the first 17,
// check = 31 − (Σ mod 31), where 31 maps to 0.

/// Checks unified social credit codes.
public enum CreditCode {
    /// The code alphabet in value order: a character's value is its index.
    public static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    /// The weights of positions 1…17.
    public static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    public static let length = 18

    private static let values: [Character: Int] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })

    /// The check character for the first 17 characters, or nil when they are not 17 characters of the alphabet.
    public static func checkCharacter(_ first17: String) -> Character? {
        let chars = Array(first17)
        guard chars.count == 17 else { return nil }
        var sum = 0
        for (c, w) in zip(chars, weights) {
            guard let v = values[c] else { return nil }
            sum += v * w
        }
        let check = 31 - sum % 31
        return alphabet[check == 31 ? 0 : check]
    }

    /// Why `code` is not a valid credit code, or nil when it is. Lower-case letters are not accepted:
    /// codes are printed in capitals and stored as written.
    public static func problem(_ code: String) -> String? {
        let chars = Array(code)
        guard chars.count == length else {
            return "credit code \"\(code)\" has \(chars.count) characters; a unified social credit code has 18"
        }
        let bad = chars.enumerated().filter { values[$0.element] == nil }
        if let (i, c) = bad.first {
            let why =
                "IOZSV".contains(c)
                ? "the letters I, O, Z, S and V are not used"
                : "only 0-9 and the capital letters A-H, J-N, P, Q, R, T, U, W, X, Y are used"
            return "credit code \"\(code)\": character \(i + 1) \"\(c)\" is not allowed (\(why))"
        }
        let expected = checkCharacter(String(chars.prefix(17)))!
        if chars[17] != expected {
            return
                "credit code \"\(code)\": check character is \"\(chars[17])\" but the first 17 characters give \"\(expected)\" (GB 32100-2015); a typing mistake?"
        }
        return nil
    }

    /// True when `code` passes the alphabet and check-character test.
    public static func isValid(_ code: String) -> Bool { problem(code) == nil }
}
