"""Text search over prompt and note: Korean part-words, English prefixes, mixed text, hostile input."""

from __future__ import annotations

from typing import Any

import pytest
from zimage_gallery.images.search import Term, fts5_query, index_tokens, query_terms, tsquery

IMAGES = "/api/v1/gallery/images"


# ---- the tokeniser (pure) -------------------------------------------------------------------------


def test_hangul_runs_become_characters_and_bigrams() -> None:
    assert index_tokens("서울야경") == "서 울 야 경 서울 울야 야경"


def test_latin_words_are_whole_lowercase_words_without_accents() -> None:
    assert index_tokens("Neon CAFÉ, 1080x1080!") == "neon cafe 1080x1080"


def test_scripts_split_where_they_change_and_width_forms_fold() -> None:
    assert index_tokens("서울2024야경 ＡＢＣ") == "서 울 서울 2024 야 경 야경 abc"


def test_tokens_are_deduplicated_across_prompt_and_note() -> None:
    assert index_tokens("야경 night", "야경 NIGHT") == "야 경 야경 night"


def test_query_terms() -> None:
    assert query_terms("서울야 bicyc") == [Term("서울", False), Term("울야", False), Term("bicyc", True)]
    assert query_terms("야") == [Term("야", False)]
    assert query_terms('"*():-') == []
    assert query_terms("") == []


def test_query_strings_quote_every_term() -> None:
    terms = query_terms("야경 night")
    assert fts5_query(terms) == '"야경" AND "night"*'
    assert tsquery(terms) == "'야경' & 'night':*"


# ---- search through the API, on both databases -----------------------------------------------------


@pytest.fixture
async def corpus(gallery: Any, seed: Any) -> dict[str, Any]:
    user, other = await gallery.user(), await gallery.user()
    prompts = {
        "night": "서울 야경, neon lights over the Han river",
        "seoul_night": "서울야경 파노라마",
        "bicycle": "a red bicycle by the sea",
        "cafe": "Café interior with warm light",
        "mixed": "제주도 sunrise 일출 2024",
    }
    made = {name: await seed.image(user, prompt=prompt) for name, prompt in prompts.items()}
    await seed.image(other, prompt="서울 야경 bicycle")  # the same words, someone else's
    return {"user": user, "other": other, **{k: v["id"] for k, v in made.items()}}


async def search(gallery: Any, user: Any, q: str) -> set[str]:
    resp = await gallery.call("GET", IMAGES, user, params={"q": q, "limit": 100})
    assert resp.status_code == 200, (q, resp.text)
    return {i["id"] for i in resp.json()["items"]}


async def test_korean_search(gallery: Any, corpus: dict[str, Any]) -> None:
    user = corpus["user"]
    night, seoul_night = corpus["night"], corpus["seoul_night"]
    assert await search(gallery, user, "야경") == {night, seoul_night}  # a whole word, and inside 서울야경
    assert await search(gallery, user, "야") == {night, seoul_night}  # one syllable of a word
    assert await search(gallery, user, "서울야") == {seoul_night}  # part of a word, across the word boundary
    assert await search(gallery, user, "서울 야경") == {night, seoul_night}  # two words, AND
    assert await search(gallery, user, "파노라마") == {seoul_night}
    assert await search(gallery, user, "일출") == {corpus["mixed"]}
    assert await search(gallery, user, "부산") == set()


async def test_english_and_mixed_search(gallery: Any, corpus: dict[str, Any]) -> None:
    user = corpus["user"]
    assert await search(gallery, user, "bicycle") == {corpus["bicycle"]}
    assert await search(gallery, user, "BICY") == {corpus["bicycle"]}  # prefix, any case
    assert await search(gallery, user, "cafe") == {corpus["cafe"]}  # accents folded
    assert await search(gallery, user, "café") == {corpus["cafe"]}
    assert await search(gallery, user, "neon 야경") == {corpus["night"]}
    assert await search(gallery, user, "제주 sunrise 2024") == {corpus["mixed"]}
    assert await search(gallery, user, "sunrise 부산") == set()
    assert await search(gallery, user, "unicorn") == set()
    # someone else's images never match
    assert await search(gallery, corpus["other"], "야경") != {corpus["night"]}
    assert len(await search(gallery, corpus["other"], "야경 bicycle")) == 1


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "*",
        "(",
        ")",
        ":",
        "-",
        '"*():-',
        "a*",
        '"야경"',
        "NEAR(a b)",
        "a AND",
        "OR",
        "NOT x",
        "'",
        "\\",
        "&|!",
        "a:*",
        "x' & 'y",
        "^",
        "{}",
        "%",
        "_",
        "\x00",
        "야경:*",
        "-bicycle",
        "col:val",
        "🙂",
        "ﷺ",
        "a" * 200,
    ],
)
async def test_special_characters_never_break_the_query(gallery: Any, corpus: dict[str, Any], q: str) -> None:
    resp = await gallery.call("GET", IMAGES, corpus["user"], params={"q": q})
    assert resp.status_code in (200, 422), (q, resp.status_code, resp.text)  # 422 only for what HTTP cannot carry
    if resp.status_code == 200:
        assert resp.json()["items"] is not None


async def test_a_query_without_letters_sets_no_filter(gallery: Any, corpus: dict[str, Any]) -> None:
    assert len(await search(gallery, corpus["user"], '"*():-')) == 5
