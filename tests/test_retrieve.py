"""Hybrid retrieval through llama-index over Chroma and BM25, with filters."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest

from assistant import Filters, InputError, ingest, retrieve
from assistant.retrieval.retrieve import search
from assistant.store.archive import open_archive
from assistant.store.layout import date_bounds

from .conftest import SEED_ID, SEEDS

ARTICLES = [
    {
        "title": "Port strike halts shipping",
        "source": "Harbor Gazette",
        "published_at": "2023-03-10",
        "url": "https://example.org/port",
        "body": "Dock workers at the eastern port went on strike on Friday, halting container "
        "shipping for the third day. The union demands higher pay for night shifts.",
    },
    {
        "title": "Port strike talks resume",
        "source": "Coastal Times",
        "published_at": "2023-09-01",
        "url": "https://example.org/talks",
        "body": "Talks to end the dock workers strike resumed on Monday. The port authority "
        "offered a pay rise of three percent for night shifts.",
    },
    {
        "title": "Orchard harvest record",
        "source": "Farm Weekly",
        "published_at": "2022-10-05",
        "url": "https://example.org/apples",
        "body": "Apple growers in the valley reported a record harvest this autumn, with cider "
        "makers buying most of the crop.",
    },
    {
        "title": "Undated port notice",
        "source": "Harbor Gazette",
        "url": "https://example.org/undated",
        "body": "The port will close early on the holiday, the harbour master said.",
    },
]


@pytest.fixture
def news(hashed, tmp_path):
    path = tmp_path / "news.json"
    path.write_text(json.dumps(ARTICLES))
    ingest([path, SEEDS], settings=hashed)
    return hashed


def in_range(published: str, since: date | None, until: date | None) -> bool:
    low, high = date_bounds(published)
    ok_since = since is None or high >= int(since.strftime("%Y%m%d"))
    ok_until = until is None or low <= int(until.strftime("%Y%m%d"))
    return ok_since and ok_until


def test_passages_carry_metadata_and_offsets(news):
    passages = retrieve("dock workers strike night shift pay", k=3, settings=news)
    assert passages[0].url in {"https://example.org/port", "https://example.org/talks"}
    archive = open_archive(news)
    for p in passages:
        info = archive.store.registry()[p.doc_id]
        assert (p.title, p.source, p.published, p.url) == (
            info.title,
            info.source,
            info.published,
            info.url,
        )
        assert archive.store.get_article(p.doc_id).text[p.start : p.end] == p.text
        assert p.chunk_id
    assert [x.score for x in passages] == sorted((x.score for x in passages), reverse=True)
    assert len(retrieve("port", k=2, settings=news)) == 2


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_retriever_finds_the_article(news, mode):
    passages = search(open_archive(news), "apple harvest cider", k=2, mode=mode)
    assert passages[0].url == "https://example.org/apples"


def test_publisher_filter_with_a_fuzzy_name(news):
    passages = retrieve("port strike", k=5, settings=news, filters={"publisher": "coastal times"})
    assert passages and {p.source for p in passages} == {"Coastal Times"}
    passages = retrieve(
        "port strike",
        k=5,
        settings=news,
        filters=Filters(sources=("Harbour Gazette", "Coastal Times")),
    )
    assert {p.source for p in passages} == {"Harbor Gazette", "Coastal Times"}


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (date(2023, 6, 1), None),
        (None, date(2022, 12, 31)),
        (date(2023, 1, 1), date(2023, 3, 31)),
        (date(2023, 3, 10), date(2023, 3, 10)),
    ],
)
def test_date_range_filter(news, since, until):
    passages = retrieve(
        "port strike harvest ambassador",
        k=10,
        settings=news,
        filters=Filters(since=since, until=until),
    )
    assert passages
    assert all(in_range(p.published, since, until) for p in passages)
    assert all(p.url != "https://example.org/undated" for p in passages)
    every = retrieve("port strike harvest ambassador", k=10, settings=news)
    expected = {p.doc_id for p in every if in_range(p.published, since, until)}
    assert {p.doc_id for p in passages} >= expected


def test_year_only_dates_match_ranges_inside_the_year(news):
    """The seed is dated "2023" only: a range inside 2023 may hold it."""
    passages = retrieve(
        "Matsegora ambassador",
        k=5,
        settings=news,
        filters={"since": "2023-03-01", "until": "2023-04-01"},
    )
    assert passages and passages[0].doc_id == SEED_ID
    assert (
        retrieve("Matsegora ambassador", k=5, settings=news, filters={"since": "2024-01-01"}) == []
    )
    before = retrieve("Matsegora ambassador", k=5, settings=news, filters={"until": "2022-12-31"})
    assert all(p.doc_id != SEED_ID for p in before)


def test_unknown_publisher_is_a_clear_error(news):
    with pytest.raises(InputError, match="unknown publisher 'Nowhere News'.*Harbor Gazette"):
        retrieve("port", settings=news, filters={"publisher": "Nowhere News"})


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"since": "2023-05-01", "until": "2023-01-01"}, "date range is empty"),
        ({"since": "last tuesday"}, "since must be a date"),
    ],
)
def test_bad_filters_are_clear_errors(news, filters, message):
    with pytest.raises(InputError, match=message):
        retrieve("port", settings=news, filters=filters)


@pytest.mark.parametrize("question", ["", "  \n ", "x" * 4001])
def test_bad_questions_are_refused(news, question):
    with pytest.raises(InputError):
        retrieve(question, settings=news)


def test_empty_archive_retrieves_nothing(hashed):
    assert retrieve("anything at all", settings=hashed) == []


def test_the_question_is_encoded_while_bm25_searches(hashed_seeded, fake, monkeypatch):
    # Each side waits until the other has begun: run one after the other, on one thread,
    # they would time out instead.
    archive = open_archive(hashed_seeded)
    encoding, searching = threading.Event(), threading.Event()
    bm25_search, embed = archive.lexical.search, fake.embed_documents

    def search_meanwhile(*args, **kwargs):
        searching.set()
        assert encoding.wait(timeout=20), "BM25 searched before the question was sent off"
        return bm25_search(*args, **kwargs)

    def embed_meanwhile(texts):
        encoding.set()
        assert searching.wait(timeout=20), "the question was encoded before BM25 searched"
        return embed(texts)

    monkeypatch.setattr(archive.lexical, "search", search_meanwhile)
    monkeypatch.setattr(fake, "embed_documents", embed_meanwhile)
    question = "Who is Russia's ambassador to North Korea?"
    overlapped = retrieve(question, settings=hashed_seeded)
    monkeypatch.undo()
    alone = search(archive, question, k=10, query_vector=fake.embed_query(question))
    assert overlapped and overlapped == alone
