"""Property-based tests (hypothesis) of every parser and entry point that takes outside text.

The claims: no input makes a parser raise anything but InputError; offsets always point
into the text they describe; citation markers and citations always match one to one; and
ingesting any mix of good and bad files never loses or duplicates a stored article.
"""

from __future__ import annotations

import json
import re
import shutil
import string
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from assistant.answering.citations import MARKER, Renumberer, marker_numbers, render, split_answer
from assistant.config import Settings
from assistant.errors import InputError
from assistant.ingestion.chunking import approximate_tokens, chunk_spans
from assistant.ingestion.readers import SUPPORTED_SUFFIXES, Skipped, content_hash, parse_bytes
from assistant.records import Article, Passage
from assistant.retrieval.checks import check_question
from assistant.text.sentences import sentence_spans

# Modest budgets: the whole file should run in well under a minute on a busy 2-core box.
FAST = hyp_settings(max_examples=100, deadline=None)
SLOW = hyp_settings(max_examples=30, deadline=None)

SETTINGS = Settings(data_dir=Path(tempfile.gettempdir()) / "unused-by-parsers", llm="extractive")
SUFFIXES = [*SUPPORTED_SUFFIXES, ".TXT", ".Json", ".pdf", ".exe", ""]


def _check_parsed(result, name: str) -> None:
    """What every parse result must look like, whatever the input."""
    assert isinstance(result, list) and result, f"{name}: no result at all"
    for item in result:
        assert isinstance(item, Article | Skipped), type(item)
        if isinstance(item, Skipped):
            assert item.why.strip(), "a skip must say why"
            continue
        assert item.text.strip(), "an article with no text was produced"
        assert item.doc_id
        # Everything stored must be encodable (Chroma and sqlite reject lone surrogates).
        for value in (item.text, item.title, item.source, item.published, item.url, item.author):
            value.encode("utf-8")
        assert item.content_hash == content_hash(
            item.text, item.title, item.source, item.published, item.url, item.author
        )
        assert item.published == "" or re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", item.published)


def _parse(data: bytes, name: str, limit: int | None = None):
    chosen = SETTINGS if limit is None else SETTINGS.model_copy(update={"max_file_bytes": limit})
    try:
        result = parse_bytes(data, name, chosen, doc_id=name)
    except InputError:
        return None  # a clear refusal is allowed; any other exception fails the test
    _check_parsed(result, name)
    return result


# ------------------------------------------------------------------------ parse_bytes


@FAST
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
@example(data=b"\xff\xfe\x00", suffix=".txt")  # a UTF-16 BOM with an odd byte after it
@example(data=b"\xef\xbb\xbf", suffix=".md")  # a BOM and nothing else
@example(data=b"\x00" * 10, suffix=".json")
def test_arbitrary_bytes_never_crash_a_parser(data, suffix):
    _parse(data, "file" + suffix)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
article_keys = st.sampled_from(
    ["title", "body", "text", "content", "article", "source", "publisher", "published_at",
     "published", "date", "url", "link", "author", "authors", "Title", "BODY"]
)
records = st.dictionaries(article_keys, json_values | st.text(max_size=200), max_size=8)


@FAST
@given(payload=st.one_of(records, st.lists(records, max_size=5), json_values,
                         st.fixed_dictionaries({"articles": st.lists(records, max_size=4)})),
       cut=st.integers(min_value=0, max_value=400), junk=st.text(max_size=5))
def test_json_records_and_broken_json(payload, cut, junk):
    """Any JSON value, whole or cut short with junk appended, as .json and as .jsonl."""
    text = json.dumps(payload, allow_nan=True)
    for data in (text, text[:cut] + junk):
        _parse(data.encode("utf-8", "surrogatepass"), "export.json")
        _parse((data + "\n" + data).encode("utf-8", "surrogatepass"), "export.jsonl")


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 200_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"body": "' + b"\\ud800" * 10 + b' text", "title": "\\udfff"}',
        b'{"body": "x", "published": NaN}',
        b'{"body": "x", "published": 1e400}',
        b'{"body": "x", "published": -1e300}',
        b'{"body": "x", "published": {"nested": [1, 2]}}',
        b'{"body": {"a": 1}}',
        b'{"body": 12345}',
        b'{"body": ["para one", "para two", null, 3]}',
    ],
)
def test_hostile_json_examples(data):
    for name in ("x.json", "x.jsonl"):
        _parse(data, name)


TAGS = ["div", "p", "span", "article", "script", "style", "a", "table", "td", "h1", "title",
        "meta", "b", "!--", "iframe", "svg", "math", "template", "noscript"]
html_pieces = st.one_of(
    st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
    st.sampled_from(['<a href="javascript:alert(1)">x</a>', '<img src=x onerror="alert(1)">',
                     "<meta charset=utf-7>", '<meta charset="bogus">', "<![CDATA[", "]]>", "&#0;",
                     "&#xd800;", "&amp", "<", ">", "<p <p", '"', "'"]),
    st.text(alphabet=string.ascii_letters + " .,\n", min_size=1, max_size=80),
)


@SLOW
@given(pieces=st.lists(html_pieces, max_size=60))
def test_malformed_html_never_crashes(pieces):
    _parse("".join(pieces).encode("utf-8"), "page.html")


@pytest.mark.parametrize("depth", [5000, 100_000])
def test_deeply_nested_html_is_parsed_or_skipped(depth):
    sentence = "The harbor board approved the new lighthouse budget on Monday morning."
    data = ("<html><body>" + "<div>" * depth + f"<p>{sentence}</p>" + "</div>" * depth).encode()
    result = _parse(data, "deep.html")
    assert result is not None


@FAST
@given(text=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                           blacklist_categories=("Cc",)),
                    min_size=1, max_size=300),
       encoding=st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-8-sig", "utf-8"]))
def test_non_utf8_text_is_decoded_or_refused(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    result = _parse(data, "notes.txt")
    if result is None or not text.strip():
        return
    if encoding in ("utf-16", "utf-8-sig", "utf-8"):
        # A byte-order mark or valid UTF-8 leaves nothing to guess: the text comes back whole.
        (article,) = result
        assert isinstance(article, Article)
        assert article.text == text.strip()


def test_common_western_encodings_decode_exactly():
    text = (
        "Le café « Chez Hélène » a rouvert ses portes à Montréal, après des travaux "
        "coûteux. Les clients ont salué la façade rénovée et le menu élargi."
    )
    for encoding in ("latin-1", "cp1252"):
        (article,) = parse_bytes(text.encode(encoding), "cafe.txt", SETTINGS, doc_id="cafe.txt")
        assert isinstance(article, Article) and article.text == text
    quoted = "The minister said “we will act” – and the markets rallied 3% on the news."
    (article,) = parse_bytes(quoted.encode("cp1252"), "q.txt", SETTINGS, doc_id="q.txt")
    assert isinstance(article, Article) and article.text == quoted


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf  \n"])
def test_empty_inputs_are_skipped_as_empty(suffix, data):
    (item,) = parse_bytes(data, "e" + suffix, SETTINGS, doc_id="e" + suffix)
    assert isinstance(item, Skipped) and "empty" in item.why


@pytest.mark.parametrize("suffix", [".txt", ".json", ".html"])
def test_one_byte_over_the_size_limit_is_skipped_naming_the_limit(suffix, tmp_path):
    small = SETTINGS.model_copy(update={"max_file_bytes": 100})
    at_limit = b"A sentence about the harbor. " * 3 + b"x" * (100 - 87)
    assert len(at_limit) == 100
    over = at_limit + b"y"
    (item,) = parse_bytes(over, "big" + suffix, small, doc_id="big" + suffix)
    assert isinstance(item, Skipped)
    assert "100 bytes" in item.why and "ASSISTANT_MAX_FILE_BYTES" in item.why
    (item,) = parse_bytes(at_limit, "ok.txt", small, doc_id="ok.txt")
    assert isinstance(item, Article)
    # The same through a file on disk, where the size is checked before reading.
    from assistant.ingestion.readers import read_articles

    path = tmp_path / ("big" + suffix)
    path.write_bytes(over)
    (item,) = list(read_articles(str(path), small))
    assert isinstance(item, Skipped) and "100 bytes" in item.why


def test_default_size_limit_is_20_mb():
    assert Settings().max_file_bytes == 20 * 1024 * 1024


# --------------------------------------------------------------------------- questions


any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=200)


@FAST
@given(question=any_text | st.text(max_size=5000))
@example(question="x" * 4001)
@example(question="\x00\x1b[31m\u202e\ufeff\u200b")
@example(question="\ud800 lone surrogate?")
def test_any_question_is_cleaned_or_refused(question):
    try:
        cleaned = check_question(question, SETTINGS)
    except InputError as error:
        assert str(error)
        return
    assert cleaned and cleaned == cleaned.strip()
    assert len(cleaned) <= SETTINGS.max_question_chars
    assert not any(unicodedata.category(ch).startswith("C") for ch in cleaned)
    cleaned.encode("utf-8")  # no lone surrogates survive
    assert check_question(cleaned, SETTINGS) == cleaned  # cleaning is idempotent


def test_long_question_message_names_the_limit():
    with pytest.raises(InputError, match="4000"):
        check_question("why " * 1001, SETTINGS)


# ---------------------------------------------------------------- sentences and chunks

prose = st.lists(
    st.sampled_from(list("abcXYZ019 .!?…\"'”’)([]\n\t,-") + ["Mr.", "U.S.", " [1]", "\n\n"]),
    max_size=200,
).map("".join)


@FAST
@given(text=prose | any_text)
def test_sentence_spans_point_into_the_text(text):
    spans = sentence_spans(text)
    previous_end = 0
    for start, end in spans:
        assert 0 <= previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece.strip() == piece and piece
        previous_end = end
    # Nothing but whitespace falls between the sentences.
    covered = "".join(text[s:e] for s, e in spans)
    assert "".join(covered.split()) == "".join(text.split())


@FAST
@given(text=prose | any_text, max_tokens=st.integers(8, 300), overlap=st.integers(0, 40))
def test_chunk_spans_cover_the_text_within_the_token_bound(text, max_tokens, overlap):
    spans = chunk_spans(text, max_tokens, overlap)
    starts = [s for s, _ in spans]
    assert starts == sorted(set(starts)), "chunks are ordered and distinct"
    covered = [False] * len(text)
    for start, end in spans:
        assert 0 <= start < end <= len(text) and text[start:end].strip()
        piece = text[start:end]
        # Only a single whitespace-free run longer than the bound may exceed it (it cannot be cut
        # at a word boundary); every other chunk respects the bound.
        if len(piece.split()) > 1:
            assert approximate_tokens(piece) <= max_tokens, (piece, max_tokens)
        for i in range(start, end):
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace()), "text was lost"


# ------------------------------------------------------------------------- citations

marker_text = st.lists(
    st.one_of(
        st.text(alphabet="abc .,\n", max_size=12),
        st.integers(0, 9).map(lambda n: f"[{n}]"),
        st.lists(st.integers(0, 9), min_size=1, max_size=3).map(
            lambda ns: "[" + ", ".join(map(str, ns)) + "]"),
        st.sampled_from(["[", "]", "[ 2 ]", "[[", "]]", "(1)", "[x]", "[1", "2]"]),
    ),
    max_size=30,
).map("".join)


def _passages(n: int) -> list[Passage]:
    return [
        Passage(doc_id=f"doc{i}", title=f"T{i}", source="S", published="", url="",
                text=f"Sentence number {i} about the harbor.", start=0, end=36, score=1.0)
        for i in range(1, n + 1)
    ]


def _final(raw: str, n: int, data=None):
    """The final answer's text and citations, with claim checking simulated by ``data``:
    some cited passages taken away, some sentences dropped or re-pointed."""
    passages = _passages(n)
    sentences = split_answer(raw, n)
    if data is not None:
        for sentence in sentences:
            if sentence.cited and data.draw(st.booleans()):
                sentence.cited = data.draw(st.lists(st.sampled_from(sentence.cited), unique=True))
            sentence.dropped = data.draw(st.booleans())
            if n and data.draw(st.booleans()):
                sentence.cited, sentence.repointed = [data.draw(st.integers(0, n - 1))], True
    text, citations, numbers = render(raw, sentences, passages)
    return passages, text, citations, numbers


@FAST
@given(raw=marker_text, n=st.integers(0, 4), data=st.data())
@example(raw="Fact [[5]1].", n=2, data=None)
@example(raw="A [1] and [[9]2] here.", n=2, data=None)
@example(raw="See [the report](javascript:alert(1)) [1].", n=1, data=None)
def test_markers_and_citations_match_one_to_one(raw, n, data):
    passages, text, citations, _ = _final(raw, n, data)
    numbers = [c.number for c in citations]
    assert numbers == list(range(1, len(citations) + 1))
    assert set(marker_numbers(text)) == set(numbers), (raw, text, numbers)
    # Each citation names a different passage that exists; none is invented.
    cited_docs = [c.doc_id for c in citations]
    assert len(set(cited_docs)) == len(cited_docs)
    assert set(cited_docs) <= {p.doc_id for p in passages}
    assert "](" not in text  # no markdown link survives into an answer


@FAST
@given(raw=marker_text, n=st.integers(0, 4), cuts=st.lists(st.integers(0, 400), max_size=6))
def test_streamed_renumbering_agrees_with_the_final_markers(raw, n, cuts):
    """However the stream is cut, it shows what the answer shows (before claim checking)."""
    renumber = Renumberer(n)
    pieces, last = [], 0
    for cut in sorted(c for c in cuts if c <= len(raw)):
        pieces.append(raw[last:cut])
        last = cut
    pieces.append(raw[last:])
    streamed = "".join(renumber.feed(p) for p in pieces) + renumber.flush()
    assert streamed == Renumberer(n).convert(raw)
    _, _, citations, _ = _final(raw, n)
    assert set(marker_numbers(streamed)) <= {c.number for c in citations}


@FAST
@given(sentence=st.lists(st.sampled_from(list("ab 1[],.") + ["[1]", "[ 2, 3 ]", "[١]"]),
                        max_size=40).map("".join))
def test_extractive_quotes_never_carry_markers_from_article_text(sentence):
    from assistant.answering.citations import neutralise_markers

    assert not MARKER.search(neutralise_markers(sentence))


# -------------------------------------------------------------- ingest -> store round trip


GOOD = [
    "Harbor light rebuilt\n\nThe harbor light was rebuilt in 1911 by the port authority.",
    "# Mayor resigns\n\nThe mayor of Springfield resigned on Tuesday after a council vote.",
    json.dumps([{"title": "Bridge opens", "body": "The Wide River bridge opened on Monday.",
                 "url": "https://example.org/bridge"}]),
    "<html><head><title>Rail strike ends</title></head><body><article><p>Workers at the "
    "northern depot ended their strike on Friday after a new wage deal.</p></article></body></html>",
]
file_contents = st.one_of(
    st.sampled_from(GOOD).map(str.encode),
    st.sampled_from(GOOD).map(lambda t: (t + " Updated.").encode()),
    st.binary(max_size=300),
    st.sampled_from([b"", b"{not json", b"\x00\x01\x02", b"<div>" * 300, b'{"title": "no body"}']),
)
file_names = st.sampled_from(["a.txt", "b.md", "c.json", "d.html", "e.jsonl", "f.pdf", "g.txt"])


def _ingest_and_check(archive, settings: Settings, folder: Path, files: dict) -> None:
    """Ingest a folder of these files; check nothing stored was lost or duplicated."""
    from assistant.ingestion.pipeline import ingest
    from assistant.ingestion.readers import read_articles

    store = archive.store
    before = dict(store.registry())
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    expected = {a.doc_id: a for a in read_articles(str(folder), settings)
                if isinstance(a, Article)}
    report = ingest([folder], settings=settings)
    assert len(report.added) + len(report.updated) + len(report.unchanged) == len(expected)
    assert len(report.skipped) == sum(
        1 for item in read_articles(str(folder), settings) if isinstance(item, Skipped)
    )
    store.refresh()
    after = store.registry()
    # Nothing lost: every earlier article is still there, changed only if re-ingested.
    assert set(before) | set(expected) == set(after)
    for doc_id, info in after.items():
        if doc_id in expected:
            assert info.content_hash == expected[doc_id].content_hash
            assert store.get_article(doc_id).text == expected[doc_id].text
        else:
            assert info == before[doc_id]
    # Nothing duplicated: one chunk record per (article, chunk), all of the current version.
    records = store.chunk_records()
    ids = records["ids"]
    assert len(ids) == len(set(ids)) == sum(info.chunks for info in after.values())
    for meta in records["metadatas"]:
        assert after[meta["doc_id"]].content_hash == meta["content_hash"]
    # BM25 holds exactly the committed articles.
    assert archive.lexical.manifest == {d: a.content_hash for d, a in after.items()}


folders = st.dictionaries(file_names, file_contents, min_size=1, max_size=5)


@hyp_settings(max_examples=20, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=folders, second=folders)
@example(  # an update whose old text is another file's new text: both share one hash
    first={"a.txt": GOOD[0].encode()},
    second={"a.txt": GOOD[1].encode(), "b.md": GOOD[0].encode()},
)
def test_ingest_never_loses_or_duplicates_articles(first, second, tmp_path, fake):
    """Two ingests of random good and bad files (the second may update, repeat or add
    articles) into a fresh store: the store always holds exactly what was read."""
    from assistant.store.archive import close_archives, open_archive

    root = Path(tempfile.mkdtemp(dir=tmp_path))
    settings = Settings(data_dir=root / "data", llm="extractive")
    try:
        archive = open_archive(settings, fake)  # the fake embedder: no model needed
        _ingest_and_check(archive, settings, root / "first", first)
        _ingest_and_check(archive, settings, root / "second", second)
    finally:
        close_archives()
        shutil.rmtree(root, ignore_errors=True)
