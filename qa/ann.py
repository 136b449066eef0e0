"""Dense vector search over one segment, with the FAISS index type chosen by size.

=========================  ===========================  ==================================
rows in the segment        FAISS index                  memory per sentence (384 dims)
=========================  ===========================  ==================================
up to ``FLAT_MAX``         ``IndexFlatIP`` (exact)      1536 bytes, built when loaded
beyond                     ``IVF{nlist},SQ8``           384 bytes (+8 for the id map)
=========================  ===========================  ==================================

Exact search stays while it is fast: a float32 scan reads 1.5 kB per sentence, so 32k
sentences (50 MB) take a few milliseconds on two cores, 100k already 15-20 ms. Beyond it,
8-bit scalar quantisation keeps four times as many vectors in memory and an inverted file
(IVF, ``nlist`` about the square root of the rows) visits only ``nprobe`` of its clusters. ``bench/bench_scale.py``
reports the recall of each type against exact search. The float32 vectors stay in the
segment's ``vectors.npy`` (on disk) for merging and re-building.

Filters are a boolean row mask applied inside the search (FAISS ``IDSelectorBitmap``);
when the mask keeps few rows, every one of them is scored instead (brute force over the
index's own vectors: exact for ``Flat``, decoded 8-bit codes for ``SQ8``).

Example:
    >>> choose_type(10_000), choose_type(200_000), choose_type(1_000_000)
    ('Flat', 'IVF512,SQ8', 'IVF1024,SQ8')
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import numpy as np

FLAT_MAX = 32_768
ANN_FILE = "dense.faiss"
EXACT_BELOW = 4_000  # a filter keeping fewer rows than this is scored exactly
TRAIN_PER_LIST = 48  # training points per IVF list (a sample keeps training fast)
SERIAL_BELOW = 20  # searches of fewer queries than this run on the calling thread only


def choose_type(n: int) -> str:
    """The FAISS factory string used for a segment of ``n`` rows."""
    if n <= FLAT_MAX:
        return "Flat"
    nlist = max(64, 2 ** round(math.log2(math.sqrt(n))))
    return f"IVF{nlist},SQ8"


def default_nprobe(nlist: int) -> int:
    """Clusters visited per query: about 6% of them (recall vs exact: bench_scale)."""
    return max(16, nlist // 16)


def build(vectors: np.ndarray, path: Path | None = None, kind: str | None = None):
    """Build the FAISS index for ``vectors`` (n x dim, unit rows) and save it to ``path``
    when it is not a flat index (flat ones are rebuilt from ``vectors.npy`` on load).
    Returns the index."""
    import faiss

    n, dim = vectors.shape
    kind = kind or choose_type(n)
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    idx = faiss.index_factory(dim, kind, faiss.METRIC_INNER_PRODUCT)
    if not idx.is_trained:
        if kind.startswith("IVF"):
            nlist = faiss.extract_index_ivf(idx).nlist
            m = min(n, nlist * TRAIN_PER_LIST)
            sample = x[np.random.default_rng(0).choice(n, m, replace=False)] if m < n else x
            faiss.extract_index_ivf(idx).cp.min_points_per_centroid = 1
            idx.train(sample)
        else:
            idx.train(x)
    idx.add(x)
    if kind.startswith("IVF"):
        ivf = faiss.extract_index_ivf(idx)
        ivf.make_direct_map()
        ivf.nprobe = default_nprobe(ivf.nlist)
    if path is not None and kind != "Flat":
        faiss.write_index(idx, str(path))
    return idx


def similarities(q: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``q @ vectors.T`` (``q`` one vector or a few rows) without BLAS threads.

    numpy's OpenBLAS splits a matrix-vector product of about 2,000 x 384 and more over
    its threads; on a shared machine waking them costs 15-20 ms where the product takes
    0.1 ms on one core (``einsum`` does not call BLAS)."""
    if q.ndim == 1:
        return np.einsum("nd,d->n", vectors, q)
    return np.einsum("qd,nd->qn", q, vectors)


@contextlib.contextmanager
def serial():
    """Run FAISS calls in this block on the calling thread only (OpenMP: one thread).

    A search for one question scans a few megabytes: on a shared machine, waking the
    OpenMP team costs more than the scan (measured 20-30 ms instead of 2 ms for a 10k-row
    flat search with two threads on two loaded cores). The setting is per thread (an
    OpenMP ICV of the calling thread), so other threads -- an ingest training an IVF
    index -- keep theirs; it is restored on leaving."""
    import faiss

    prev = faiss.omp_get_max_threads()
    if prev == 1:
        yield
        return
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(prev)


class DenseIndex:
    """Search and vector look-up over one segment's vectors.

    ``vectors`` is the segment's float32 array (usually memory-mapped); ``folder`` holds
    the saved index for segments beyond ``FLAT_MAX`` rows.
    """

    def __init__(self, vectors: np.ndarray, folder: Path):
        import faiss

        self.count, self.dim = vectors.shape
        self.kind = choose_type(self.count)
        self._flat: np.ndarray | None = None
        saved = folder / ANN_FILE
        if self.kind == "Flat" or not saved.exists():
            self.kind = "Flat"
            self.index = faiss.IndexFlatIP(self.dim)
            if self.count:
                self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            # a view of FAISS's own copy, so the vectors are held in memory once
            self._flat = faiss.rev_swig_ptr(self.index.get_xb(), self.count * self.dim
                                            ).reshape(self.count, self.dim) if self.count \
                else np.zeros((0, self.dim), dtype=np.float32)
        else:
            self.index = faiss.read_index(str(saved))
            if self.kind.startswith("IVF"):
                ivf = faiss.extract_index_ivf(self.index)
                ivf.nprobe = default_nprobe(ivf.nlist)

    @property
    def exact(self) -> bool:
        return self.kind == "Flat"

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """Vectors of ``rows`` (decoded from 8-bit codes for quantised indexes)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self._flat is not None:
            return self._flat[rows]
        if not len(rows):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.index.reconstruct_batch(rows)

    def search(self, qvecs: np.ndarray, k: int, mask: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows by inner product per query: ``(scores, rows)``, rows -1 when
        fewer exist. ``mask`` (bool per row) restricts the search to the rows it keeps."""
        q = np.ascontiguousarray(np.atleast_2d(qvecs), dtype=np.float32)
        with serial() if len(q) < SERIAL_BELOW else contextlib.nullcontext():
            return self._search(q, k, mask)

    def _search(self, q: np.ndarray, k: int, mask: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        if mask is None:
            k = min(k, self.count)
            return self.index.search(q, k)
        keep = np.flatnonzero(mask)
        k = min(k, len(keep))
        if len(keep) < EXACT_BELOW and not self.exact or len(keep) < 64:
            # the rows' vectors from the index itself (decoded 8-bit codes beyond
            # FLAT_MAX), not from the memory-mapped float32 file: pages read from a map
            # stay in the process's resident memory, so filtered searches would make it
            # creep towards the size of vectors.npy
            sims = similarities(q, self.vectors(keep))
            top = np.argsort(-sims, axis=1)[:, :k]
            return np.take_along_axis(sims, top, 1), keep[top]
        bits = np.packbits(mask, bitorder="little")
        sel = faiss.IDSelectorBitmap(self.count, faiss.swig_ptr(bits))
        if self.kind.startswith("IVF"):
            ivf = faiss.extract_index_ivf(self.index)
            # visit more clusters when the filter keeps a small share of the rows, so about
            # as many allowed rows are scanned as without a filter (up to all clusters)
            share = len(keep) / self.count
            nprobe = min(ivf.nlist, int(np.ceil(ivf.nprobe * max(1.0, 0.25 / share))))
            params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)
        else:
            params = faiss.SearchParameters(sel=sel)
        return self.index.search(q, k, params=params)
