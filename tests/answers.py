"""Hand-made :class:`~qa.models.Answer` objects for rendering tests (no model needed)."""

from __future__ import annotations

from qa.models import Answer, Attribution, Citation, Figure, Passage, SourceRef, Verdict

BALI = Attribution(source="Bali", speaker="Mustafa Bali", role="SDF official", via="Reuters",
                   cue="said", kind="indirect")
SOHR = Attribution(source="the Syrian Observatory for Human Rights",
                   speaker="Syrian Observatory for Human Rights", kind="indirect", cue="said")


def passage(text: str, *, aid: str = "a1", title: str = "Backed Syrian force launches "
            "'final battle'", outlet: str | None = "Reuters", published: str | None =
            "2019-02-10", url: str | None = "https://example.org/news/1", att=None,
            score: float = 0.8) -> Passage:
    return Passage(article_id=aid, text=text, start=0, end=len(text), position=0, title=title,
                   outlet=outlet, published=published, url=url, attribution=att, score=score)


FIGHTERS = "Bali said 400 to 600 jihadists were estimated to be holed up in the enclave."


def cited() -> Answer:
    p = passage(FIGHTERS, att=BALI)
    p.also_in.append(SourceRef(article_id="a9", title="Copy", outlet="Ahram",
                               published="2019-02-11", url="https://ahram.example/x"))
    a, b = FIGHTERS.index("400 to 600"), FIGHTERS.index("400 to 600") + len("400 to 600")
    return Answer(question="How many fighters remain in the enclave?", kind="quantity",
                  answer="400 to 600",
                  reply="400 to 600 jihadists are holed up in the enclave, according to SDF "
                        "official Mustafa Bali [1].",
                  citations=[Citation(n=1, passage=p, answer_span=(a, b))], confidence=0.9,
                  passages=[p])


def conflict() -> Answer:
    p1 = passage("At least 58 people were killed in the attack, the Observatory said.",
                 aid="k1", title="Gas attack in Idlib", outlet="alaraby",
                 published="2017-04-04", att=SOHR)
    p2 = passage("The attack killed 52 people, the WHO said.", aid="k2",
                 title="WHO on Khan Sheikhoun", outlet="reuters", published="2017-04-05",
                 att=Attribution(speaker="WHO", kind="indirect"))
    return Answer(
        question="How many people were killed in the chemical attack?", kind="quantity",
        answer="at least 58", reply="The sources disagree: at least 58 [1] or 52 [2].",
        conflict=True,
        citations=[Citation(n=1, passage=p1, answer_span=(0, 11)),
                   Citation(n=2, passage=p2, answer_span=(16, 18))],
        figures=[Figure(value="at least 58", low=58, citations=[1],
                        sources=["Syrian Observatory for Human Rights"], outlets=["alaraby"],
                        dates=["2017-04-04"]),
                 Figure(value="52", low=52, high=52, citations=[2], sources=["WHO"],
                        outlets=["reuters"], dates=["2017-04-05"])],
        passages=[p1, p2])


def verdict() -> Answer:
    p = passage("The SDF said it has not been in communication or agreed the ceasefire with IS.",
                att=Attribution(speaker="SDF", kind="indirect", cue="said"))
    return Answer(question="The SDF agreed a ceasefire with IS.", kind="claim",
                  reply="The SDF said it had not agreed a ceasefire with IS [1].",
                  citations=[Citation(n=1, passage=p, stance="refutes")],
                  verdict=Verdict(label="REFUTED", reason="The SDF denies agreeing a "
                                  "ceasefire [1].", confidence=0.8), passages=[p])


def declined() -> Answer:
    ps = [passage("Canberra hosted talks on the refugees.", aid="d1", outlet="trt"),
          passage("The capital Damascus was shelled.", aid="d2", outlet="sana")]
    return Answer(question="What is the capital of Australia?", abstained=True,
                  reply="The articles do not say.", passages=ps, confidence=0.1)


HOSTILE_TEXT = ('The ministry said <script>window.__pwned=1</script> that '
                '<img src=x onerror="window.__pwned=2"> 77 zorbs [click](javascript:alert(3)) '
                'were **counted** | in `Quaxville`.')


def hostile() -> Answer:
    p = passage(HOSTILE_TEXT, title='<img src=x onerror="alert(1)">Title',
                outlet="<b>Outlet</b>", url="javascript:alert(1)",
                att=Attribution(speaker="<script>x()</script>", role="[r](javascript:y)",
                                via="<i>v</i>", kind="direct"))
    i = HOSTILE_TEXT.index("77 zorbs")
    return Answer(question="q", answer="77 <zorbs>", reply="<script>alert(9)</script> [1]",
                  citations=[Citation(n=1, passage=p, answer_span=(i, i + 8))],
                  conflict=True,
                  figures=[Figure(value="<b>77</b>", sources=["<script>s</script>"],
                                  outlets=["a|b"], dates=["2019"], citations=[1]),
                           Figure(value="78", citations=[1])],
                  verdict=Verdict(label="SUPPORTED", reason="<img src=x onerror=alert(5)>"),
                  passages=[p])


def declined_with_closest() -> Answer:
    """Shaped like ``qa.answer``'s decline: the closest passages are numbered citations and
    the reply lists them under a heading."""
    ps = [passage("Hasakeh city is the capital of the province.", aid="c1", outlet="sana"),
          passage("Shelling hit the capital.", aid="c2", outlet="trt")]
    cites = [Citation(n=i, passage=p) for i, p in enumerate(ps, 1)]
    reply = ("The articles do not say what is the capital of Australia.\nThe closest passages:\n"
             + "\n".join(f'[{c.n}] "{c.passage.text}" (reported by {c.passage.outlet})'
                         for c in cites))
    return Answer(question="What is the capital of Australia?", abstained=True, reply=reply,
                  citations=cites, passages=[passage("Unrelated.", aid="z")] + ps)


def conflict_with_listed_figures() -> Answer:
    a = conflict()
    a.reply = ("at least 58, according to the Syrian Observatory for Human Rights [1].\n"
               "The sources disagree:\n- at least 58, according to SOHR [1]\n"
               "- 52, according to WHO [2]\n(Low confidence: check the cited sentence.)")
    return a
