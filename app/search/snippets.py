"""Snippets: a window of a revision's text around the first match, with every match highlighted."""

import html
import re

from app.search import index
from app.search.entries import join_han_lines


def highlighter(needles: list[tuple[str, str]]) -> re.Pattern | None:
    """One pattern for every needle of a query (longest first), or None when there is nothing to mark."""
    alternatives = []
    for kind, needle in sorted(set(needles), key=lambda item: len(item[1]), reverse=True):
        if kind == "word":
            alternatives.append(re.escape(needle) + r"[A-Za-z0-9]*")
        elif kind == "phrase":
            alternatives.append(re.escape(needle))  # a word matches the words it begins
        else:
            alternatives.append(re.escape(needle))
    for kind, needle in needles:  # a run found only in pieces: mark its pairs
        if kind == "cjk" and len(needle) > 2:
            alternatives.extend(re.escape(pair) for pair in index.bigrams(needle))
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def make_snippet(text: str, pattern: re.Pattern | None, *, width: int = 160, before: int = 40) -> str:
    """A window of the text around the first match; matches in <mark>, everything else HTML-escaped."""
    text = text or ""
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - before) if match else 0
    end = min(len(text), start + width + 40)
    piece = join_han_lines(text[start:end])[:width]  # only the window: cheap on long texts
    end = min(len(text), start + len(piece)) if end < len(text) else end
    out, pos = [], 0
    if pattern:
        for found in pattern.finditer(piece):
            out.append(html.escape(piece[pos : found.start()]))
            out.append(f"<mark>{html.escape(found.group())}</mark>")
            pos = found.end()
    out.append(html.escape(piece[pos:]))
    snippet = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")
