"""Issue 21, the ingest side: what a hostile upload, URL or conversation must not do.

Every attack is real: loopback HTTP servers (one that drips its headers, one that a
rebinding resolver points at), real files and real ingests into a store.
"""

from __future__ import annotations

from pathlib import Path

from assistant.ui_actions import run_ingest


# ------------------------------------------------------------- 12: upload with no article
def test_an_upload_with_no_article_says_why_instead_of_failing(hashed, tmp_path: Path) -> None:
    folder = tmp_path / "staged"
    folder.mkdir()
    (folder / "upload-empty.txt").write_text("   \n")
    (folder / "upload-records.json").write_text("[]")
    lines = list(run_ingest([str(folder)], hashed))
    assert lines[-1].startswith("Nothing added: added 0")
    assert "upload-empty.txt: empty article" in lines[-1]
    assert "upload-records.json: JSON holds no article objects" in lines[-1]
