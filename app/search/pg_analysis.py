"""The Whoosh analysis (index.CJKBigramTokenizer) as PostgreSQL text-search values: a tsvector of exactly the
tokens Whoosh indexes, at the tokenizer's positions, and tsqueries of a parsed query's units.

Both are written as tsvector/tsquery literals (`'token':1,5`), which PostgreSQL reads verbatim: no parser and no
dictionary of its own (to_tsvector('simple', …) would lower-case again and split P1-POL-001 on its hyphens).
"""

from dataclasses import dataclass

from app.search import index
from app.search.evaluation import Unit
from app.search.query import ParsedQuery, _phrase_tokens

MAX_POSITION = 16383  # PostgreSQL keeps positions 1..16383
MAX_POSITIONS_PER_LEXEME = 256  # and at most 256 of them per lexeme
MAX_LEXEME_BYTES = 2046
MAX_TSVECTOR_BYTES = 900_000  # below PostgreSQL's 1 MB limit, with room for the header


@dataclass
class Analysed:
    tsvector: str  # a tsvector literal
    length: int  # tokens in the text (BM25's document length)
    exact_positions: bool  # every token's position kept: phrase queries (<->) are exact for this entry


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def analyse(text: str) -> Analysed:
    positions: dict[str, list[int]] = {}
    length, exact = 0, True
    for token in index.CJKBigramTokenizer()(text, positions=True):
        length += 1
        word = token.text
        if len(word.encode()) > MAX_LEXEME_BYTES:
            continue  # a "word" of kilobytes (an encoded blob in the text) is no search term
        pos = token.pos + 1
        kept = positions.setdefault(word, [])
        if pos > MAX_POSITION or len(kept) >= MAX_POSITIONS_PER_LEXEME:
            exact = False
        elif not kept or kept[-1] != pos:
            kept.append(pos)
    parts = [f"{_quote(word)}:{','.join(map(str, kept))}" if kept else _quote(word) for word, kept in positions.items()]
    literal = " ".join(parts)
    if len(literal.encode()) > MAX_TSVECTOR_BYTES:  # a very long text: its words without positions
        exact = False
        literal, size, words = "", 0, []
        for word in positions:
            size += len(word.encode()) + 3
            if size > MAX_TSVECTOR_BYTES:
                break  # beyond ~100,000 distinct terms: the rest of such a text is not searchable
            words.append(_quote(word))
        literal = " ".join(words)
    return Analysed(literal, length, exact)


def _unit_query(unit: Unit) -> str:
    if unit.mode == "prefix":
        return f"{_quote(unit.tokens[0])}:*"
    return " & ".join(_quote(token) for token in dict.fromkeys(unit.tokens))


def tsqueries(parsed: ParsedQuery) -> tuple[str, str | None]:
    """(every unit's tokens ANDed, the quoted phrases as `<->` sequences or None when the query has none)."""
    every = " & ".join(f"({_unit_query(unit)})" for unit in parsed.units)
    if not parsed.phrases:
        return every, None
    sequences = []
    for phrase in parsed.phrases:
        tokens = _phrase_tokens(list(index.segments(phrase)))
        sequences.append("(" + " <-> ".join(_quote(token) for token in tokens) + ")")
    return every, " & ".join(sequences)
