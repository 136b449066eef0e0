"""The ``factcheck`` command end to end, in subprocesses, with the real model."""

import json

from .conftest import EXAMPLES, run_cli


def test_add_search_info_remove_roundtrip(tmp_path, seed_copy):
    ix = str(tmp_path / "ix")
    (seed_copy / "junk.bin.txt").write_bytes(b"\x00" * 64)
    r = run_cli("add", str(seed_copy), "--index", ix)
    assert r.returncode == 0, r.stderr
    assert "added 1," in r.stdout and "rejected 1" in r.stdout
    assert "junk.bin.txt: binary file" in r.stdout

    r = run_cli("search", "How many fighters remain in the enclave?", "-k", "2",
                "--index", ix, "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 2
    assert rows[0]["text"].startswith("Bali said 400 to 600 jihadists")
    assert {"score", "start", "end", "article_id", "title", "attribution"} <= set(rows[0])

    r = run_cli("info", "--index", ix, "--json", "--check")
    info = json.loads(r.stdout)
    assert (info["articles"], info["sentences"], info["check"]["ok"]) == (1, 17, True)  # 17: the trailing "Related news" line is page furniture

    r = run_cli("remove", "000_f520d8b3061bf427", "--index", ix)
    assert r.returncode == 0 and "removed 1" in r.stdout
    r = run_cli("info", "--index", ix, "--json")
    assert json.loads(r.stdout)["sentences"] == 0


def test_user_errors_are_one_line(tmp_path):
    r = run_cli("search", "anything", "--index", str(tmp_path / "none"))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "factcheck add" in r.stderr
    assert "Traceback" not in r.stderr

    run_cli("add", str(EXAMPLES / "000_f520d8b3061bf427.txt"), "--index", str(tmp_path / "i"))
    r = run_cli("search", "   ", "--index", str(tmp_path / "i"))
    assert r.returncode == 2 and "question is empty" in r.stderr
    assert r.stderr.strip().count("\n") == 0

    m = tmp_path / "i" / "manifest.json"
    data = json.loads(m.read_text())
    data["model"] = "someone/else"
    m.write_text(json.dumps(data))
    r = run_cli("search", "fighters", "--index", str(tmp_path / "i"))
    assert r.returncode == 2 and "factcheck rebuild" in r.stderr
    assert r.stderr.strip().count("\n") == 0
    r = run_cli("rebuild", "--index", str(tmp_path / "i"))
    assert r.returncode == 0 and "rebuilt 1 articles" in r.stdout
    r = run_cli("search", "How many fighters remain in the enclave?", "--index",
                str(tmp_path / "i"), "-k", "1")
    assert r.returncode == 0 and "Bali said 400 to 600" in r.stdout


def test_index_from_environment(tmp_path):
    env = {"FACTCHECK_INDEX": str(tmp_path / "envix")}
    r = run_cli("add", str(EXAMPLES / "000_f520d8b3061bf427.txt"), env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "envix" / "manifest.json").exists()


def test_eval_qa_writes_predictions_and_recall(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({
        "id": "doc1", "title": "Dam", "text": "The dam was built in 1932. It holds 3 km3 of water.",
        "outlet": None, "url": None, "published": None}) + "\n")
    gold = tmp_path / "q.jsonl"
    gold.write_text(json.dumps({"id": "q1", "question": "When was the dam built?",
                                "answers": ["1932"], "evidence": [], "article_id": "doc1"}) + "\n")
    out = tmp_path / "pred.jsonl"
    r = run_cli("eval", "qa", "--corpus", str(corpus), "--questions", str(gold), "--out",
                str(out), "--json", "--index", str(tmp_path / "untouched"))
    assert r.returncode == 0, r.stderr
    scores = json.loads(r.stdout)
    assert scores["recall@1"] == 1.0
    [pred] = [json.loads(line) for line in out.read_text().splitlines()]
    assert pred["id"] == "q1" and pred["passages"][0]["article_id"] == "doc1"
    assert {"answer", "abstained", "confidence", "citations", "latency_ms"} <= set(pred)
    assert not (tmp_path / "untouched").exists()
