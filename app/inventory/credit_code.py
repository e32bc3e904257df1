"""统一社会信用代码 (unified social credit code) check per GB 32100—2015.

GB 32100—2015《法人和其他组织统一社会信用代码编码规则》: 18 characters from the code set
0-9 A-H J-N P-R T-U W-Y (表1, values 0…30; I O S V Z are never used); the 18th is the check character
C18 = 31 − MOD(Σ_{i=1..17} Ci × Wi, 31), with weights Wi = MOD(3^(i−1), 31) (表2: 1 3 9 27 19 26 16 17 20 29 25
13 8 24 10 30 28), and a result of 31 written as 0. The standard's worked example: 91350100M000100Y4Z has the sum
1640, MOD 31 = 28, so the check character is 3, not Z.
"""

CODE_SET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18


def check_character(first17: str) -> str:
    total = sum(CODE_SET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CODE_SET[(31 - total % 31) % 31]


def problem(code: str) -> tuple[str, str] | None:
    """Why `code` is not a valid credit code (Chinese, English, naming the wrong position), or None."""
    if len(code) != LENGTH:
        return (
            f"统一社会信用代码应为 18 位，实际为 {len(code)} 位",
            f"A unified social credit code has 18 characters, this one has {len(code)}",
        )
    for position, char in enumerate(code, start=1):
        if char not in CODE_SET:
            return (
                f"统一社会信用代码第 {position} 位“{char}”不在代码字符集内（0-9 及除 I、O、S、V、Z 外的大写字母）",
                f"Character {position} ('{char}') is not in the code set (0-9 and capitals except I, O, S, V, Z)",
            )
    expected = check_character(code[:17])
    if code[17] != expected:
        return (
            f"统一社会信用代码第 18 位（校验码）应为“{expected}”，实际为“{code[17]}”",
            f"Character 18 (the check character) should be '{expected}', not '{code[17]}'",
        )
    return None
