"""Reading articles from every supported input kind, with their metadata and ids."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import InputError
from assistant.ingestion.metadata import normalise_date
from assistant.ingestion.readers import (
    SUPPORTED_SUFFIXES,
    Skipped,
    content_hash,
    parse_bytes,
    read_articles,
)
from assistant.records import Article

DATA = Path(__file__).parent / "data" / "articles"
SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_bfd5cbc101d0c76f.txt"
MULTIHOP = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "multihop-rag"
CORPUS = MULTIHOP / "corpus.json"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


def read(target: Path | str, settings: Settings) -> list[Article | Skipped]:
    return list(read_articles(str(target), settings))


def articles(items: list[Article | Skipped]) -> list[Article]:
    return [item for item in items if isinstance(item, Article)]


def skipped(items: list[Article | Skipped]) -> list[Skipped]:
    return [item for item in items if isinstance(item, Skipped)]


def only(items: list[Article | Skipped]) -> Article:
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


def parse(data: bytes, name: str, settings: Settings) -> list[Article | Skipped]:
    return parse_bytes(data, name, settings, doc_id=name)


# ------------------------------------------------------------------ plain text


@pytest.mark.skipif(not SEED.exists(), reason="seed article not present")
def test_seed_txt_metadata_and_text_kept_whole(settings: Settings) -> None:
    article = only(read(SEED, settings))
    raw = SEED.read_text(encoding="utf-8")
    assert article.text == raw.strip()
    assert article.doc_id == SEED.name
    assert article.source == "The Washington Times"
    assert article.published == "2023"
    # Its first line is a sentence, not a headline: the article is untitled.
    assert article.title == "Untitled: The intelligence agency of Seoul has stated that…"
    assert article.text.endswith("Copyright © 2023 The Washington Times, LLC.")
    assert article.content_hash == content_hash(
        article.text, article.title, article.source, article.published, "", ""
    )


def test_txt_fixture_copyright_and_title(settings: Settings) -> None:
    article = only(read(DATA / "plain.txt", settings))
    assert article.title == "City council approves new harbour bridge"
    assert (article.source, article.published) == ("Harbour Gazette", "2022")
    assert "All rights reserved." in article.text  # the copyright line stays


@pytest.mark.parametrize(
    ("line", "source", "year"),
    [
        ("Copyright © 2023 The Washington Times, LLC.", "The Washington Times", "2023"),
        ("(c) 2020 Acme Media Inc.", "Acme Media", "2020"),
        ("© 2019 BBC. All rights reserved.", "BBC", "2019"),
        (
            "Copyright 2021 The Associated Press. All rights reserved.",
            "The Associated Press",
            "2021",
        ),
        ("Copyright © 2018-2023 Daily Post Ltd", "Daily Post", "2023"),
        ("This copyright 2023 line is prose, not a notice.", "", ""),
    ],
)
def test_txt_copyright_lines(line: str, source: str, year: str, settings: Settings) -> None:
    article = only(parse(f"Title\n\nBody sentence.\n\n{line}\n".encode(), "a.txt", settings))
    assert (article.source, article.published) == (source, year)


def test_txt_newlines_normalised_and_nothing_else_removed(settings: Settings) -> None:
    raw = "  \r\nHeadline here\r\n\r\n<b>Not HTML</b> # not a heading\r\nend\r\n\n"
    article = only(parse(raw.encode(), "a.txt", settings))
    assert article.text == "Headline here\n\n<b>Not HTML</b> # not a heading\nend"
    assert article.title == "Headline here"


def test_txt_one_paragraph_is_untitled_by_its_first_words(settings: Settings) -> None:
    paragraph = " ".join(f"word{i}" for i in range(100))
    article = only(parse(paragraph.encode(), "long.txt", settings))
    assert article.title == "Untitled: word0 word1 word2 word3 word4 word5 word6 word7…"
    assert article.text == paragraph


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("Rail strike ends after talks", "Rail strike ends after talks"),
        ("Will the bridge open in spring?", "Will the bridge open in spring?"),
        ("The council met on Tuesday.", "Untitled: The council met on Tuesday. It voted 7…"),
        (" ".join(["long"] * 30), "Untitled: long long long long long long long long…"),
    ],
)
def test_txt_first_line_is_a_title_only_when_it_reads_as_one(
    first: str, title: str, settings: Settings
) -> None:
    body = "It voted 7 to 2 to approve a new bridge across the harbour."
    article = only(parse(f"{first}\n\n{body}".encode(), "a.txt", settings))
    assert article.title == title


# ------------------------------------------------------------------ markdown and HTML


def test_md_front_matter(settings: Settings) -> None:
    article = only(read(DATA / "front.md", settings))
    assert article.title == "Rail strike ends after talks"
    assert article.source == "Northern Courier"
    assert article.published == "2023-10-13"
    assert article.author == "Ann Lee, Bo Chen"
    # the declared url is metadata; the id is the file (issue 21: a url is no claim on an id)
    assert (article.url, article.doc_id) == ("https://courier.example.com/rail-strike", "front.md")
    assert article.text.startswith("# A heading that is not the title\n\nTrain drivers")
    assert "publisher:" not in article.text


def test_md_heading_title_and_copyright(settings: Settings) -> None:
    article = only(read(DATA / "heading.md", settings))
    assert article.doc_id == "heading.md"
    assert article.title == "Library reopens after flood repairs"
    assert (article.source, article.published) == ("Valley Times", "2021")
    assert article.text.startswith("Some intro line")


def test_html_meta_tags(settings: Settings) -> None:
    article = only(read(DATA / "page.html", settings))
    assert article.title == "Solar farm opens in the desert"
    assert article.source == "Desert Daily"
    assert article.published == "2023-09-05"
    assert article.author == "Maria Gomez"
    assert (article.url, article.doc_id) == ("https://desert.example.com/solar-farm", "page.html")
    assert "about 200,000 homes" in article.text
    assert "tracker" not in article.text and "Contact us" not in article.text


STATED_DATE_PAGE = """<!doctype html><html><head><title>Dam finished early</title>
{meta}
<link rel="canonical" href="https://example.com/news/2023/10/29/dam-finished-early/">
</head><body><article><h1>Dam finished early</h1>
<p>The new dam on the river was finished three months ahead of time, the county engineer
said on Saturday.</p>
<p>Work began in 2021 and cost 40 million dollars, less than the budget approved.</p>
</article></body></html>"""


@pytest.mark.parametrize(
    "meta",
    [
        '<meta property="article:published_time" content="2023-10-28T21:15:00+00:00">',
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2023-10-28T21:15:00Z"}</script>',
    ],
)
def test_html_stated_date_wins_over_a_date_in_the_url(
    meta: str, tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "dam.html"
    path.write_text(STATED_DATE_PAGE.format(meta=meta))
    article = only(read(path, settings))
    assert article.url == "https://example.com/news/2023/10/29/dam-finished-early/"
    assert article.published == "2023-10-28"


def test_html_date_from_the_url_when_the_page_states_none(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "dam.html"
    path.write_text(STATED_DATE_PAGE.format(meta=""))
    assert only(read(path, settings)).published == "2023-10-29"


def test_html_passed_url_wins_over_canonical(settings: Settings) -> None:
    data = (DATA / "page.html").read_bytes()
    url = "https://mirror.example.org/x"
    article = only(parse_bytes(data, "x.html", settings, doc_id=url, url=url))
    assert article.doc_id == article.url == url


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 50_000 + "deep" + "</div>" * 50_000,
        "<script>" + "var x = '<p>a</p>';" * 500 + "</script>",
        "<html><head><title>Only a title</title></head><body></body></html>",
        "",
    ],
)
def test_hostile_or_empty_html_is_skipped_not_raised(html: str, settings: Settings) -> None:
    result = parse(html.encode(), "bad.html", settings)
    assert len(result) == 1 and isinstance(result[0], Skipped)
    assert result[0].what == "bad.html"


def test_broken_html_keeps_what_text_it_has(settings: Settings) -> None:
    html = b"<html><body><p>Unclosed <b><i>tags <table><tr><td>cell &amp; more"
    article = only(parse(html, "broken.html", settings))
    assert article.text == "Unclosed tags cell & more"
    assert article.title == "Untitled: Unclosed tags cell & more"  # no <title>, one line


# ------------------------------------------------------------------ JSON and JSONL


def test_json_array_records(settings: Settings) -> None:
    result = read(DATA / "array.json", settings)
    first, second = articles(result)
    assert (first.doc_id, first.url) == ("array.json#1", "https://sea.example.com/strike")
    assert (first.source, first.published, first.author) == ("Sea News", "2023-11-27", "")
    assert second.doc_id == "array.json#2"
    assert (second.source, second.published) == ("Wire Service", "2023-11-06")
    assert second.author == "A. One, B. Two"
    assert skipped(result) == [Skipped("array.json#3", "record has no body")]


def test_json_single_object(settings: Settings) -> None:
    article = only(read(DATA / "object.json", settings))
    assert (article.doc_id, article.url) == ("object.json#1", "https://object.example.com/one")
    assert (article.title, article.source, article.published) == (
        "Single object article",
        "Object Times",
        "2023-01-02",
    )


def test_json_articles_wrapper(settings: Settings) -> None:
    one, two = articles(read(DATA / "wrapped.json", settings))
    assert (one.doc_id, one.text, one.published) == (
        "wrapped.json#1",
        "First wrapped article text.",
        "2023",
    )
    assert (two.doc_id, two.published) == ("wrapped.json#2", "")


def test_jsonl_bad_line_is_skipped_and_others_go_on(settings: Settings) -> None:
    result = read(DATA / "records.jsonl", settings)
    assert [(a.doc_id, a.url) for a in articles(result)] == [
        ("records.jsonl#1", "https://lines.example.com/1"),
        ("records.jsonl#4", ""),
    ]
    (bad,) = skipped(result)
    assert bad.what == "records.jsonl#2"
    assert bad.why.startswith("invalid JSON") and "line 2" in bad.why


def test_invalid_json_reports_line_and_column(settings: Settings) -> None:
    (bad,) = parse(b'[\n  {"body": "x"},\n  oops\n]', "bad.json", settings)
    assert isinstance(bad, Skipped)
    assert "line 3, column 3" in bad.why


def test_json_record_without_body_and_non_objects(settings: Settings) -> None:
    data = json.dumps([{"title": "no body"}, "a string", {"body": "ok"}]).encode()
    result = parse(data, "r.json", settings)
    assert result[0] == Skipped("r.json#1", "record has no body")
    assert result[1] == Skipped("r.json#2", "record is not a JSON object")
    assert isinstance(result[2], Article) and result[2].title == "Untitled: ok"


def test_json_records_are_named_by_their_file_whatever_url_they_declare(
    settings: Settings,
) -> None:
    records = [
        {"body": "one", "url": "https://x.example/a"},
        {"body": "two", "url": "https://x.example/a"},
    ]
    result = parse(json.dumps(records).encode(), "d.json", settings)
    assert [(a.doc_id, a.url) for a in articles(result)] == [
        ("d.json#1", "https://x.example/a"),
        ("d.json#2", "https://x.example/a"),
    ]  # the second is refused by ingest: see test_security_ingest
    fetched = parse_bytes(
        json.dumps(records[:1]).encode(), "d.json", settings, doc_id=records[0]["url"],
        url=records[0]["url"],
    )
    assert articles(fetched)[0].doc_id == "https://x.example/a"  # the url it came from


def test_json_lone_surrogate_escape_is_replaced(settings: Settings) -> None:
    article = only(parse(b'{"body": "bad \\ud800 char"}', "s.json", settings))
    article.text.encode("utf-8")  # must be storable


@pytest.mark.skipif(not CORPUS.exists(), reason="MultiHop-RAG corpus not present")
def test_multihop_corpus_loads_as_it_is(settings: Settings) -> None:
    result = read(CORPUS, settings)
    loaded = articles(result)
    assert len(loaded) == 609 and not skipped(result)
    first = json.loads(CORPUS.read_text(encoding="utf-8"))[0]
    assert (loaded[0].doc_id, loaded[0].url) == ("corpus.json#1", first["url"])
    assert loaded[0].published == first["published_at"][:10] == "2023-11-27"
    assert loaded[0].source == first["source"] and loaded[0].title == first["title"]
    assert all(len(a.published) == 10 for a in loaded)


# ------------------------------------------------------------------ folders and ids


def test_folder_recursive_sorted_with_bad_and_hidden(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "news"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD.txt").write_text("hidden folder is ignored")
    (root / ".hidden.txt").write_text("hidden file is ignored")
    (root / "b.txt").write_text("Bee\n\nSecond article.")
    (root / "a.txt").write_text("Ay\n\nFirst article.")
    (root / "sub" / "c.md").write_text("# Sea\n\nThird article.")
    (root / "sub" / "deeper" / "d.txt").write_text("Dee\n\nFourth.")
    (root / "sub" / "report.pdf").write_bytes(b"%PDF-1.4")
    result = read(root, settings)
    assert [a.doc_id for a in articles(result)] == [
        "a.txt",
        "b.txt",
        "sub/c.md",
        "sub/deeper/d.txt",
    ]
    assert skipped(result) == [Skipped("sub/report.pdf", "unsupported file type .pdf")]


def test_single_file_doc_id_is_its_name(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "in" / "dir").mkdir(parents=True)
    path = tmp_path / "in" / "dir" / "story.txt"
    path.write_text("Story\n\nBody.")
    assert only(read(path, settings)).doc_id == "story.txt"


def test_single_unsupported_file_is_skipped(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "slides.pdf"
    path.write_bytes(b"%PDF")
    assert read(path, settings) == [Skipped("slides.pdf", "unsupported file type .pdf")]


def test_missing_path_raises(tmp_path: Path, settings: Settings) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(InputError, match="no such file or folder"):
        read(missing, settings)


def test_other_schemes_are_refused(settings: Settings) -> None:
    with pytest.raises(InputError, match="only http and https"):
        read("file:///etc/passwd", settings)


def test_supported_suffixes_all_parse(settings: Settings) -> None:
    samples = {
        ".txt": b"T\n\nx",
        ".md": b"# T\n\nx",
        ".markdown": b"# T\n\nx",
        ".json": b'{"body": "x"}',
        ".jsonl": b'{"body": "x"}\n',
    }
    for suffix in SUPPORTED_SUFFIXES:
        data = samples.get(suffix) or (DATA / "page.html").read_bytes()
        assert articles(parse(data, "f" + suffix.upper(), settings)), suffix


# ------------------------------------------------------------------ hashes and dates


def test_content_hash_stable_and_sensitive(settings: Settings) -> None:
    article = only(read(DATA / "plain.txt", settings))
    again = only(read(DATA / "plain.txt", settings))
    assert article.content_hash == again.content_hash
    fields = {
        k: getattr(article, k) for k in ("text", "title", "source", "published", "url", "author")
    }
    base = content_hash(**fields)
    assert base == article.content_hash and len(base) == 64
    for key in fields:
        assert content_hash(**{**fields, key: fields[key] + "!"}) != base, key
    # A metadata-only change is an update.
    changed = replace(article, source="Other")
    assert content_hash(changed.text, changed.title, changed.source, changed.published) != base


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-11-27 08:45:59.000000000Z", "2023-11-27"),
        ("2023-10-13T23:30:00-05:00", "2023-10-13"),
        ("Mon, 06 Nov 2023 10:00:00 +0000", "2023-11-06"),
        ("October 13, 2023", "2023-10-13"),
        ("2023", "2023"),
        ("October 2023", "2023"),
        ("2023-02-30", ""),
        ("yesterday-ish", ""),
        ("", ""),
        (None, ""),
        (1700000000, "2023-11-14"),
    ],
)
def test_normalise_date(value: object, expected: str) -> None:
    assert normalise_date(value) == expected


# ------------------------------------------------------------------ decoding and limits


def test_latin1_file_is_decoded(tmp_path: Path, settings: Settings) -> None:
    text = "Café à Montréal\n\nLe président a déclaré que la réforme était nécessaire."
    path = tmp_path / "latin.txt"
    path.write_bytes(text.encode("latin-1"))
    assert only(read(path, settings)).text == text


def test_utf16_bom_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Überschrift\n\nText mit Umlauten: äöü.".encode("utf-16"))
    article = only(read(path, settings))
    assert article.title == "Überschrift" and article.text.endswith("äöü.")


def test_utf8_bom_is_stripped(settings: Settings) -> None:
    article = only(parse("\ufeffHello\n\nWorld.".encode(), "bom.txt", settings))
    assert article.text == "Hello\n\nWorld."


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (bytes(range(0x80, 0x100)) * 4, "not UTF-8 and no encoding could be detected"),
        (b"PK\x03\x04\x00\x00binary", "binary file (contains NUL bytes)"),
        (b"", "empty article"),
        (b" \n\t\r\n ", "empty article"),
    ],
)
def test_undecodable_binary_and_empty(data: bytes, why: str, settings: Settings) -> None:
    assert parse(data, "x.txt", settings) == [Skipped("x.txt", why)]


def test_empty_file_on_disk(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "empty.md").write_bytes(b"")
    assert read(tmp_path, settings) == [Skipped("empty.md", "empty article")]


def test_size_limit(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_file_bytes=1024)
    (tmp_path / "big.txt").write_text("Big\n\n" + "x" * 2000)
    (tmp_path / "small.txt").write_text("Small\n\nfits")
    result = read(tmp_path, settings)
    assert [a.doc_id for a in articles(result)] == ["small.txt"]
    (big,) = skipped(result)
    assert big.what == "big.txt"
    assert big.why == "larger than 1 KB limit (ASSISTANT_MAX_FILE_BYTES)"
    assert parse(b"y" * 2000, "up.txt", settings)[0].why == big.why  # uploads too


def test_deeply_nested_json_is_skipped(settings: Settings) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    assert parse(deep, "deep.json", settings) == [Skipped("deep.json", "nested too deeply to read")]
    body = b'{"body": ' + b"[" * 900 + b'"x"' + b"]" * 900 + b"}"
    lines = deep + b"\n" + body + b'\n{"body": "fine"}\n'
    result = parse(lines, "deep.jsonl", settings)
    assert [type(item) for item in result][-1] is Article
    assert result[0] == Skipped("deep.jsonl#1", "nested too deeply to read")
