"""BM25 across segments: a term weighs by its index-wide rarity, so a small new segment
(one uploaded article) is not drowned by the archive's own statistics."""

from qa.index import Index
from qa.ingest import make_article, read_paths
from qa.retrieve import retrieve

from .conftest import SEED
from .fakes import HashEncoder

NEW = "The Zorbian ministry said 77 zorbs were counted in Quaxville this spring."


def test_a_one_sentence_segment_scores_on_the_index_wide_scale(tmp_path):
    idx = Index.create(tmp_path / "ix", encoder=HashEncoder())
    idx.add(read_paths([SEED]))  # 17 sentences, several with "were"
    idx.add([make_article(id="zorbs", title="Census", text=NEW)])
    assert len(idx.manifest.segments) == 2
    q = "How many zorbs were counted in Quaxville?"
    [top] = retrieve(q, k=1, index=idx, weights={"bm25": 1})
    assert top.text == NEW
    # one segment holding both gives the same winner (the statistics agree)
    one = Index.create(tmp_path / "one", encoder=HashEncoder())
    one.add(list(read_paths([SEED])) + [make_article(id="zorbs", title="Census", text=NEW)])
    assert len(one.manifest.segments) == 1
    assert retrieve(q, k=1, index=one, weights={"bm25": 1})[0].text == NEW
