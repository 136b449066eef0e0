"""The ``factcheck`` command. It only translates between people and :mod:`qa`.

Every subcommand takes ``--index DIR`` (default ``$FACTCHECK_INDEX`` or ``./index``).
User errors print one line starting with ``error:`` and exit with status 2.

Examples::

    factcheck add examples/                 # index the bundled articles
    factcheck search "How many fighters remain in the enclave?" -k 3
    factcheck search "..." --json           # JSON lines, one passage each
    factcheck ask "How many fighters remain in the enclave?"
    factcheck info --json
    factcheck serve --port 7860             # the chat, on http://127.0.0.1:7860
    factcheck eval qa --corpus ../shared/eval/corpus/xquad_dev.jsonl \\
        --questions ../shared/eval/qa/xquad_dev.jsonl --out preds.jsonl
    factcheck eval attribution --docs ../shared/eval/attribution/polnear_dev.jsonl \\
        --out attr.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

from qa.errors import FactcheckError
from qa.index import CHUNK_SENTENCES

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _progress_bar(enabled: bool, desc: str):
    """A ``progress(done, total, unit)`` callback drawing a tqdm bar on stderr."""
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="art", file=sys.stderr, dynamic_ncols=True, leave=False)

    def progress(done: int, total: int, unit: str) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.unit = unit[:4]
        bar.n = done
        bar.refresh()

    return progress, bar.close


def _want_progress(args) -> bool:
    if getattr(args, "progress", None) is not None:
        return args.progress
    return sys.stderr.isatty()


def _index_path(args) -> Path:
    from qa.index import default_index_path

    return Path(args.index) if args.index else default_index_path()


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False))


# --- commands ----------------------------------------------------------------------------------

def cmd_add(args) -> int:
    from qa.index import Index
    from qa.ingest import MAX_BYTES, read_paths

    max_bytes = int(args.max_mb * 1024 * 1024) if args.max_mb else MAX_BYTES
    items = list(read_paths(args.paths, max_bytes=max_bytes))
    n_articles = sum(1 for x in items if not hasattr(x, "reason"))
    idx = Index.open(_index_path(args), create=True)
    progress, close = _progress_bar(_want_progress(args), "indexing")
    try:
        report = idx.add(items, progress=progress, total=n_articles,
                         chunk_sentences=args.commit_every)
    finally:
        close()
    if args.json:
        _print_json(report.model_dump())
    else:
        print(report.summary())
        for new, old in report.duplicates:
            if new == old:
                print(f"  duplicate: {new} appears more than once in the input (indexed once)")
            else:
                print(f"  duplicate: {new} has the same content as {old} (not indexed again)")
        for r in report.rejected:
            print(f"  rejected: {r.path}: {r.reason}")
    return 0 if (report.added or report.updated or report.unchanged or report.duplicates
                 or not report.rejected) else 1


def cmd_remove(args) -> int:
    from qa.index import Index

    removed, missing = Index.open(_index_path(args)).remove(args.ids)
    if args.json:
        _print_json({"removed": removed, "not_found": missing})
    else:
        print(f"removed {len(removed)} article(s)")
        for m in missing:
            print(f"  not found: {m}")
    return 0 if not missing else 1


def cmd_rebuild(args) -> int:
    from qa.index import rebuild

    progress, close = _progress_bar(_want_progress(args), "rebuilding")
    try:
        report = rebuild(_index_path(args), progress=progress)
    finally:
        close()
    if args.json:
        _print_json({"articles": len(report.added), "sentences": report.sentences})
    else:
        print(f"rebuilt {len(report.added)} articles ({report.sentences} sentences)")
    return 0


def cmd_backup(args) -> int:
    from qa.index import Index

    out = Index.open(_index_path(args)).backup(args.dest)
    if args.json:
        _print_json({"backup": str(out)})
    else:
        print(f"backed up to {out} (open it with --index {out})")
    return 0


def cmd_info(args) -> int:
    from qa.index import Index

    idx = Index.open(_index_path(args))
    info = idx.info()
    problems = idx.check() if args.check else None
    if problems is not None:
        info["check"] = {"ok": not problems, "problems": problems}
    if args.json:
        _print_json(info)
    else:
        print(f"index      {info['path']}  (format {info['format']}, "
              f"generation {info['generation']}, updated {info['updated']})")
        print(f"model      {info['model']} ({info['dim']} dimensions)")
        print(f"articles   {info['articles']}")
        print(f"sentences  {info['sentences']} in {info['segments']} segment(s)"
              + (f", {info['deleted_rows']} deleted rows awaiting merge"
                 if info["deleted_rows"] else ""))
        outlets = ", ".join(f"{k} ({v})" for k, v in list(info["outlets"].items())[:15])
        print(f"outlets    {len(info['outlets'])}: {outlets}")
        if info["dates"]:
            print(f"dates      {info['dates'][0]} to {info['dates'][1]}")
        print(f"size       {info['bytes'] / 1e6:.1f} MB")
        if not info["attribution_current"]:
            print("note       sentences lack current attribution; run 'factcheck rebuild'")
        if problems is not None:
            print("check      ok" if not problems else "check      FAILED")
            for p in problems:
                print(f"  {p}")
    return 0 if not problems else 1


def _filters(args):
    from qa.retrieve import Filters

    return Filters(outlets=args.outlet or None, date_from=args.since, date_to=args.until,
                   article_ids=args.article or None)


def _warn_stale_attribution(path: Path) -> None:
    """One line on stderr when the index's attributions predate the current extractor."""
    from qa.index import _attribution_version
    from qa.retrieve import open_index

    stored = open_index(path).manifest.attribution
    if stored != _attribution_version():
        print(f"note: the sources shown were extracted by an older attribution version "
              f"({stored or 'none'}); run 'factcheck rebuild --index {path}' to update them",
              file=sys.stderr)


def cmd_search(args) -> int:
    from qa.retrieve import retrieve

    passages = retrieve(args.question, k=args.k, index=_index_path(args),
                        filters=_filters(args))
    _warn_stale_attribution(_index_path(args))
    if args.json:
        for p in passages:
            _print_json(p.model_dump())
        return 0
    if not passages:
        print("no passages (is the index empty, or do the filters exclude everything?)")
    for i, p in enumerate(passages, 1):
        meta = " | ".join(x for x in (p.outlet, p.published, p.title) if x)
        print(f"[{i}] {p.score:.3f}  {p.article_id}  {meta}")
        print(textwrap.indent(textwrap.fill(p.text, 96), "    "))
        if p.attribution is not None:
            print(f"    source: {p.attribution.label()}")
        for s in p.also_in:
            print(f"    also in: {s.article_id} ({s.outlet or '?'}, {s.published or '?'})")
    return 0


def _print_answer(a) -> None:
    """The reply, then each citation with its article and source."""
    from qa.sources import article_line, who_phrase

    print(a.reply)
    if a.abstained and a.kind != "claim":
        return
    print()
    for c in a.citations:
        p = c.passage
        stance = f" ({c.stance})" if c.stance else ""
        print(f"[{c.n}]{stance} {article_line(p)}")
        print(textwrap.indent(textwrap.fill(p.text, 96), "    "))
        print(f"    source: {who_phrase(p)}")
        for s in p.also_in:
            print(f"    also in: {s.article_id} ({s.outlet or '?'}, {s.published or '?'})")
    label = a.verdict.label if a.verdict else ("abstained" if a.abstained else a.kind)
    print(f"\nconfidence {a.confidence:.2f} · {label} · {a.latency_ms:.0f} ms")


def cmd_ask(args) -> int:
    from qa.answer import ask

    a = ask(args.question, index=_index_path(args), k=args.k, filters=_filters(args))
    if args.json:
        _print_json(a.model_dump(mode="json"))
    else:
        _print_answer(a)
    return 0


def cmd_eval(args) -> int:
    from qa import evaluate

    def log(s):
        return (print(s, file=sys.stderr))
    progress, close = _progress_bar(_want_progress(args), f"eval {args.what}")
    try:
        if args.what == "qa":
            if not args.corpus or not args.questions:
                raise FactcheckError("eval qa needs --corpus PATH and --questions FILE")
            scores = evaluate.eval_qa(args.corpus, args.questions, args.out, log=log,
                                      progress=progress)
        elif args.what == "claims":
            if not args.claims:
                raise FactcheckError("eval claims needs --claims FILE (claims gold JSONL)")
            scores = evaluate.eval_claims(args.claims, args.out, corpus=args.corpus, log=log,
                                          progress=progress)
        elif args.what == "attribution":
            if not args.docs:
                raise FactcheckError("eval attribution needs --docs FILE (JSONL of "
                                     '{"id", "text", "attributions"})')
            scores = evaluate.eval_attribution(args.docs, args.out, progress=progress)
        else:
            raise FactcheckError(f"unknown evaluation {args.what!r}")
    finally:
        close()
    if args.json:
        _print_json(scores)
    else:
        for k, v in scores.items():
            print(f"{k:28s} {v}")
        print(f"predictions written to {args.out}")
    return 0


def cmd_serve(args) -> int:
    from qa.index import MANIFEST
    from qa.setup import ensure_index
    from qa.webapp import build_demo, launch

    path = _index_path(args)
    if args.index and not (path / MANIFEST).exists():
        from qa.errors import IndexMissing

        raise IndexMissing(path)
    report = ensure_index(path)  # the default index is built from examples/ on first run
    if report is not None:
        print(f"built the index at {path} from the bundled examples: {report.summary()}")
    launch(build_demo(path), host=args.host, port=args.port)
    return 0


# --- parser ------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", metavar="DIR",
                        help="index folder (default: $FACTCHECK_INDEX or ./index)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    prog = argparse.ArgumentParser(add_help=False)
    prog.add_argument("--progress", dest="progress", action="store_true", default=None,
                      help="show a progress bar (default: when stderr is a terminal)")
    prog.add_argument("--no-progress", dest="progress", action="store_false")

    p = argparse.ArgumentParser(
        prog="factcheck",
        description="Offline fact-check question answering over news articles.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser("add", parents=[common, prog], help="add or update articles",
                       description="Index articles from files and folders (.txt .md .html "
                       ".json .jsonl .csv). Unchanged articles are skipped, changed ones "
                       "replaced, duplicates reported.")
    a.add_argument("paths", nargs="+", metavar="PATH")
    a.add_argument("--max-mb", type=float, default=None,
                   help="largest file to read, in MB (default 20)")
    a.add_argument("--commit-every", type=int, default=CHUNK_SENTENCES, metavar="N",
                   help=f"commit after about N new sentences, so an interrupted run keeps "
                        f"its work (default {CHUNK_SENTENCES})")
    a.set_defaults(func=cmd_add)

    r = sub.add_parser("remove", parents=[common], help="remove articles by id")
    r.add_argument("ids", nargs="+", metavar="ID")
    r.set_defaults(func=cmd_remove)

    b = sub.add_parser("rebuild", parents=[common, prog],
                       help="re-embed every stored article (after a model or format change)")
    b.set_defaults(func=cmd_rebuild)

    k = sub.add_parser("backup", parents=[common],
                       help="copy the index safely, even while others use it")
    k.add_argument("dest", metavar="DIR", help="a new folder for the copy")
    k.set_defaults(func=cmd_backup)

    i = sub.add_parser("info", parents=[common], help="what the index holds")
    i.add_argument("--check", action="store_true",
                   help="verify that files, hashes and counts agree")
    i.set_defaults(func=cmd_info)

    s = sub.add_parser("search", parents=[common], help="the sentences that best match")
    s.add_argument("question")
    s.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    s.add_argument("--outlet", action="append", help="only this outlet (repeatable)")
    s.add_argument("--since", metavar="YYYY-MM-DD", help="only articles from this date on")
    s.add_argument("--until", metavar="YYYY-MM-DD", help="only articles up to this date")
    s.add_argument("--article", action="append", metavar="ID", help="only this article")
    s.set_defaults(func=cmd_search)

    q = sub.add_parser("ask", parents=[common],
                       help="answer a question (or judge a claim) with cited sources",
                       description="A short answer taken from the articles, the reply with "
                       "numbered citations and who said it; differing figures side by side; "
                       "a verdict for a statement or yes/no question; 'the articles do not "
                       "say' when they do not.")
    q.add_argument("question")
    q.add_argument("-k", type=int, default=5, help="passages to return (default 5)")
    q.add_argument("--outlet", action="append", help="only this outlet (repeatable)")
    q.add_argument("--since", metavar="YYYY-MM-DD", help="only articles from this date on")
    q.add_argument("--until", metavar="YYYY-MM-DD", help="only articles up to this date")
    q.add_argument("--article", action="append", metavar="ID", help="only this article")
    q.set_defaults(func=cmd_ask)

    w = sub.add_parser("serve", help="start the chat (web app)",
                       description="Start the factcheck chat. It listens on 127.0.0.1 only "
                       "unless --host says otherwise (the app has no log-in: put a reverse "
                       "proxy with authentication in front before opening it up). Without "
                       "--index, ./index is used and built from the bundled examples if "
                       "missing.")
    w.add_argument("--index", metavar="DIR",
                   help="index folder (default: $FACTCHECK_INDEX or ./index)")
    w.add_argument("--host", default=None,
                   help="address to listen on (default: $FACTCHECK_HOST or 127.0.0.1)")
    w.add_argument("--port", type=int, default=None,
                   help="port (default: $FACTCHECK_PORT or 7860)")
    w.set_defaults(func=cmd_serve)

    e = sub.add_parser("eval", parents=[common, prog],
                       help="score the product on evaluation data (../shared/eval)")
    e.add_argument("what", choices=["qa", "claims", "attribution"])
    e.add_argument("--claims", metavar="FILE",
                   help="claims gold file (JSONL); each claim's evidence is its corpus "
                        "unless --corpus is given")
    e.add_argument("--corpus", action="append", metavar="PATH",
                   help="articles to index (repeatable)")
    e.add_argument("--questions", metavar="FILE", help="QA gold file (JSONL)")
    e.add_argument("--docs", metavar="FILE",
                   help="attribution: documents (JSONL, PolNeAR format; gold optional)")
    e.add_argument("--out", metavar="FILE", required=True, help="predictions (JSONL)")
    e.set_defaults(func=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except FactcheckError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the index keeps its last committed state", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
