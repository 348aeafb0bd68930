"""A small harness for browser tests: run `assistant serve` as a subprocess and drive the
page with Playwright through Debian's chromium (no browser download)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path(os.environ.get("ASSISTANT_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A loaded 2-core machine can take minutes to load the model and answer: wait generously.
START_TIMEOUT = 420.0
ANSWER_TIMEOUT_MS = 240_000


class Server:
    """`assistant serve --port N` in a subprocess, its output kept in a log file."""

    def __init__(
        self,
        port: int,
        data_dir: Path,
        log_path: Path,
        extra_env: dict[str, str],
        args: tuple[str, ...] = (),
    ):
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
        env.update(
            ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_LLM="extractive", PYTHONUNBUFFERED="1"
        )
        env.update(extra_env)
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), *args],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"assistant serve exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"assistant serve did not start in {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self._log.close()


def ask(page, question: str):
    """Type a question, send it, wait for the finished answer; return its answer block."""
    box = page.locator("#nx-question textarea, #nx-question input").first
    box.fill(question)
    page.locator("#nx-ask").click()
    return wait_answer(page, question)


def wait_answer(page, question: str):
    """Wait until the last turn is this question and its answer is no longer being written."""
    page.wait_for_function(
        """(q) => {
            const turns = document.querySelectorAll('#nx-transcript .nx-turn');
            const last = turns[turns.length - 1];
            if (!last || last.querySelector('.nx-q-text').textContent !== q) return false;
            const a = last.querySelector('.nx-a');
            return a && a.dataset.state !== 'pending';
        }""",
        arg=question,
        timeout=ANSWER_TIMEOUT_MS,
    )
    return page.locator("#nx-transcript .nx-turn").last.locator(".nx-a")


def new_conversation(page) -> None:
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_selector("#nx-transcript .nx-empty")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
