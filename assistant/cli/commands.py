"""The ``assistant`` command: ingest, ask, chat, list, remove, serve, eval, bench, rebuild."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ..config import set_offline_env

set_offline_env()

from ..config import Settings  # noqa: E402
from ..errors import AssistantError  # noqa: E402

_NOTED: list[str] = []


def _settings() -> Settings:
    from pydantic import ValidationError

    from ..config import env_file_note
    from ..errors import ConfigError

    try:
        settings = Settings()
    except ValidationError as exc:  # a bad ASSISTANT_* variable: one line, not a traceback
        problems = "; ".join(
            f"ASSISTANT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid setting {problems}") from None
    note = env_file_note(settings)
    if note.startswith("settings: read") and note not in _NOTED:
        _NOTED.append(note)  # say once which .env file was read (serve always says it)
        print(note, file=sys.stderr)
    return settings


def use_env_file(path: str | None) -> None:
    """``--env-file``: read settings from this file (it must exist), not the data folder's."""
    import os
    from pathlib import Path

    from ..config import ENV_FILE_VAR
    from ..errors import ConfigError

    if path is None:
        return
    file = Path(path).expanduser()
    if not file.is_file():
        raise ConfigError(f"--env-file {path}: no such file")
    os.environ[ENV_FILE_VAR] = str(file.resolve())


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..ingestion.pipeline import ingest

    report = ingest(args.targets, settings=_settings(), progress=not args.quiet)
    print(report.summary())
    print(f"chunks written: {report.chunks}")
    usable = report.added or report.updated or report.unchanged
    if not usable and report.skipped:
        return 1  # nothing could be used: say so with the exit code too
    return 0


def _filters(args: argparse.Namespace):
    from ..records import Filters
    from ..retrieval.checks import as_date

    return Filters(
        sources=tuple(args.publisher or ()),
        since=as_date(args.since, "--since"),
        until=as_date(args.until, "--until"),
    )


def cmd_ask(args: argparse.Namespace) -> int:
    from ..answering.pipeline import stream_answer
    from ..ingestion.pipeline import ensure_seeded
    from ..records import Answer
    from ..retrieval.checks import check_question
    from .output import claim_notes, format_sources, status_notes

    settings = _settings()
    check_question(args.question, settings)  # a bad question must not cost a seed ingest
    filters = _filters(args)
    ensure_seeded(settings, say=lambda m: print(m, file=sys.stderr))
    final: Answer | None = None
    streaming = not args.json and sys.stdout.isatty()
    for item in stream_answer(args.question, k=args.k, filters=filters, settings=settings):
        if isinstance(item, Answer):
            final = item
        elif streaming:
            print(item, end="", flush=True)
    assert final is not None
    if args.json:
        print(json.dumps(final.to_dict(), ensure_ascii=False, indent=2))
        return 0
    if streaming:
        print()
    else:
        print(final.text)
    for note in status_notes(final):
        print(note)
    if final.citations and not final.abstained:
        print()
        print(format_sources(final))
    for note in claim_notes(final):
        print(note)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from .chat import run

    wanted = {"sources": args.publisher or (), "since": args.since, "until": args.until}
    return run(args, _settings(), wanted if any(wanted.values()) else None)


def cmd_list(args: argparse.Namespace) -> int:
    from ..article_ids import short_ids
    from ..store.archive import open_archive

    registry = open_archive(_settings()).store.registry()
    ids = short_ids(registry)
    infos = sorted(registry.values(), key=lambda a: (a.published, a.title), reverse=True)
    if args.search:
        needle = args.search.lower()
        infos = [
            a
            for a in infos
            if needle in f"{ids[a.doc_id]} {a.title} {a.source} {a.doc_id} {a.url}".lower()
        ]
    if args.json:
        rows = [{"id": ids[a.doc_id], **a.__dict__} for a in infos]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for a in infos:
        # The URL (a file's path when it has none) last: long, and rarely needed to read on.
        print(
            f"{ids[a.doc_id]}\t{a.published or '-'}\t{a.source or '-'}\t{'1 chunk' if a.chunks == 1 else f'{a.chunks} chunks'}"
            f"\t{a.title or '-'}\t{a.url or a.doc_id}"
        )
    print(f"{len(infos)} article{'' if len(infos) == 1 else 's'}", file=sys.stderr)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from ..article_ids import short_id
    from ..ingestion.pipeline import remove

    settings = _settings()
    for given in args.ids:
        doc_id = remove(given, settings=settings)
        print(f"removed {short_id(doc_id)} {doc_id}")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from ..ingestion.rebuild import rebuild

    print(rebuild(_settings()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ..ui.app import serve

    if args.auth:
        print(
            "WARNING: a password given with --auth can be read by anyone on this machine "
            "(ps, shell history); use --auth-file FILE or ASSISTANT_AUTH instead.",
            file=sys.stderr,
        )
    settings = _settings()
    return serve(
        settings, host=args.host, port=args.port, auth=args.auth, no_auth=args.no_auth,
        auth_file=args.auth_file,
    ) or 0


def cmd_eval(args: argparse.Namespace) -> int:
    if args.what == "retrieval":
        from ..evaluate.retrieval import run

        return run(args, _settings())
    if args.what == "llm":
        from ..evaluate.llm import run as run_llm

        return run_llm(args, _settings())
    if args.what == "claims":
        from ..evaluate.claims import run as run_claims

        return run_claims(args, _settings())
    from ..evaluate.answers import run as run_answers

    return run_answers(args, _settings())


def cmd_bench(args: argparse.Namespace) -> int:
    from ..evaluate.bench import run

    return run(args, _settings())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update articles from files, folders, JSON or URLs")
    p.add_argument("targets", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question with cited sources")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("-k", type=int, default=None, help="passages to retrieve")
    p.add_argument("--publisher", action="append", help="only this publisher (repeatable)")
    p.add_argument("--since", help="only articles published on or after this date (YYYY-MM-DD)")
    p.add_argument("--until", help="only articles published on or before this date (YYYY-MM-DD)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="a conversation in the terminal: follow-ups, /sources, /open N")
    p.add_argument("-k", type=int, default=None, help="passages to retrieve")
    p.add_argument("--publisher", action="append", help="only this publisher (repeatable)")
    p.add_argument("--since", help="only articles published on or after this date (YYYY-MM-DD)")
    p.add_argument("--until", help="only articles published on or before this date (YYYY-MM-DD)")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("list", help="list the articles in the archive")
    p.add_argument("--search", help="only articles whose title, publisher, id or URL contains this")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "remove", help="remove articles by id: any unique prefix of the short id, or the URL"
    )
    p.add_argument("ids", nargs="+", metavar="ID")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("rebuild", help="rebuild vectors and BM25 from the stored articles")
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser("serve", help="serve the chat page (prints its URL)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument(
        "--auth", default=None,
        help="user:password (visible to other users in ps: prefer --auth-file or ASSISTANT_AUTH)",
    )
    p.add_argument(
        "--auth-file", default=None, metavar="FILE",
        help="file whose first line is user:password (or ASSISTANT_AUTH_FILE)",
    )
    p.add_argument(
        "--no-auth", action="store_true", help="serve a non-loopback host without a login"
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="evaluate retrieval or answers")
    esub = p.add_subparsers(dest="what", required=True)
    e = esub.add_parser("retrieval", help="retrieval metrics on MultiHop-RAG")
    e.add_argument("--data", required=True, help="folder with corpus.json and MultiHopRAG.json")
    e.add_argument("--limit", type=int, default=None, help="only the first N answerable queries")
    e.add_argument("--out", default=None, help="write the JSON report here")
    e.add_argument(
        "--store", default=None, help="build (or reuse) the eval's store here, not in a temp dir"
    )
    e.set_defaults(func=cmd_eval)
    e = esub.add_parser("answers", help="answer quality and abstention")
    e.add_argument("--qa", default=None, help="JSONL file of questions with acceptable answers")
    e.add_argument(
        "--multihop", default=None, help="MultiHop-RAG folder: null vs answerable queries"
    )
    e.add_argument("--limit", type=int, default=None, help="at most N null and N answerable")
    e.add_argument("--out", default=None)
    e.add_argument("--store", default=None, help="reuse this data folder (else a temporary one)")
    e.add_argument("--engine", action="append", help="engine to evaluate (repeatable)")
    e.add_argument(
        "--split", choices=["all", "dev", "test", "heldout"], default="all",
        help="MultiHop-RAG queries: all; dev (evidence in training-half articles); test (in "
        "held-out articles; heldout is its older name)",
    )
    e.add_argument("--calibrate", action="store_true", help="sweep the extractive thresholds")
    e.set_defaults(func=cmd_eval)
    e = esub.add_parser("llm", help="record the openai engine's prompts; replay recorded replies")
    e.add_argument("action", choices=["record", "replay"])
    e.add_argument("--qa", default=None, help="record: JSONL questions (as for eval answers)")
    e.add_argument("--replies", default=None, help="replay: JSONL recorded replies (see eval_llm)")
    e.add_argument("--store", default=None, help="the archive's data folder")
    e.add_argument("--out", default=None, help="record: the prompts file; replay: a JSON report")
    e.add_argument("--no-stream", action="store_true", help="replay whole completions, not streams")
    e.add_argument(
        "--plans", default=None,
        help="JSONL recorded replies to the planning requests (question, prompt_sha, reply); "
        "without it every question is searched as asked",
    )
    e.add_argument(
        "--multihop", default=None,
        help="MultiHop-RAG folder: report whether each prompt held the query's gold evidence",
    )
    e.set_defaults(func=cmd_eval)
    e = esub.add_parser("claims", help="the claim checker on claims paired with their passage")
    e.add_argument("--claims", required=True, help="JSONL file of claims (see eval_claims)")
    e.add_argument("--corpus", default=None, help="corpus.json for the articles' titles and publishers")
    e.add_argument(
        "--context", choices=["article", "chunk", "passage"], default="article",
        help="what the checker has: the retrieved chunk holding the claim's passage with its "
        "whole article and publication date, as answers are checked (article); the chunk "
        "alone; or the passage alone",
    )
    e.add_argument("--out", default=None)
    e.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="speed benchmark against baselines")
    p.add_argument("--data", required=True, help="MultiHop-RAG folder")
    p.add_argument("--scale", type=int, default=None, help="also a synthetic archive of N chunks")
    p.add_argument(
        "--limit-articles", type=int, default=None, help="only the first N articles (quick runs)"
    )
    p.add_argument("--queries", type=int, default=None, help="queries timed (default 100)")
    p.add_argument("--out", default=None)
    p.set_defaults(func=cmd_bench)
    for command in (parser, *sub.choices.values(), *esub.choices.values()):
        command.add_argument(  # before or after the command
            "--env-file", default=argparse.SUPPRESS, metavar="FILE",
            help="read settings from this .env file (default: .env in the data folder only)",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: user errors become one line on stderr and exit code 1."""
    args = build_parser().parse_args(argv)
    try:
        use_env_file(getattr(args, "env_file", None))
        return int(args.func(args) or 0)
    except AssistantError as exc:
        from ..text.redact import current_secrets, redact

        # Messages may quote a server's reply or a URL: never let a key or password through.
        print(f"error: {redact(str(exc), current_secrets())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


