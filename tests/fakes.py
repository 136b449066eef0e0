"""Small fakes for fast tests where the real model adds nothing."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class HashEncoder:
    """Bag of hashed words -> unit vector. Deterministic, instant, no model.

    Same words give the same vector, so lexical look-ups behave sensibly in tests.
    """

    name = "test/hash-encoder"
    dim = 64

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else out[i]
            if not n:
                out[i, 0] = 1.0
        return out
