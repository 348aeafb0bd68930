"""The serving thread of ``assistant serve``: it keeps an archive up to date with the
change log (:class:`assistant.store.sync.Follower`) every ``sync_interval`` seconds, even
when no question comes in."""

from __future__ import annotations

import json
import logging
import threading
import time

from ..config import Settings
from ..errors import AssistantError
from .archive import open_archive
from .client import error_line

log = logging.getLogger("assistant.store.sync")  # the log name this thread has always had


_followers: dict[str, threading.Thread] = {}
_followers_lock = threading.Lock()


def follow(settings: Settings) -> threading.Thread:
    """Keep the archive of ``settings`` up to date on a daemon thread (``assistant serve``):
    every ``sync_interval`` seconds, and a whole-registry check every
    ``sync_full_interval``. Says in the log when Chroma stops answering and when it is
    back. One thread per store and process."""
    key = json.dumps([str(settings.data_dir), settings.chroma_url, settings.collection])
    with _followers_lock:
        thread = _followers.get(key)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(
                target=_run, args=(settings,), daemon=True, name="assistant-follow"
            )
            _followers[key] = thread
            thread.start()
        return thread


def _run(settings: Settings) -> None:
    lost: str | None = None
    while True:
        time.sleep(max(settings.sync_interval, 0.1))
        try:
            follower = open_archive(settings).follower
            follower.keep_up(wait=True)
            due = time.monotonic() - follower.full_checked >= settings.sync_full_interval
            if due and follower.full_check():
                log.warning("the whole-archive check found BM25 out of step, and repaired it")
            if lost is not None:
                log.warning("the Chroma server answers again: serving as before")
                lost = None
        except AssistantError as exc:
            if lost != str(exc):
                log.warning("%s", exc)
                lost = str(exc)
        except Exception as exc:  # the thread must outlive any one failure
            log.exception("keeping up with the change log failed: %s", error_line(exc))
            lost = "error"
