"""The chat page in a real headless Chromium against `assistant serve` on a loopback port.

The steps run in order on one server and one page, as a person would use it: ask about the
seed article and open its citation; upload an article and get an answer citing it; remove
it; ask off topic; add a URL; upload a hostile article and check nothing of it executes.
Screenshots go to $ASSISTANT_TEST_SCREENSHOTS or a temporary folder; their paths are printed.
"""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .browser import CHROMIUM, CHROMIUM_ARGS, Server, ask, new_conversation, open_tab, wait_answer
from .conftest import free_port

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"
    ),
]

SEED_QUESTION = "Who is Russia's ambassador to North Korea?"
UPLOAD = """---
title: Arctic seed vault gets a new director
source: Nordic Ledger
date: 2024-05-14
---
Ingrid Solberg is the new director of the Arctic seed vault in Tromsø, the vault's board said on Tuesday.

The vault stores duplicates of crop seeds from gene banks around the world.
"""
UPLOAD_QUESTION = "Who is the new director of the Arctic seed vault in Tromsø?"
HOSTILE = """---
title: <script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> Harbour pilots
source: <b onmouseover="window.__pwned=3">Evil Gazette</b>
date: 2024-03-02
url: javascript:window.__pwned=4
---
Marta Quintela <img src=x onerror="window.__pwned=5"> was named chief harbour pilot of Lisbon in March 2024 [9](javascript:window.__pwned=6).

Other pilots {{constructor.constructor('window.__pwned=7')()}} and ${window.__pwned=8} welcomed the appointment of Marta Quintela as chief harbour pilot.
"""
HOSTILE_QUESTION = "Who was named chief harbour pilot of Lisbon?"
URL_ARTICLE = (
    "<html><head><title>Glacier tram line opens</title>"
    "<meta property='og:site_name' content='Alpine Courier'></head><body><article>"
    "<h1>Glacier tram line opens</h1><p>The new glacier tram line in Zermatt carried its first "
    "passengers on Saturday, the operator said.</p><p>Tickets cost twelve francs for adults and "
    "children ride free during the first month of service.</p></article></body></html>"
)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    chosen = os.environ.get("ASSISTANT_TEST_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("ui-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    srv = Server(
        free_port(), root / "data", root / "serve.log", {"ASSISTANT_ALLOW_PRIVATE_URLS": "1"}
    )
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def article_site():
    """A loopback web server with one article, for "add a URL"."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = URL_ARTICLE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/glacier-tram.html"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser_page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(60_000)
        page.requests = []  # every URL the page asks for
        page.on("request", lambda request: page.requests.append(request.url))
        page.goto(server.url)
        page.wait_for_selector("#nx-transcript .nx-conv")
        yield page
        browser.close()


def snap(page, shots: Path, name: str) -> Path:
    path = shots / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def upload(page, path: Path, title: str) -> str:
    """Upload one file on the Articles tab and wait for the ingest that reads ``title``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    open_tab(page, "Articles")
    page.wait_for_selector("#nx-files", state="visible")
    # A file set on the input while the tab's widgets are still being attached is sometimes
    # never uploaded (seen about one run in five on a loaded machine): set it again.
    for attempt in range(4):
        page.locator("#nx-files input[type=file]").set_input_files(str(path))
        try:
            page.wait_for_selector(f"#nx-files :text('{path.name}')", timeout=60_000)
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
    page.locator("#nx-add-files").click()
    return wait_progress(page, title)


def wait_progress(page, title: str) -> str:
    """Wait for the end of the ingest that read ``title`` (its summary names it)."""
    page.wait_for_function(
        """(title) => {
            const v = document.querySelector('#nx-progress textarea').value;
            return (v.startsWith('Done') && v.includes(title)) || v.startsWith('Could not');
        }""",
        arg=title,
        timeout=240_000,
    )
    return page.locator("#nx-progress textarea").input_value()


def wait_listed(page, text: str) -> None:
    """The article table is redrawn just after the ingest summary: wait until it lists text."""
    page.wait_for_function(
        "(text) => document.querySelector('#nx-articles').innerText.includes(text)", arg=text
    )


def test_start_page_shows_engine_count_and_examples(browser_page, shots):
    page = browser_page
    status = page.locator("#nx-status").inner_text()
    assert "extractive" in status and "1 article indexed" in status
    example = page.get_by_role("button", name=SEED_QUESTION)
    example.wait_for(state="visible")  # the row of examples may draw just after the status
    assert example.is_visible()
    snap(page, shots, "01-start")


def test_seed_question_opens_citation_with_highlighted_passage(browser_page, shots):
    page = browser_page
    page.get_by_role("button", name=SEED_QUESTION).click()  # an example question
    answer = wait_answer(page, SEED_QUESTION)
    assert answer.get_attribute("data-state") == "answered"
    assert "Matsegora" in answer.locator(".nx-a-text").inner_text()
    assert "[1] The Washington Times, 2023" in answer.locator(".nx-sources").inner_text()
    snap(page, shots, "02-answer")

    answer.locator("button.nx-cite").first.click()
    popover = page.locator(".nx-pop:popover-open")
    popover.wait_for(state="visible")
    mark = popover.locator("mark")
    mark.wait_for(state="visible")
    assert "Alexander Matsegora" in mark.inner_text()
    assert "The Washington Times" in popover.locator(".nx-pop-meta").inner_text()
    assert len(popover.locator(".nx-pop-body").inner_text()) > len(mark.inner_text()) + 200
    assert mark.is_visible() and _in_viewport(page, mark)
    snap(page, shots, "03-citation-open")
    page.keyboard.press("Escape")
    popover.wait_for(state="hidden")

    # Hovering a marker opens the same passage.
    answer.locator("button.nx-cite").first.hover()
    page.locator(".nx-pop:popover-open mark").wait_for(state="visible")
    page.keyboard.press("Escape")


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and 0 <= box["y"] < size["height"] and 0 <= box["x"] < size["width"]


def test_uploaded_article_is_listed_and_cited(browser_page, shots, tmp_path):
    page = browser_page
    path = tmp_path / "seed-vault.md"
    path.write_text(UPLOAD, encoding="utf-8")
    assert upload(page, path, "Arctic seed vault").startswith("Done: added 1")
    wait_listed(page, "Arctic seed vault")
    table = page.locator("#nx-articles")
    assert "Arctic seed vault gets a new director" in table.inner_text()
    assert "Nordic Ledger" in table.inner_text()
    assert "2 articles indexed" in page.locator("#nx-status").inner_text()
    snap(page, shots, "04-uploaded")

    open_tab(page, "Ask")
    new_conversation(page)
    answer = ask(page, UPLOAD_QUESTION)
    assert answer.get_attribute("data-state") == "answered"
    assert "Ingrid Solberg" in answer.locator(".nx-a-text").inner_text()
    assert "Nordic Ledger, 2024 – Arctic seed vault" in answer.locator(".nx-sources").inner_text()
    snap(page, shots, "05-upload-answer")


def test_removed_article_is_gone(browser_page, shots):
    page = browser_page
    open_tab(page, "Articles")
    page.locator("#nx-search input, #nx-search textarea").first.fill("seed vault")
    page.wait_for_function(
        "() => document.querySelector('#nx-articles').innerText.includes('1 of 2 articles')"
    )
    page.locator("#nx-remove-choice input").click()
    page.get_by_role("option", name="Arctic seed vault gets a new director").click()
    page.locator("#nx-remove").click()
    page.wait_for_function(
        "() => document.querySelector('#nx-progress textarea').value.startsWith('Removed')"
    )
    page.locator("#nx-search input, #nx-search textarea").first.fill("")
    page.wait_for_function(
        "() => !document.querySelector('#nx-articles').innerText.includes('Arctic seed vault')"
        " && document.querySelector('#nx-articles').innerText.includes('1 article')"
    )
    assert "1 article indexed" in page.locator("#nx-status").inner_text()
    snap(page, shots, "06-removed")


def test_off_topic_question_abstains(browser_page, shots):
    page = browser_page
    open_tab(page, "Ask")
    new_conversation(page)
    answer = ask(page, "What is the best recipe for banana bread?")
    assert answer.get_attribute("data-state") == "abstained"
    assert "do not answer" in answer.inner_text()
    assert "banana bread" in answer.locator(".nx-searched").inner_text()  # what was searched
    assert answer.locator("button.nx-cite").count() == 0
    snap(page, shots, "07-abstained")


def test_a_bad_filter_is_a_readable_message(browser_page, shots):
    page = browser_page
    since = page.locator("#nx-since input, #nx-since textarea").first
    since.fill("last Tuesday")
    answer = ask(page, "What did Matsegora tell Russian media?")
    assert answer.get_attribute("data-state") == "error"
    assert "since must be a date like 2023-10-13" in answer.inner_text()
    snap(page, shots, "08-error-message")
    since.fill("")
    answer = ask(page, SEED_QUESTION)  # the page keeps answering
    assert answer.get_attribute("data-state") == "answered"


def test_article_added_by_url(browser_page, shots, article_site):
    page = browser_page
    open_tab(page, "Articles")
    page.locator("#nx-url input, #nx-url textarea").first.fill(article_site)
    page.locator("#nx-add-url").click()
    assert wait_progress(page, "Glacier tram").startswith("Done: added 1")
    wait_listed(page, "Glacier tram line opens")
    assert "Glacier tram line opens" in page.locator("#nx-articles").inner_text()
    snap(page, shots, "09-url-added")


def test_hostile_article_never_executes(browser_page, shots, tmp_path):
    page = browser_page
    path = tmp_path / "hostile.md"
    path.write_text(HOSTILE, encoding="utf-8")
    assert upload(page, path, "window.__pwned=1").startswith("Done: added 1")
    wait_listed(page, "__pwned")
    assert "<script>window.__pwned=1</script>" in page.locator("#nx-articles").inner_text()

    open_tab(page, "Ask")
    new_conversation(page)
    answer = ask(page, HOSTILE_QUESTION)
    assert answer.get_attribute("data-state") == "answered"
    assert "Marta Quintela" in answer.inner_text()
    answer.locator("button.nx-cite").first.click()
    pop = page.locator(".nx-pop:popover-open")
    pop.locator("mark").wait_for(state="visible")
    assert "<script>window.__pwned=1</script>" in pop.locator(".nx-pop-title").inner_text()
    page.mouse.move(10, 10)
    snap(page, shots, "10-hostile-escaped")

    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    hostile_dom = page.evaluate(
        """() => ({
            scripts: [...document.scripts].filter(s => s.textContent.includes('__pwned')).length,
            imgs: document.querySelectorAll('img[src="x"]').length,
            handlers: [...document.querySelectorAll('*')].filter(
                e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
            jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
        })"""
    )
    assert hostile_dom == {"scripts": 0, "imgs": 0, "handlers": 0, "jsLinks": 0}
    page.keyboard.press("Escape")


# ----------------------------------------------------------------- the chat, as a chat
BANANA = "What is the best recipe for banana bread?"
HARBOUR = """---
title: Harbour board names a pilot and sets its budget
source: Coast Ledger
date: 2024-02-01
---
Marta Quintela was named chief harbour pilot of Lisbon on Monday.

{filler}

The harbour budget for 2024 is 41 million euros, the board said.
""".replace(
    "{filler}",
    " ".join(f"The committee reviewed item {i} of the plan without comment." for i in range(40)),
)
HARBOUR_QUESTION = (
    "Who was named chief harbour pilot of Lisbon, and how large is the harbour budget for 2024?"
)
# Where the newest turn sits in the transcript's scrolling box (px, relative to the box).
VIEW_JS = """() => {
    const turns = document.querySelectorAll('#nx-transcript .nx-turn');
    const last = turns[turns.length - 1];
    let box = last.parentElement;
    while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowY)) {
        box = box.parentElement;
    }
    const b = box.getBoundingClientRect();
    const q = last.getBoundingClientRect();
    const a = last.querySelector('.nx-a').getBoundingClientRect();
    return {
        questionTop: q.top - b.top, answerBottom: a.bottom - b.top, height: b.height,
        scrollTop: box.scrollTop, overflows: box.scrollHeight > box.clientHeight + 1,
    };
}"""


def fresh_chat(page) -> None:
    open_tab(page, "Ask")
    new_conversation(page)


def test_the_newest_answer_comes_into_view(browser_page, shots):
    page = browser_page
    fresh_chat(page)
    for question in (SEED_QUESTION, BANANA, SEED_QUESTION):
        ask(page, question)
        # At once: the page script scrolls as the finished answer is drawn. (Gradio's own
        # autoscroll sometimes caught up seconds later, sometimes never.)
        view = page.evaluate(VIEW_JS)
        assert view["questionTop"] >= -1, view  # the newest question is not above the box
        assert view["answerBottom"] <= view["height"] + 1 or view["questionTop"] <= 24, view
    assert view["overflows"] and view["scrollTop"] > 0, view  # it did have to scroll
    snap(page, shots, "11-newest-answer-in-view")


def test_opening_a_source_keeps_the_page_still(browser_page, shots):
    page = browser_page
    fresh_chat(page)
    for question in (SEED_QUESTION, BANANA, SEED_QUESTION):
        ask(page, question)
    first = page.locator("#nx-transcript .nx-turn").first
    first.locator(".nx-a-head").scroll_into_view_if_needed()  # reading the first answer
    where = """() => ({
        window: window.scrollY,
        header: document.querySelector('.nx-header').getBoundingClientRect().top,
        answer: document.querySelector('#nx-transcript .nx-turn .nx-a-head').getBoundingClientRect().top,
    })"""
    page.wait_for_timeout(300)
    before = page.evaluate(where)
    first.locator("button.nx-cite").first.click()
    page.locator(".nx-pop:popover-open mark").first.wait_for(state="visible")
    page.wait_for_timeout(500)  # anything that would scroll has scrolled by now
    after = page.evaluate(where)
    assert after == before
    assert after["header"] >= 0 and 0 <= after["answer"] < page.viewport_size["height"]
    snap(page, shots, "12-source-open-page-still")
    page.keyboard.press("Escape")


def test_header_pills_fit_a_phone_screen(browser_page, shots):
    page = browser_page
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.evaluate("() => window.scrollTo(0, 0)")
        page.wait_for_timeout(500)
        pills = page.evaluate(
            """() => [...document.querySelectorAll('#nx-status .nx-pill')].map(p => {
                const r = p.getBoundingClientRect();
                return {height: r.height, right: r.right,
                        line: parseFloat(getComputedStyle(p).fontSize) * 1.6};
            })"""
        )
        title = page.locator(".nx-header h1").bounding_box()
        status = page.locator("#nx-status .nx-status").bounding_box()
        snap(page, shots, "13-header-on-a-phone")
    finally:
        page.set_viewport_size(size)
    assert len(pills) == 3  # engine, model, articles
    for pill in pills:
        assert pill["height"] <= pill["line"] + 8, pills  # one line each: no oval
        assert pill["right"] <= 390, pills
    assert status["y"] >= title["y"] + title["height"] - 1  # below the title, not beside it


def test_an_abstention_shows_how_it_was_searched(browser_page, shots):
    page = browser_page
    fresh_chat(page)
    answered = ask(page, SEED_QUESTION)
    assert not answered.locator("details.nx-searched").evaluate("d => d.open")
    for round_ in range(2):  # after an answer, then first in a new conversation
        if round_:
            fresh_chat(page)
        answer = ask(page, BANANA)
        assert answer.get_attribute("data-state") == "abstained"
        details = answer.locator("details.nx-searched")
        assert details.evaluate("d => d.open")
        assert "banana bread" in details.locator(".nx-searched-body").inner_text()
    snap(page, shots, "14-abstention-shows-search")


def test_an_untitled_article_is_marked_untitled(browser_page, shots):
    page = browser_page
    fresh_chat(page)
    answer = ask(page, SEED_QUESTION)
    label = answer.locator(".nx-sources .nx-src-label").first
    assert label.locator(".nx-untitled").inner_text() == "Untitled:"
    assert "Untitled: The intelligence agency of Seoul has stated that…" in label.inner_text()
    open_tab(page, "Articles")
    row = page.locator("#nx-articles tr", has_text="The Washington Times")
    assert row.locator(".nx-untitled").count() == 1
    assert "has stated that…" in row.inner_text()
    snap(page, shots, "15-untitled-article")
    open_tab(page, "Ask")


def test_one_article_is_one_source_holding_each_quote(browser_page, shots, tmp_path):
    page = browser_page
    path = tmp_path / "harbour.md"
    path.write_text(HARBOUR, encoding="utf-8")
    assert upload(page, path, "Harbour board names").startswith("Done: added 1")
    fresh_chat(page)
    answer = ask(page, HARBOUR_QUESTION)
    assert answer.get_attribute("data-state") == "answered"
    text = answer.locator(".nx-a-text").inner_text()
    assert "Marta Quintela" in text and "41 million euros" in text
    assert {b.inner_text() for b in answer.locator("button.nx-cite").all()} == {"1"}
    sources = answer.locator(".nx-sources li")
    assert sources.count() == 1
    assert "Harbour board names a pilot" in sources.inner_text()
    assert "2 passages" in sources.inner_text()
    sources.locator("button.nx-src-btn").click()
    pop = page.locator(".nx-pop:popover-open")
    marks = pop.locator("mark")
    marks.first.wait_for(state="visible")
    assert marks.count() == 2
    assert "Marta Quintela" in marks.nth(0).inner_text()
    assert "41 million euros" in marks.nth(1).inner_text()
    snap(page, shots, "16-one-source-two-quotes")
    page.keyboard.press("Escape")


def test_copy_retry_edit_and_past_conversations(browser_page, shots, server):
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    fresh_chat(page)
    answer = ask(page, SEED_QUESTION)
    answer.locator("button.nx-copy").click()
    page.wait_for_function(
        "() => document.querySelector('#nx-transcript button.nx-copy').textContent === 'Copied'"
    )
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "Matsegora" in copied and "[1]" in copied
    assert "\n\nSources:\n[1] The Washington Times, 2023 – Untitled: " in copied

    # Edit: the last question goes back to the box, its answer away.
    page.locator("#nx-edit").click()
    box = page.locator("#nx-question textarea, #nx-question input").first
    page.wait_for_function("() => !document.querySelector('#nx-transcript .nx-turn')")
    assert box.input_value() == SEED_QUESTION

    # Retry: the last question is asked again and its answer replaced.
    ask(page, BANANA)
    last = ask(page, SEED_QUESTION)
    old = last.locator("button.nx-cite").first.get_attribute("popovertarget")
    page.locator("#nx-retry").click()
    page.wait_for_function(  # each rendered answer has its own popover ids
        """(old) => {
            const a = [...document.querySelectorAll('#nx-transcript .nx-a')].pop();
            const b = a && a.dataset.state === 'answered' && a.querySelector('button.nx-cite');
            return b && b.getAttribute('popovertarget') !== old;
        }""",
        arg=old,
        timeout=240_000,
    )
    questions = page.locator("#nx-transcript .nx-q-text").all_inner_texts()
    assert questions == [BANANA, SEED_QUESTION]

    # Past conversations: New conversation keeps this one in the list; choosing it returns.
    new_conversation(page)
    past = page.locator("#nx-past")
    past.get_by_text(f"{BANANA} (2 questions)").wait_for()
    ask(page, "What did Matsegora tell Russian media?")
    past.get_by_text("What did Matsegora tell Russian media?").wait_for()
    past.get_by_text(f"{BANANA} (2 questions)").click()
    page.wait_for_function(
        "(q) => document.querySelector('#nx-transcript .nx-q-text')?.textContent === q",
        arg=BANANA,
    )
    assert page.locator("#nx-transcript .nx-turn").count() == 2
    page.wait_for_timeout(500)  # for the picture only: the list's loading shade fades
    snap(page, shots, "17-copy-retry-edit-conversations")


def test_nothing_was_fetched_from_outside(browser_page, server):
    hosts = {urlparse(u).hostname for u in browser_page.requests if u.startswith("http")}
    assert hosts == {"127.0.0.1"}, hosts
    assert "Traceback" not in server.log()
