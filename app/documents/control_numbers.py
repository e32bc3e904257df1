"""Control numbers (受控编号) a person types: letters, digits, `-`, `_` and `.`, never a path part."""

import re

from app.errors import Invalid

MAX_LENGTH = 64  # Document.control_no's column
# Starts and ends with a letter or digit (any script); `..` is refused too, so no number reads as a path step.
_CONTROL_NO = re.compile(r"[^\W_](?:[\w.-]*[^\W_])?")


def checked_control_no(text: str) -> str:
    """The control number, stripped, or a 422 saying what is allowed."""
    value = text.strip()
    if len(value) > MAX_LENGTH or not _CONTROL_NO.fullmatch(value) or ".." in value:
        raise Invalid(
            f"受控编号“{value[:MAX_LENGTH]}”无效：只能包含字母、数字、-、_ 和 .，须以字母或数字开头和结尾，"
            f"不能含“..”，最多 {MAX_LENGTH} 个字符",
            f"The control number “{value[:MAX_LENGTH]}” is not valid: letters, digits, -, _ and . only, beginning and "
            f"ending with a letter or digit, no “..”, at most {MAX_LENGTH} characters",
        )
    return value
