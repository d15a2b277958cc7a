"""Search tokens for prompts and notes, the same on SQLite (FTS5) and PostgreSQL (GIN over tsvector).

Neither database splits Korean into searchable parts on its own: FTS5's `unicode61` and PostgreSQL's `simple`
parser both keep a run of Hangul as one word, so "야경" would not be found inside "서울야경". We therefore
tokenise in Python and let the database index our tokens, which are plain words joined by spaces:

1. The text is NFKC-normalised and case-folded ("Ｓｅｏｕｌ" → "seoul", "ＡＢＣ" → "abc").
2. It is cut into runs of letters and digits; everything else (spaces, punctuation, `"*():-`) separates runs.
3. A run of Latin (or any other space-separated script) letters and digits is one word. Its accents are
   dropped ("café" → "cafe") so both databases see the same word (FTS5 would fold them, PostgreSQL would not).
4. A run of Hangul, CJK ideographs or kana becomes every single character plus every two-character
   bigram: "서울야경" → 서 울 야 경 서울 울야 야경.
   Mixed text is split where the script changes: "서울2024야경" → 서울 (…), "2024", 야경 (…).

A query goes through the same function, then:
- a Latin word matches as a prefix ("bicyc" finds "bicycle"): FTS5 `"bicyc"*`, PostgreSQL `'bicyc':*`;
- a one-character Hangul/CJK run matches that character anywhere ("야" finds "야경" and "서울야경");
- a longer run matches when all its bigrams are present ("서울야" → 서울 AND 울야, found in "서울야경").
  Bigrams may come from different places in the text, so a long query can find a little more than the exact
  substring; it never misses a text that contains it;
- all the query's terms are AND-ed. A query with no letters or digits at all (e.g. `"*():-`) sets no text
  filter. Every term is a quoted literal made of letters and digits only, passed as a bound parameter, so no
  input can break the query syntax.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_TOKEN_LENGTH = 64  # longer words are cut (index and query alike), far below PostgreSQL's 2047 limit
MAX_QUERY_TERMS = 24

_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3FFFF),  # CJK Extensions B and later
)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def _is_word_char(char: str) -> bool:
    return char.isalnum()


@dataclass(frozen=True)
class Run:
    text: str
    cjk: bool


def runs(text: str) -> list[Run]:
    """Runs of letters/digits in one script class (CJK or not), normalised; separators dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    out: list[Run] = []
    current: list[str] = []
    current_cjk = False
    for char in text:
        if not _is_word_char(char):
            if current:
                out.append(Run("".join(current), current_cjk))
                current = []
            continue
        cjk = _is_cjk(char)
        if current and cjk != current_cjk:
            out.append(Run("".join(current), current_cjk))
            current = []
        current_cjk = cjk
        current.append(char)
    if current:
        out.append(Run("".join(current), current_cjk))
    return [folded for folded in map(_fold, out) if folded.text]


def _fold(run: Run) -> Run:
    if run.cjk:
        return run
    # Drop accents: decompose, remove combining marks, recompose ("café" → "cafe").
    bare = "".join(c for c in unicodedata.normalize("NFKD", run.text) if not unicodedata.combining(c))
    bare = "".join(c for c in unicodedata.normalize("NFC", bare) if _is_word_char(c))
    return Run(bare[:MAX_TOKEN_LENGTH], False)


def _grams(run: str) -> list[str]:
    return list(run) + [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(*texts: str | None) -> str:
    """The `search_text` stored for a record: its tokens, de-duplicated, joined by spaces."""
    seen: dict[str, None] = {}
    for text in texts:
        for run in runs(text or ""):
            for token in _grams(run.text) if run.cjk else [run.text]:
                seen.setdefault(token, None)
    return " ".join(seen)


@dataclass(frozen=True)
class Term:
    token: str
    prefix: bool


def query_terms(query: str) -> list[Term]:
    """What a search must find, AND-ed: prefix words and exact CJK characters/bigrams (at most 24 terms)."""
    terms: dict[Term, None] = {}
    for run in runs(query):
        if not run.cjk:
            terms.setdefault(Term(run.text, True), None)
        elif len(run.text) == 1:
            terms.setdefault(Term(run.text, False), None)
        else:
            for i in range(len(run.text) - 1):
                terms.setdefault(Term(run.text[i : i + 2], False), None)
    return list(terms)[:MAX_QUERY_TERMS]


def fts5_query(terms: list[Term]) -> str:
    """An FTS5 MATCH expression: quoted literals (quotes doubled), `*` for prefixes, AND-ed."""
    return " AND ".join('"' + t.token.replace('"', '""') + '"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: list[Term]) -> str:
    """A PostgreSQL to_tsquery('simple', ...) string: quoted lexemes, `:*` for prefixes, AND-ed."""
    return " & ".join(
        "'" + t.token.replace("'", "''").replace("\\", "\\\\") + "'" + (":*" if t.prefix else "") for t in terms
    )
