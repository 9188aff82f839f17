"""Unified social credit codes (统一社会信用代码, GB 32100-2015) with a valid GB 11714 organisation code inside."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"          # 31 characters: no I, O, Z, S, V
VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]                # GB 11714-1997 organisation code


def uscc_check(first17):
    s = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    c = 31 - s % 31
    return ALPHABET[0 if c == 31 else c]


def uscc_valid(code):
    return (len(code) == 18 and all(c in VALUE for c in code) and uscc_check(code[:17]) == code[17])


def org_check(body8):
    def val(c):
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10
    c = 11 - sum(val(ch) * w for ch, w in zip(body8, ORG_WEIGHTS)) % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def make(rng, region="330110", prefix="91"):
    """'91' (工商, 企业) + region + 9-char organisation code + check character."""
    # bodies of real 2015+ codes are digits, often with letters (e.g. MA...); keep to the USCC alphabet
    body = "MA" + "".join(ALPHABET[int(rng.integers(0, 31))] for _ in range(6)) if rng.random() < 0.6 else \
        "".join(ALPHABET[int(rng.integers(0, 10))] for _ in range(8))
    first17 = prefix + region + body + org_check(body)
    return first17 + uscc_check(first17)
