"""`factcheck ask` and `factcheck eval claims` from the command line (real model)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli


@pytest.mark.slow
def test_ask_and_eval_claims(tmp_path, seed_copy):
    ix = str(tmp_path / "ix")
    assert run_cli("add", str(seed_copy), "--index", ix).returncode == 0

    r = run_cli("ask", "How many fighters remain in the enclave?", "--index", ix, "--json")
    assert r.returncode == 0, r.stderr
    a = json.loads(r.stdout)
    assert a["answer"] == "400 to 600" and a["kind"] == "quantity" and not a["abstained"]
    assert a["citations"][0]["n"] == 1 and "400 to 600" in a["citations"][0]["passage"]["text"]

    r = run_cli("ask", "What is the capital of Australia?", "--index", ix)
    assert r.returncode == 0 and r.stdout.startswith("The articles do not say")

    r = run_cli("ask", "   ", "--index", ix)
    assert r.returncode == 2 and r.stderr.startswith("error:")

    claims = tmp_path / "claims.jsonl"
    claims.write_text("\n".join(json.dumps(c) for c in [
        {"id": "c1", "claim": "IS still has 1,000 fighters in the enclave",
         "evidence": ["Bali said 400 to 600 jihadists were estimated to be holed up in the "
                      "enclave."], "label": "REFUTED"},
        {"id": "c2", "claim": "Bali said jihadists are holed up in the enclave",
         "evidence": ["Bali said 400 to 600 jihadists were estimated to be holed up in the "
                      "enclave."], "label": "SUPPORTED"},
    ]) + "\n")
    out = tmp_path / "preds.jsonl"
    r = run_cli("eval", "claims", "--claims", str(claims), "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    scores = json.loads(r.stdout)
    assert scores["claims"] == 2 and scores["accuracy"] == 1.0
    preds = [json.loads(x) for x in out.read_text().splitlines()]
    assert preds[0]["verdict"] == "REFUTED" and preds[0]["evidence"][0]["stance"] == "refutes"
    assert "1,000" in preds[0]["reason"]

    r = run_cli("eval", "claims", "--out", str(out))
    assert r.returncode == 2 and "--claims" in r.stderr
