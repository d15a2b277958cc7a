"""Korean line breaking: spaces first, syllable blocks only inside a word too long for the line, never inside a
grapheme cluster, kinsoku basics, mixed Korean/English/numbers, and ellipsis that never overflows."""

from __future__ import annotations

import unicodedata

import pytest
from zimage_gallery.overlays.fonts import Weight, bundled_family
from zimage_gallery.overlays.wrapping import ELLIPSIS, balance, ellipsize, graphemes, wrap


def per_cluster(text: str) -> float:
    """10 px per grapheme cluster: the algorithm under test without font metrics."""
    return 10.0 * len(graphemes(text))


def per_code_point(text: str) -> float:
    """10 px per code point: a combining mark or jamo has width, so a naive breaker would split clusters."""
    return 10.0 * len(text)


def test_breaks_at_spaces_before_anything_else() -> None:
    assert wrap("여름 한정 시즌 오프", per_cluster, 60) == ["여름 한정", "시즌 오프"]
    assert wrap("여름 한정 시즌 오프", per_cluster, 200) == ["여름 한정 시즌 오프"]
    # keep-all: a word that fits on a line of its own moves down whole rather than being split
    assert wrap("가 나다라마바", per_cluster, 60) == ["가", "나다라마바"]


def test_a_word_wider_than_the_line_breaks_between_syllable_blocks() -> None:
    lines = wrap("초특가한정판매이벤트", per_cluster, 40)
    assert lines == ["초특가한", "정판매이", "벤트"]
    assert all(0xAC00 <= ord(ch) <= 0xD7A3 for line in lines for ch in line)


def test_never_breaks_inside_a_grapheme_cluster() -> None:
    old_hangul = "\u1112\u119e\u11ab"  # 'ᄒᆞᆫ': arae-a has no precomposed syllable, it stays three jamo
    word = (old_hangul + "q\u0301") * 6  # q + combining acute: no precomposed form, NFC keeps two code points
    lines = wrap(word, per_code_point, 35)
    assert "".join(lines) == word
    clusters = set(graphemes(word))
    for line in lines:
        assert line and all(c in clusters for c in graphemes(line)), line
        assert not unicodedata.combining(line[0]) and not ("\u1160" <= line[0] <= "\u11ff"), line


def test_decomposed_hangul_is_composed_to_syllables_first() -> None:
    nfd = unicodedata.normalize("NFD", "할인행사")
    assert len(nfd) > 4
    assert wrap(nfd, per_code_point, 20) == ["할인", "행사"]


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        # closing punctuation stays with the word before it, even when written after a space
        ("지금 바로 !", 50, ["지금", "바로 !"]),
        ("정말요 ?", 40, ["정말", "요 ?"]),
        # inside a long word: no line starts with . , ! ? ) 」 』 … or %
        ("가나다라.마바", 40, ["가나다", "라.마바"]),
        ("가나다라」마바", 40, ["가나다", "라」마바"]),
        ("가나다라…마바", 40, ["가나다", "라…마바"]),
        ("가나다라%마바", 40, ["가나다", "라%마바"]),
        # opening brackets never end a line
        ("가나다「라마바", 40, ["가나다", "「라마바"]),
        ("혜택 ( 한정 )", 60, ["혜택", "( 한정 )"]),
        ("혜택 ( 한정 )", 40, ["혜택", "( 한", "정 )"]),
    ],
)
def test_kinsoku(text: str, width: float, expected: list[str]) -> None:
    lines = wrap(text, per_cluster, width)
    assert lines == expected
    assert all(line[0] not in ".,!?)」』…%" and line[-1] not in "(「『" for line in lines)


def test_mixed_korean_english_and_numbers() -> None:
    assert wrap("50% 할인 SALE", per_cluster, 70) == ["50% 할인", "SALE"]
    assert wrap("50% 할인 SALE", per_cluster, 40) == ["50%", "할인", "SALE"]
    # a long Latin run is kept whole when a break elsewhere in the word fits
    assert wrap("SUMMERSALE특가", per_cluster, 100) == ["SUMMERSALE", "특가"]
    # and broken between letters only when it alone is wider than the line
    assert wrap("SUPERSUMMERSALE", per_cluster, 60) == ["SUPERS", "UMMERS", "ALE"]


def test_explicit_newlines_are_kept_and_spaces_collapse() -> None:
    assert wrap("여름   한정\n시즌  오프", per_cluster, 200) == ["여름 한정", "시즌 오프"]


def test_with_the_real_font_every_line_fits() -> None:
    font = bundled_family().font(Weight.bold, 64)
    text = "여름 한정 시즌 오프 최대 50% 할인, 오늘만! 초특가한정판매이벤트 SUMMER SALE"
    lines = wrap(text, font.getlength, 420)
    assert len(lines) > 3
    assert all(font.getlength(line) <= 420 for line in lines)
    assert " ".join(lines).replace(" ", "") == text.replace(" ", "")


def test_balance_keeps_the_line_count_and_avoids_an_orphan() -> None:
    font = bundled_family().font(Weight.bold, 68)
    text = "여름 한정 시즌 오프 최대 50% 할인"
    greedy, balanced = wrap(text, font.getlength, 950), balance(text, font.getlength, 950)
    assert greedy[-1] == "할인" and len(balanced) == len(greedy) == 2
    assert balanced == ["여름 한정 시즌 오프", "최대 50% 할인"]


def test_ellipsize_never_overflows_and_cuts_whole_clusters() -> None:
    assert ellipsize("여름 한정", per_cluster, 100) == "여름 한정"
    assert ellipsize("여름 한정 시즌 오프", per_cluster, 60) == "여름 한정" + ELLIPSIS
    assert ellipsize("여름 한정 시즌 오프", per_cluster, 55) == "여름 한" + ELLIPSIS
    assert ellipsize("여름, 한정", per_cluster, 40) == "여름" + ELLIPSIS  # no dangling comma before …
    assert ellipsize("여름 한정", per_cluster, 100, force=True) == "여름 한정" + ELLIPSIS
    word = "q\u0301" * 10
    cut = ellipsize(word, per_code_point, 55)
    assert per_code_point(cut) <= 55 and cut.endswith(ELLIPSIS) and cut.count("\u0301") == cut.count("q")
    assert ellipsize("여름", per_cluster, 5) == ""
