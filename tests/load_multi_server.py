"""A bounded load test on loopback (not a CI test): two `assistant serve` processes on one
`chroma run` server, 40 chat sessions spread over both while an ingest runs through one.

    PYTHONPATH=. python -m tests.load_multi_server [--sessions 40] [--articles 50]

Each session asks about one town's article through the ``ask`` API, then a follow-up
carrying its history. The towns' articles go in through app server b before the sessions
start; the ingest that runs meanwhile (``--articles`` new ones, in two uploads) goes
through app server a. Prints p50/p95/max answer times and every error (none are allowed:
the exit status is 1 if there is one), and checks at the end that both app servers' BM25
indexes hold what Chroma holds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.config import set_offline_env

set_offline_env()

from .cluster import App, Chroma, remove, upload, wait_agree, write_articles  # noqa: E402
from .test_concurrency import SLOW_HTTP  # noqa: E402

FOLLOW_UP = "How much will it cost?"


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--articles", type=int, default=50, help="ingested during the load")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="assistant-load-"))
    (folder / "chroma").mkdir()
    chroma = Chroma(folder / "chroma")
    collection = f"load{uuid.uuid4().hex[:8]}"
    apps = [App(name, folder, chroma.url, collection) for name in ("a", "b")]
    try:
        for app in apps:
            app.start()
        for app in apps:
            app.wait()
        a, b = apps
        towns = [f"Town{chr(65 + i // 26)}{chr(97 + i % 26)}ville" for i in range(args.sessions)]
        said = upload(b, write_articles(folder / "towns", towns))
        assert said.startswith("Done"), said
        wait_agree(apps, a.settings, folder / "scratch")
        fresh = [f"Newby{chr(65 + i // 26)}{chr(97 + i % 26)}" for i in range(args.articles)]
        new = write_articles(folder / "new", fresh)
        return _run(apps, towns, new, folder)
    finally:
        for app in apps:
            app.stop()
        chroma.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept {folder}")


def _run(apps: list[App], towns: list[str], new: list[Path], folder: Path) -> int:
    from gradio_client import Client

    a, b = apps
    times: list[float] = []
    errors: list[str] = []
    misses: list[str] = []
    lock = threading.Lock()
    window: list[float] = []

    def ask(client: Client, *args) -> dict:
        started = time.perf_counter()
        try:
            result = client.predict(*args, api_name="/ask")
        except Exception as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
            raise
        with lock:
            times.append(time.perf_counter() - started)
        return result

    def session(n: int, town: str) -> None:
        app = apps[n % 2]
        client = Client(app.url, verbose=False, httpx_kwargs=SLOW_HTTP)
        question = f"What did the council of {town} vote to build?"
        first = ask(client, question, None, "", "", None)
        if town not in (first["citations"] or [{}])[0].get("title", ""):
            with lock:
                misses.append(f"{app.name}: {town}")
        ask(client, FOLLOW_UP, None, "", "", [[question, first["text"]]])

    def ingest() -> list[str]:
        window.append(time.perf_counter())
        half = len(new) // 2
        done = [upload(a, part) for part in (new[:half], new[half:])]
        window.append(time.perf_counter())
        return done

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(towns) + 1) as pool:
        ingesting = pool.submit(ingest)
        sessions = [pool.submit(session, n, town) for n, town in enumerate(towns)]
        for future in sessions:
            try:
                future.result(timeout=3600)
            except Exception:
                if not errors:
                    errors.append(traceback.format_exc(limit=3))
        outcome = ingesting.result(timeout=3600)
    took = time.perf_counter() - began
    if not all(o.startswith("Done") for o in outcome):
        errors.append(f"ingest: {outcome}")
    state = wait_agree(apps, a.settings, folder / "scratch")
    if state["problems"]:
        errors.append(f"Chroma: {state['problems'][:5]}")
    for app in apps:
        if "Traceback" in app.log.read_text():
            errors.append(f"{app.name}'s log has a traceback")

    reach = _propagation(a, b, state, 5)
    ordered = sorted(times)
    print(
        f"{len(towns)} sessions (question + follow-up) over 2 app servers, {len(new)} articles "
        f"ingested through a meanwhile ({window[1] - window[0]:.1f} s), {took:.1f} s in all"
    )
    if ordered:
        print(
            f"answers: {len(ordered)}, p50 {statistics.median(ordered):.2f} s, "
            f"p95 {_percentile(ordered, 0.95):.2f} s, max {ordered[-1]:.2f} s"
        )
    print(f"first answers not citing their town first: {len(misses)} {misses[:5]}")
    print(f"archive afterwards: {len(state['articles'])} articles, both app servers agree")
    print(
        f"a removal through a left b's BM25 files after: "
        f"{', '.join(f'{t:.2f}' for t in reach)} s (median {statistics.median(reach):.2f} s)"
    )
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print("  " + error)
    return 1 if errors else 0


def _propagation(a: App, b: App, state: dict, count: int) -> list[float]:
    """Seconds from a removal through ``a`` returning to ``b``'s saved BM25 index without
    the article, for ``count`` removals one after another (polled every 50 ms)."""
    took = []
    for doc_id in sorted(state["articles"])[:count]:
        said = remove(a, doc_id)
        assert said.startswith("Removed"), said
        removed = time.perf_counter()
        while doc_id in b.bm25()[0]:
            if time.perf_counter() - removed > 60:
                raise AssertionError(f"{doc_id} still in b's BM25 a minute after its removal")
            time.sleep(0.05)
        took.append(time.perf_counter() - removed)
    return took


if __name__ == "__main__":
    sys.exit(main())
