"""factcheck: local, offline fact-check question answering over news articles.

>>> from qa import retrieve, Index           # doctest: +SKIP
>>> retrieve("How many fighters remain in the enclave?", k=1)[0].text   # doctest: +SKIP
'Bali said 400 to 600 jihadists were estimated to be holed up in the enclave, ...'
"""

import logging

from qa.answer import ask
from qa.errors import FactcheckError
from qa.index import Index
from qa.models import Answer, Article, Attribution, Citation, Passage, Sentence
from qa.retrieve import Filters, retrieve

__all__ = [
    "Answer", "Article", "Attribution", "Citation", "FactcheckError", "Filters", "Index",
    "Passage", "Sentence", "ask", "retrieve",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
