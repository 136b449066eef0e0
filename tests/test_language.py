"""Unit tests for qa.language (no model)."""

import json
from pathlib import Path

import pytest

from qa.language import looks_english

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


@pytest.mark.parametrize("q", [
    "How many fighters remain in the enclave?", "Ghouta chemical attack toll",
    "De Mistura peace talks Geneva", "What did Le Drian say?", "Mustafa Bali",
    "IS still has 1,000 fighters in the enclave",
])
def test_english_questions_and_keyword_queries_pass(q):
    assert looks_english(q)


@pytest.mark.parametrize("q", [
    "¿Cuántos combatientes quedan?", "Combien de combattants restent dans l'enclave ?",
    "Wie viele Kämpfer sind noch in der Enklave?", "Quanti combattenti restano ancora nella città?",
    "كم عدد المقاتلين في الجيب؟", "飞机", "Сколько боевиков осталось?",
])
def test_other_languages_are_recognised(q):
    assert not looks_english(q)


@pytest.mark.skipif(not EVAL.exists(), reason="shared eval data not present")
def test_no_eval_question_or_claim_is_taken_for_another_language():
    texts = []
    for f in [*EVAL.glob("qa/*.jsonl"), *EVAL.glob("claims/*.jsonl")]:
        for line in f.read_text().splitlines():
            row = json.loads(line)
            texts.append(row.get("question") or row.get("claim"))
    assert len(texts) > 1000
    assert [t for t in texts if not looks_english(t)] == []
