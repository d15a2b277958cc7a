"""Line breaking for Korean marketing copy (and the English and numbers mixed into it).

Rules, in order:
1. Text is NFC-normalised, so conjoining jamo typed as sequences become syllable blocks (U+AC00–U+D7A3).
2. Explicit newlines are kept; other whitespace runs are one space.
3. Lines break at spaces (Korean word spacing, 띄어쓰기) first, like CSS `word-break: keep-all`.
4. Only a single word wider than the line is broken, between grapheme clusters (UAX #29 via `regex`'s `\\X`),
   so a syllable block, an old-Hangul jamo sequence or a letter with combining marks is never split. Runs of
   Latin letters and digits are kept whole when another break fits.
5. Kinsoku basics: closing punctuation (`.,!?)」』…` and kin) never starts a line, opening brackets never end one;
   a word made only of closing punctuation stays with the word before it.
6. `balance` evens out a paragraph's lines (like CSS `text-wrap: balance`): same line count, no orphan word.
7. `ellipsize` shortens a line cluster by cluster and ends it with "…"; it never returns a line wider than asked.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable

import regex

ELLIPSIS = "…"
NO_LINE_START = frozenset(".,!?)]}」』》〉】〕’”…、。·:;%‰℃°！？，．）］｝：；～-")
NO_LINE_END = frozenset("([{「『《〈【〔‘“（［｛#$₩￦")

Measure = Callable[[str], float]

_GRAPHEME = regex.compile(r"\X")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def graphemes(text: str) -> list[str]:
    return _GRAPHEME.findall(text)


def _is_word_char(cluster: str) -> bool:
    return cluster[0].isascii() and cluster[0].isalnum()


def _break_allowed(clusters: list[str], k: int, keep_words: bool) -> bool:
    """May a line break fall before clusters[k]? Spaces at the break vanish, so look past them."""
    after = next((c for c in clusters[k:] if not c.isspace()), None)
    before = next((c for c in reversed(clusters[:k]) if not c.isspace()), None)
    if after is None or before is None:
        return True
    if after[0] in NO_LINE_START or before[-1] in NO_LINE_END:
        return False
    return not (keep_words and _is_word_char(before) and _is_word_char(after))


def _break_word(word: str, measure: Measure, max_width: float) -> list[str]:
    """Pieces of a word wider than the line, each fitting, broken between grapheme clusters."""
    clusters = graphemes(word)
    pieces: list[str] = []
    start = 0
    while start < len(clusters):
        end = start + 1  # a cluster wider than the whole line still gets a line of its own
        while end < len(clusters) and measure("".join(clusters[start : end + 1])) <= max_width:
            end += 1
        if end == len(clusters):
            pieces.append("".join(clusters[start:]))
            break
        cut = next((k for k in range(end, start, -1) if _break_allowed(clusters, k, keep_words=True)), None)
        if cut is None:
            cut = next((k for k in range(end, start, -1) if _break_allowed(clusters, k, keep_words=False)), end)
        pieces.append("".join(clusters[start:cut]).rstrip())
        start = cut
        while start < len(clusters) and clusters[start].isspace():
            start += 1
    return pieces


def _units(paragraph: str) -> list[str]:
    """Words, with closing punctuation glued to the word before and opening brackets to the word after."""
    units: list[str] = []
    for word in paragraph.split():
        if units and (word[0] in NO_LINE_START or units[-1][-1] in NO_LINE_END):
            units[-1] = f"{units[-1]} {word}"
        else:
            units.append(word)
    return units


def wrap(text: str, measure: Measure, max_width: float) -> list[str]:
    """Lines of `text` no wider than `max_width` (as `measure` sees it), by the rules above."""
    lines: list[str] = []
    for paragraph in normalise(text).split("\n"):
        current = ""
        for unit in _units(paragraph):
            candidate = f"{current} {unit}" if current else unit
            if measure(candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            if measure(unit) <= max_width:
                current = unit
                continue
            *full, current = _break_word(unit, measure, max_width)
            lines.extend(full)
        if current:
            lines.append(current)
    return lines


def balance(text: str, measure: Measure, max_width: float) -> list[str]:
    """`wrap` at the narrowest width that keeps its line count, so the last line is not a lone word.
    Copy whose words had to be broken keeps the plain wrap."""
    lines = wrap(text, measure, max_width)
    words = [unit for paragraph in normalise(text).split("\n") for unit in _units(paragraph)]
    widest = max((measure(w) for w in words), default=0.0)
    if len(lines) < 2 or widest > max_width:
        return lines
    lo, hi = math.ceil(widest), math.floor(max_width)
    while lo < hi:
        mid = (lo + hi) // 2
        if len(wrap(text, measure, mid)) <= len(lines):
            hi = mid
        else:
            lo = mid + 1
    return wrap(text, measure, hi)


def ellipsize(line: str, measure: Measure, max_width: float, *, force: bool = False) -> str:
    """`line` if it fits (and not `force`), else its longest prefix of whole clusters that fits with "…"."""
    if not force and measure(line) <= max_width:
        return line
    clusters = graphemes(line)
    while clusters:
        head = "".join(clusters).rstrip()
        while head and (head[-1] in NO_LINE_END or head[-1] in ",.、。·:;" or head[-1] == ELLIPSIS):
            head = head[:-1].rstrip()
        if head and measure(head + ELLIPSIS) <= max_width:
            return head + ELLIPSIS
        clusters.pop()
    return ELLIPSIS if measure(ELLIPSIS) <= max_width else ""
