"""factcheck: local, offline fact-check question answering over news articles."""

import logging

from qa.models import Article, Attribution, Passage, Sentence

__all__ = ["Article", "Attribution", "Passage", "Sentence"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
