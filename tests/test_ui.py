"""The chat page without a browser: HTML rendering and escaping, the streaming handler,
follow-ups, engine failures, uploads, serve's login rule, and the ``ask`` API endpoint
through gradio_client against a launched app."""

from __future__ import annotations

import html
import json
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest

from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.records import Answer, Article, Citation, Claim, Excerpt
from assistant.ui.actions import chat, stage_uploads
from assistant.ui.app import build_app, is_loopback, launch_options, parse_auth, serve
from assistant.ui.render import (
    ShownTurn,
    esc,
    passage_window,
    render_answer,
    render_articles,
    render_status,
    safe_url,
)

from .conftest import free_port
from .fakes import ScriptedLLM

SEED_QUESTION = "Who is Russia's ambassador to North Korea?"
EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


class Tags(HTMLParser):
    """Every element and attribute the browser would build from a piece of HTML."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def names(self) -> set[str]:
        return {t for t, _ in self.tags}

    def attributes(self) -> set[str]:
        return {a for _, attrs in self.tags for a in attrs}


def _final(gen) -> str:
    return list(gen)[-1][0]


def _last_turns(gen) -> list[ShownTurn]:
    return list(gen)[-1][1]


# ------------------------------------------------------------------------ rendering
def test_esc_makes_tags_quotes_and_template_syntax_inert():
    out = esc(EVIL + " {{x}} ${y} `z`")
    assert "<" not in out and ">" not in out and '"' not in out
    assert "{" not in out and "$" not in out and "`" not in out
    assert Tags(out).tags == []


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org/a?b=1", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        ("data:text/html,<script>1</script>", False),
        ("//example.org/x", False),
        ("/relative", False),
        ("https://exa mple.org", False),
        ("", False),
        ("https://example.org/\njavascript:x", False),
    ],
)
def test_safe_url_keeps_only_absolute_http_links(url, ok):
    assert safe_url(url) == (url if ok else "")


def test_passage_window_marks_the_quote_inside_its_article():
    text = "First sentence here. " * 60 + "The quoted <b>claim</b> is here. " + "Tail words. " * 80
    start = text.index("The quoted")
    end = start + len("The quoted <b>claim</b> is here.")
    out = passage_window(text, start, end, radius=100)
    assert '<mark class="nx-quote">The quoted &lt;b&gt;claim&lt;/b&gt; is here.</mark>' in out
    assert out.startswith("… ") and out.endswith(" …")
    assert len(out) < 400
    assert passage_window(text, 10, 5) == ""  # offsets that do not fit give nothing


def _hostile_answer() -> tuple[Answer, Article]:
    text = f"Intro. Marta Quintela {EVIL} was named pilot. [1](javascript:alert(1)) more."
    start = text.index("Marta")
    end = text.index("pilot.") + len("pilot.")
    article = Article(
        doc_id="evil.md",
        text=text,
        title=EVIL,
        source="<b>Evil</b> Gazette",
        published="2024-03-02",
        url="javascript:window.__pwned=3",
    )
    cite = Citation(
        number=1,
        doc_id="evil.md",
        title=EVIL,
        source=article.source,
        published="2024-03-02",
        url=article.url,
        quote=text[start:end],
        start=start,
        end=end,
    )
    answer = Answer(
        question="Who is the pilot?",
        text=f"{text[start:end]} [1] A forged [7] and [link](javascript:alert(1)) stay text.",
        citations=[cite],
        claims=[Claim(text="A forged claim.", citations=[], supported=False)],
        engine="extractive",
        searched="Who is the pilot?",
    )
    return answer, article


def test_answer_html_escapes_everything_from_articles():
    answer, article = _hostile_answer()
    out = render_answer(answer, "k1", lambda doc_id: article)
    tags = Tags(out)
    assert not {"script", "img", "b", "a"} & tags.names()
    assert not {a for a in tags.attributes() if a.startswith("on")}
    assert "javascript:" not in " ".join(str(v) for _, attrs in tags.tags for v in attrs.values())
    # The hostile title is shown as text, in the source list and the popover.
    assert esc(EVIL) in out and out.count(esc(EVIL)) >= 2
    # Only the real citation became a button; "[7]" and the markdown link stay plain text.
    buttons = [attrs for tag, attrs in tags.tags if tag == "button" and "data-cite" in attrs]
    assert [b["data-cite"] for b in buttons] == ["1"]
    assert "[7]" in out and "[link](javascript:alert(1))" in out
    assert "Not supported by its sources" in out


def test_answer_html_links_http_urls_and_opens_the_passage():
    answer, article = _hostile_answer()
    safe = Article(**{**article.__dict__, "url": "https://news.example/a"})
    cite = Citation(**{**answer.citations[0].__dict__, "url": safe.url})
    answer.citations = [cite]
    out = render_answer(answer, "k2", lambda doc_id: safe)
    links = [attrs for tag, attrs in Tags(out).tags if tag == "a"]
    assert links == [
        {
            "href": "https://news.example/a",
            "target": "_blank",
            "rel": "noopener noreferrer nofollow",
        }
    ]
    # Marker and source entry both open the popover that holds the marked quote.
    assert out.count('popovertarget="nx-src-k2-1"') >= 3
    assert 'id="nx-src-k2-1"' in out and "<mark" in out


def test_a_removed_article_still_shows_its_quote():
    answer, _ = _hostile_answer()
    out = render_answer(answer, "k3", lambda doc_id: None)
    assert "no longer in the archive" in out and "<mark" in out


def test_abstention_looks_different_and_shows_the_search():
    answer = Answer(
        question="Capital of Peru?",
        text="The articles do not answer this.",
        abstained=True,
        engine="extractive",
        searched="Capital of Peru? (context: x)",
    )
    out = render_answer(answer, "k4", lambda d: None, filters="publisher: Evil")
    assert 'data-state="abstained"' in out and "nx-abstain" in out
    assert "Not in the archive" in out and "Capital of Peru? (context: x)" in out
    assert "publisher: Evil" in out and "nx-cite" not in out


def test_the_search_questions_of_a_planned_question_are_shown_escaped():
    answer = Answer(
        question="Did A and B both report <X>?",
        text="The articles do not answer this.",
        abstained=True,
        engine="openai",
        searched="Did A and B both report <X>?",
        searches=["What did A report about <X>?", "What did B report about X?"],
    )
    out = render_answer(answer, "k5", lambda d: None)
    assert "What did A report about &lt;X&gt;?" in out and "What did B report about X?" in out
    assert "<X>" not in out


def test_one_article_is_one_source_with_each_quote_in_its_popover():
    text = (
        "Marta Quintela was named pilot. "
        + "Filler words here. " * 80
        + "The budget is 41 million."
    )
    first, second = text.index("Marta"), text.index("The budget")
    article = Article(doc_id="a.md", text=text, title="Harbour news", source="Coast Ledger")
    quotes = [
        Excerpt(text[first : first + 31], first, first + 31),
        Excerpt(text[second:], second, len(text)),
    ]
    cite = Citation(
        1,
        "a.md",
        "Harbour news",
        "Coast Ledger",
        "2024",
        "",
        quotes[1].text,
        quotes[1].start,
        quotes[1].end,
        quotes,
    )
    answer = Answer(
        question="q",
        text="Quintela is pilot [1]. The budget is 41 million [1].",
        citations=[cite],
        engine="extractive",
        searched="q",
    )
    out = render_answer(answer, "m1", lambda doc_id: article)
    assert out.count('class="nx-src-btn"') == 1 and "2 passages" in out
    popover = out[out.index("<div popover") :]
    marks = [m.split("</mark>")[0] for m in popover.split('<mark class="nx-quote">')[1:]]
    assert marks == [q.text for q in quotes]  # in article order, each inside its article text
    assert "Filler words" in popover


def test_the_short_answer_is_bold_and_nothing_else_is_markup():
    answer = Answer(
        question="q",
        text="**Alexander Matsegora** [1]\n\nHe said **<b>x</b>** and 2**3 [1].",
        citations=[Citation(1, "x.txt", "T", "S", "2023", "", "q", 0, 1)],
        engine="extractive",
        searched="q",
    )
    out = render_answer(answer, "b1", lambda doc_id: None)
    body = out.split('<div class="nx-a-text">')[1].split("</div>")[0]
    assert body.startswith("<strong>Alexander Matsegora</strong>")
    assert "b" not in Tags(body).names() and "<strong>&lt;b&gt;x&lt;/b&gt;</strong>" in body
    assert "2**3" in body


def test_untitled_articles_are_marked_as_untitled():
    from assistant.records import ArticleInfo

    title = "Untitled: The agency said on Monday that <b>it</b>…"
    cite = Citation(1, "x.txt", title, "Gazette", "2024", "", "The agency said.", 0, 16)
    answer = Answer(
        question="q", text="It said so [1].", citations=[cite], engine="e", searched="q"
    )
    marked = '<span class="nx-untitled">Untitled:</span> The agency said on Monday that &lt;b&gt;'
    assert marked in render_answer(answer, "u1", lambda doc_id: None)
    info = ArticleInfo("x.txt", title, "Gazette", "2024", "", "", "h", 1)
    assert marked in render_articles([info], 1)
    titled = ArticleInfo("y.txt", "Real headline", "Gazette", "2024", "", "", "h", 1)
    assert "nx-untitled" not in render_articles([titled], 1)


def test_copy_holds_the_answer_and_its_sources_as_text():
    answer, article = _hostile_answer()
    safe = Citation(**{**answer.citations[0].__dict__, "url": "https://news.example/a"})
    answer.citations = [safe]
    out = render_answer(answer, "c1", lambda doc_id: article)
    assert out.count('class="nx-copy"') == 1
    hidden = out.split('<span class="nx-copy-text" hidden>')[1].split("</span>")[0]
    assert html.unescape(hidden) == (
        f"{answer.text}\n\nSources:\n[1] {safe.source}, 2024 – {EVIL} https://news.example/a"
    )
    assert "script" not in Tags(out).names()


def test_header_counts_articles_in_words_and_splits_engine_and_model():
    one, two = render_status("extractive", "verbatim quotes", 1), render_status("local", "", 2)
    assert "<b>1</b> article indexed" in one and "<b>2</b> articles indexed" in two
    assert one.count('class="nx-pill"') == 3 and two.count('class="nx-pill"') == 2
    assert 'title="model verbatim quotes"' in one


def test_article_table_escapes_titles():
    from assistant.records import ArticleInfo

    info = ArticleInfo("evil.md", EVIL, "Gazette", "2024", "", "", "h", 2)
    out = render_articles([info], 1)
    assert "script" not in Tags(out).names() and esc(EVIL) in out and "1 article" in out


# ------------------------------------------------------------------ handlers on a store
def test_chat_streams_then_renders_a_cited_answer(seeded):
    states = list(chat(SEED_QUESTION, [], None, "", "", seeded))
    assert 'data-state="pending"' in states[0][0]  # shown at once, before the answer
    html, turns, box = states[-1]
    assert box == "" and len(turns) == 1 and turns[0].ok
    assert 'data-state="answered"' in html and "Matsegora" in html
    assert 'class="nx-cite"' in html and '<mark class="nx-quote">' in html
    assert "The Washington Times, 2023" in html


def test_follow_up_carries_context_and_shows_the_searched_question(seeded):
    turns = _last_turns(chat(SEED_QUESTION, [], None, "", "", seeded))
    html = _final(chat("What else did he tell Russian media?", turns, None, "", "", seeded))
    assert "What else did he tell Russian media (Russia, North Korea)?" in html
    assert "rewritten with the conversation" in html


def test_filters_reach_retrieval_and_bad_dates_are_a_message(seeded):
    html = _final(chat(SEED_QUESTION, [], ["Washington Times"], "2023-01-01", "", seeded))
    assert 'data-state="answered"' in html and "publisher: Washington Times" in html
    html = _final(chat(SEED_QUESTION, [], None, "yesterday", "", seeded))
    assert 'data-state="error"' in html and "since must be a date" in html


def test_unreachable_engine_is_a_readable_message(seeded):
    closed = free_port()
    broken = Settings(
        data_dir=seeded.data_dir,
        llm="openai",
        llm_retries=0,
        llm_timeout=10,
        openai_base_url=f"http://127.0.0.1:{closed}/v1",
    )
    html, turns, _ = list(chat(SEED_QUESTION, [], None, "", "", broken))[-1]
    assert 'data-state="error"' in html and "cannot reach the language model" in html
    assert "Traceback" not in html and not turns[-1].ok


def test_a_rate_limited_engine_fails_one_question_and_the_next_one_works(seeded):
    reply = "Alexander Matsegora is Russia's Ambassador to North Korea [1]."
    with ScriptedLLM([429, reply]) as llm:
        s = Settings(
            data_dir=seeded.data_dir,
            llm="openai",
            llm_retries=0,
            llm_timeout=10,
            openai_base_url=llm.url,
            openai_api_key="sk-test-secret-4711",
        )
        turns = _last_turns(chat(SEED_QUESTION, [], None, "", "", s))
        html = _final(chat(SEED_QUESTION, turns, None, "", "", s))
    assert "rate-limiting" in html and 'data-state="answered"' in html
    assert "sk-test-secret-4711" not in html


def test_uploads_are_staged_under_generated_names(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    good = src / "My Story (final).MD"
    good.write_text("# Title\n\nBody text.")
    twin = src / "copy.md"
    twin.write_text("# Title\n\nBody text.")
    (src / "tool.exe").write_bytes(b"MZ")
    (src / "big.txt").write_text("x" * 2000)
    out = tmp_path / "out"
    out.mkdir()
    problems = stage_uploads(
        [str(p) for p in sorted(src.iterdir())], Settings(max_file_bytes=1000), out
    )
    assert sorted(problems) == [
        "big.txt: larger than the 1000 bytes limit (ASSISTANT_MAX_FILE_BYTES)",
        "tool.exe: not a .txt, .md, .html, .htm, .json, .jsonl file",
    ]
    names = [p.name for p in out.iterdir()]
    assert len(names) == 1  # identical content, one staged file
    assert names[0].startswith("upload-") and names[0].endswith(".md")


# ---------------------------------------------------------------------------- serving
def test_serving_off_loopback_needs_a_login(settings):
    with pytest.raises(ConfigError, match="--auth"):
        serve(settings, host="0.0.0.0", port=free_port())
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert parse_auth("ann:s3:cret") == ("ann", "s3:cret")
    for bad in ("ann", ":pw", "ann:"):
        with pytest.raises(ConfigError):
            parse_auth(bad)


@pytest.mark.integration
def test_serve_with_a_login_refuses_anonymous_clients(seeded, tmp_path):
    from .browser import Server

    srv = Server(
        free_port(), seeded.data_dir, tmp_path / "serve.log", {}, ("--auth", "ann:s3cret-pass-91")
    )
    try:
        srv.wait_ready()
        for path in ("/config", "/gradio_api/info"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(srv.url + path, timeout=30)
            assert refused.value.code == 401
        assert "with a login (user 'ann')" in srv.log() and "s3cret-pass-91" not in srv.log()
    finally:
        srv.stop()


@pytest.fixture
def launched(seeded):
    """The app of a seeded store, launched on a free loopback port."""
    apps = []

    def start(settings: Settings) -> str:
        app = build_app(settings)
        port = free_port()
        app.queue()
        app.launch(
            server_name="127.0.0.1",
            server_port=port,
            prevent_thread_lock=True,
            quiet=True,
            **launch_options(),
        )
        apps.append(app)
        return f"http://127.0.0.1:{port}/"

    yield start
    for app in apps:
        app.close()


@pytest.mark.integration
def test_api_ask_returns_the_answer_and_its_citations(seeded, launched, monkeypatch):
    from gradio_client import Client

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    url = launched(seeded)
    client = Client(url, verbose=False)
    result = client.predict(SEED_QUESTION, api_name="/ask")
    assert "Matsegora" in result["text"] and "[1]" in result["text"]
    cite = result["citations"][0]
    assert cite["number"] == 1 and cite["source"] == "The Washington Times"
    assert cite["quote"] in result["text"] and cite["end"] > cite["start"]
    assert result["abstained"] is False and result["engine"] == "extractive"

    off = Client(url, verbose=False).predict(
        "What is the best recipe for banana bread?", None, "", "", None, api_name="/ask"
    )
    assert off["abstained"] is True and off["citations"] == []
    assert off["searched"] == "What is the best recipe for banana bread?"


@pytest.mark.integration
def test_api_reports_engine_failures_and_the_page_hides_secrets(seeded, launched, monkeypatch):
    from gradio_client import Client

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    broken = Settings(
        data_dir=seeded.data_dir,
        llm="openai",
        llm_retries=0,
        llm_timeout=10,
        openai_base_url=f"http://127.0.0.1:{free_port()}/v1",
        openai_api_key="sk-test-secret-4711",
    )
    url = launched(broken)
    for _ in range(2):  # the failure is a message each time; the server keeps serving
        with pytest.raises(Exception, match="cannot reach the language model"):
            Client(url, verbose=False).predict(SEED_QUESTION, api_name="/ask")
    for path in ("", "config", "gradio_api/info"):
        with urllib.request.urlopen(url + path, timeout=30) as response:
            body = response.read().decode()
        assert "sk-test-secret-4711" not in body
    with urllib.request.urlopen(url + "config", timeout=30) as response:
        config = json.loads(response.read())
    assert "openai" in json.dumps(config)  # the header names the engine in use
