"""The Whoosh analysis (index.CJKBigramTokenizer) as PostgreSQL text-search values: a tsvector of exactly the
tokens Whoosh indexes, at the tokenizer's positions, and tsqueries of a parsed query's units.

Both are written as tsvector/tsquery literals (`'token':1,5`), which PostgreSQL reads verbatim: no parser and no
dictionary of its own (to_tsvector('simple', …) would lower-case again and split P1-POL-001 on its hyphens).
"""

import struct
from dataclasses import dataclass
from datetime import date

from app.search import index
from app.search.evaluation import Unit
from app.search.query import HIDDEN_STATES, ParsedQuery, _phrase_tokens

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


def _positions(text: str) -> tuple[dict[str, list[int]], int]:
    """{token: its positions (1-based, ascending)} as the tokenizer makes them, and the number of tokens."""
    positions: dict[str, list[int]] = {}
    pos = length = 0
    for match in index.TOKEN_RE.finditer(text):
        run = match.group()
        length += 1
        if match.lastgroup == "cjk":
            if len(run) == 1:
                pos += 1
                positions.setdefault(run, []).append(pos)
                continue
            length += len(run) - 2
            for pair in map(str.__add__, run, run[1:]):
                pos += 1
                positions.setdefault(pair, []).append(pos)
            continue
        pos += 1
        positions.setdefault(run.lower(), []).append(pos)
        if len(run) > 1 and not run.isalnum():
            parts = index._PART_RE.findall(run)
            if len(parts) > 1:
                length += len(parts)
                for i, part in enumerate(parts):
                    kept = positions.setdefault(part.lower(), [])
                    if not kept or kept[-1] != pos + i:
                        kept.append(pos + i)
                pos += len(parts) - 1
    return positions, length


Entries = list[tuple[str, list[int]]]  # (lexeme, its positions; none: the word without positions)


def _literal(entries: Entries) -> str:
    # Tokens hold only letters, digits, CJK and inner . _ - / (index.TOKEN_RE): nothing to escape in a literal.
    return " ".join("'" + word + "':" + ",".join(map(str, kept)) if kept else _quote(word) for word, kept in entries)


def _entries(text: str) -> tuple[Entries, int, bool]:
    """(the tsvector's entries within PostgreSQL's limits, the number of tokens, every position kept)."""
    positions, length = _positions(text)
    exact = True
    entries: Entries = []
    chars = 0  # an upper bound of the literal's length: a position is at most five digits and a comma
    for word, kept in positions.items():
        if len(kept) > MAX_POSITIONS_PER_LEXEME or kept[-1] > MAX_POSITION:
            exact = False
            kept = [at for at in kept[:MAX_POSITIONS_PER_LEXEME] if at <= MAX_POSITION]
        if len(word) > MAX_LEXEME_BYTES // 4 and len(word.encode()) > MAX_LEXEME_BYTES:
            continue  # a "word" of kilobytes (an encoded blob in the text) is no search term
        entries.append((word, kept))
        chars += len(word) + 3 + 6 * len(kept)
    if chars * 3 > MAX_TSVECTOR_BYTES and len(_literal(entries).encode()) > MAX_TSVECTOR_BYTES:
        exact = False  # a very long text: its words without positions
        size = 0
        words: Entries = []
        for word in positions:
            size += len(word.encode()) + 3
            if size > MAX_TSVECTOR_BYTES:
                break  # beyond ~100,000 distinct terms: the rest of such a text is not searchable
            words.append((word, []))
        entries = words
    return entries, length, exact


def analyse(text: str) -> Analysed:
    entries, length, exact = _entries(text)
    return Analysed(_literal(entries), length, exact)


def tsvector_binary(entries: Entries) -> bytes:
    """The entries in tsvector's binary send/receive format (COPY … FORMAT BINARY): the server reads them without
    parsing a literal. Big-endian: int32 count; per lexeme its UTF-8 bytes, a NUL, uint16 count and uint16 positions."""
    parts = [struct.pack(">i", len(entries))]
    for word, kept in entries:
        parts.append(word.encode() + b"\0" + struct.pack(f">{len(kept) + 1}H", len(kept), *kept))
    return b"".join(parts)


def _day(term: str) -> date | None:
    return None if term == "00000000" else date(int(term[:4]), int(term[4:6]), int(term[6:]))


def row_of(document: dict, *, binary: bool = False) -> dict:
    """A Whoosh entry (entries.load_documents) as a search_entry row; `tsv` a literal, or with `binary` the bytes
    of tsvector's binary format."""
    entries, length, exact = _entries(document["content"])
    return {
        "revision_id": int(document["rid"]),
        "park_id": int(document["park"]),
        "document_id": int(document["doc"]),
        "access": document["access"],
        "creator_id": int(document["creator"]),
        "doc_type": document["doc_type"],
        "kind": document["kind"],
        "clauses": [clause for clause in document["clauses"].split(",") if clause],
        "state": document["state"],
        "live": 0 if document["state"] in {str(state) for state in HIDDEN_STATES} else 1,
        "owner_unit": document["owner_unit"],
        "day": _day(document["day"]),
        "stamp": document["stamp"],
        "length": length,
        "exact_positions": exact,
        "tsv": tsvector_binary(entries) if binary else _literal(entries),
    }


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
