"""What a search asks for: the words typed (parsed into index units) and the filters (a restriction on the index)."""

from dataclasses import dataclass, field
from datetime import date

from app.documents.models import RevisionState
from app.errors import Invalid
from app.search import index
from app.search.entries import day_term
from app.search.evaluation import Restriction, Unit
from app.users.models import Role, User

HIDDEN_STATES = frozenset({RevisionState.obsolete, RevisionState.superseded, RevisionState.void})
MAX_QUERY_CHARS = 500
MAX_UNITS = 16


@dataclass
class SearchFilters:
    doc_type: str | None = None
    clause: str | None = None
    state: str | None = None
    owner_unit: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    include_obsolete: bool = False

    @property
    def shows_ended(self) -> bool:
        """Obsolete, superseded and void revisions appear when asked for, or when filtering by such a state."""
        return self.include_obsolete or self.state in {str(state) for state in HIDDEN_STATES}


@dataclass
class ParsedQuery:
    units: list[Unit]
    needles: list[tuple[str, str]]  # (kind, text): what the snippet highlights
    phrases: list[str] = field(default_factory=list)  # quoted: checked word for word against the database


def _phrase_tokens(segments: list[tuple[str, str, int, int]]) -> list[str]:
    """Tokens of a phrase, positioned as the tokenizer positions them (compound words by their parts)."""
    tokens: list[str] = []
    for kind, text, _, _ in segments:
        if kind == "cjk":
            tokens.extend(index.bigrams(text))
        else:
            parts = index._PART_RE.findall(text)
            tokens.extend(part.lower() for part in (parts if len(parts) > 1 else [text]))
    return tokens


def _segment_unit(kind: str, text: str) -> Unit:
    if kind == "cjk":
        if len(text) == 1:
            return Unit("prefix", [text])  # the lone character, or a pair it begins
        return Unit("and", index.bigrams(text))  # every pair of the run: finds every text containing it
    word = text.lower()
    return Unit("prefix", [word]) if len(word) >= 2 else Unit("and", [word])


def parse_query(text: str) -> ParsedQuery:
    """Words and "quoted phrases"; no other syntax: Whoosh operators are plain words here.

    A run of Han characters matches documents holding all its overlapping pairs (so every document that contains
    the run); a Latin word or number matches the words it begins (prefix); a quoted phrase matches its tokens in
    order and adjacent (for Han text: the consecutive pairs, i.e. exactly the phrase). All units must match.
    """
    text = (text or "").strip()
    if not text:
        raise Invalid("请输入搜索词", "Enter something to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise Invalid(
            f"搜索词不能超过 {MAX_QUERY_CHARS} 个字符", f"The query may not exceed {MAX_QUERY_CHARS} characters"
        )
    chunks: list[tuple[str, bool]] = []
    parts = text.split('"')
    for i, part in enumerate(parts):
        quoted = i % 2 == 1 and i < len(parts) - 1  # an unbalanced last quote opens nothing
        if quoted:
            chunks.append((part, True))
        else:
            chunks.extend((word, False) for word in part.split())
    units: list[Unit] = []
    needles: list[tuple[str, str]] = []
    phrases: list[str] = []
    for chunk, quoted in chunks:
        segments = list(index.segments(chunk))
        if not segments:
            continue
        needles.extend((seg[0], seg[1]) for seg in segments)
        if quoted:
            tokens = _phrase_tokens(segments)
            if len(segments) == 1 and segments[0][0] == "cjk" and len(segments[0][1]) == 1:
                units.append(Unit("prefix", tokens))
            else:
                units.append(Unit("and", tokens))
            if len(tokens) > 1:
                phrases.append(chunk.strip())
                needles.append(("phrase", chunk.strip()))
        else:
            units.extend(_segment_unit(seg[0], seg[1]) for seg in segments)
        if len(units) > MAX_UNITS:
            raise Invalid(f"搜索词最多 {MAX_UNITS} 个", f"At most {MAX_UNITS} search terms")
    if not units:
        raise Invalid("搜索词中没有可搜索的文字或数字", "The query has no letters, digits or Chinese characters")
    return ParsedQuery(units, needles, phrases)


def restriction(user: User, filters: SearchFilters) -> Restriction:
    """The park (and for contributors the access level) inside the index query, plus the user's filters."""
    result = Restriction(required=[("park", str(user.park_id))])
    if user.role == Role.contributor:
        result.any_of.append([("access", "public"), ("creator", str(user.id))])
    for fieldname, value in (
        ("doc_type", filters.doc_type),
        ("clauses", filters.clause),
        ("state", filters.state),
        ("owner_unit", filters.owner_unit),
    ):
        if value:
            result.required.append((fieldname, value))
    if filters.date_from or filters.date_to:
        start = day_term(filters.date_from) if filters.date_from else "00000000"
        end = day_term(filters.date_to) if filters.date_to else "99991231"
        result.ranges.append(("day", start, end))
    if not filters.shows_ended:
        result.excluded.extend(("state", str(state)) for state in HIDDEN_STATES)
    return result
