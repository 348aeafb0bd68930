"""Hybrid retrieval through llama-index over Chroma and BM25, with filters."""

from __future__ import annotations

import json

import pytest

from assistant import Filters, InputError, ingest, retrieve

from .conftest import SEEDS

ARTICLES = [
    {"title": "Port strike halts shipping", "source": "Harbor Gazette", "published_at": "2023-03-10",
     "url": "https://example.org/port", "body": "Dock workers at the eastern port went on strike on Friday, "
     "halting container shipping for the third day. The union demands higher pay for night shifts."},
    {"title": "Port strike talks resume", "source": "Coastal Times", "published_at": "2023-09-01",
     "url": "https://example.org/talks", "body": "Talks to end the dock workers strike resumed on Monday. "
     "The port authority offered a pay rise of three percent for night shifts."},
    {"title": "Orchard harvest record", "source": "Farm Weekly", "published_at": "2022-10-05",
     "url": "https://example.org/apples", "body": "Apple growers in the valley reported a record harvest "
     "this autumn, with cider makers buying most of the crop."},
]


@pytest.fixture
def news(settings, tmp_path):
    path = tmp_path / "news.json"
    path.write_text(json.dumps(ARTICLES))
    ingest([path, SEEDS], settings=settings)
    return settings


def test_passages_carry_metadata_and_offsets(news):
    passages = retrieve("dock workers strike night shift pay", k=3, settings=news)
    assert passages[0].doc_id in {"https://example.org/port", "https://example.org/talks"}
    p = passages[0]
    assert p.source in {"Harbor Gazette", "Coastal Times"} and p.published.startswith("2023")
    assert p.text and p.end - p.start == len(p.text)
    assert [x.score for x in passages] == sorted((x.score for x in passages), reverse=True)


def test_publisher_filter_with_a_fuzzy_name(news):
    passages = retrieve("port strike", k=5, settings=news, filters={"publisher": "coastal times"})
    assert passages and {p.source for p in passages} == {"Coastal Times"}


def test_date_range_filter(news):
    since = Filters(since=__import__("datetime").date(2023, 6, 1))
    passages = retrieve("port strike", k=5, settings=news, filters=since)
    # a year-only date ("2023") may fall in the range, so it stays; the March article does not
    assert passages and all(p.published >= "2023-06-01" or p.published == "2023" for p in passages)
    assert "https://example.org/port" not in {p.doc_id for p in passages}
    until = {"until": "2022-12-31"}
    passages = retrieve("harvest", k=5, settings=news, filters=until)
    assert {p.doc_id for p in passages} == {"https://example.org/apples"}


def test_year_only_dates_match_ranges_inside_the_year(news):
    passages = retrieve("Matsegora ambassador", k=5, settings=news,
                        filters={"since": "2023-03-01", "until": "2023-04-01"})
    assert any(p.doc_id == "000_bfd5cbc101d0c76f.txt" for p in passages)
    passages = retrieve("Matsegora ambassador", k=5, settings=news, filters={"since": "2024-01-01"})
    assert passages == []


def test_unknown_publisher_is_a_clear_error(news):
    with pytest.raises(InputError, match="unknown publisher 'Nowhere News'.*Harbor Gazette"):
        retrieve("port", settings=news, filters={"publisher": "Nowhere News"})


def test_empty_date_range_is_a_clear_error(news):
    with pytest.raises(InputError, match="date range is empty"):
        retrieve("port", settings=news, filters={"since": "2023-05-01", "until": "2023-01-01"})
