"""The classical reference line: rank genes by phenotype similarity to annotated diseases.

Two scorers, both fitted on a knowledge base of disease annotations (for a fair baseline, the
diseases of the training split only: a gene seen only in validation is never ranked):

- `ic_overlap`: sum of the information content (IC) of the patient's terms that the disease is
  annotated with exactly — what a keyword tool does; an imprecise (ancestor) term never matches.
- `resnik_bma`: symmetric best-match average of Resnik similarity (IC of the most informative
  common ancestor), as in the Phenomizer (Köhler et al. 2009); ontology-aware, so an ancestor
  term still earns the IC of what it shares with the disease's terms.

Both subtract a penalty for absent (NOT) terms the disease has. A gene scores as its best disease.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from rft.tasks.hpo import Disease, Ontology, load_diseases, load_ontology

Method = Literal["ic_overlap", "resnik_bma"]
METHODS: tuple[Method, ...] = ("ic_overlap", "resnik_bma")


class PhenotypeRanker:
    """Ranks candidate genes for a patient's HPO terms against annotated diseases.

    Args:
        ontology: the HPO graph.
        diseases: the knowledge base; IC is computed from these annotations only.
        absent_weight: how strongly an absent (NOT) term counts against a disease that has it.
    """

    def __init__(
        self, ontology: Ontology, diseases: Sequence[Disease], absent_weight: float = 0.5
    ) -> None:
        if not diseases:
            raise ValueError("PhenotypeRanker needs at least one annotated disease")
        self.ontology = ontology
        self.diseases = tuple(diseases)
        self.absent_weight = absent_weight
        self.genes: tuple[str, ...] = tuple(sorted({d.gene for d in diseases}))
        gene_index = {g: i for i, g in enumerate(self.genes)}
        self._disease_gene = np.array([gene_index[d.gene] for d in diseases], dtype=np.int64)
        n, n_terms = len(diseases), len(ontology)
        self._n = n
        # Closure (terms + ancestors) per disease, stored term-major as packed bits: one row per
        # term, so a query gathers a handful of rows instead of scanning a dense 19k x n matrix.
        self._closure_bits = np.zeros((n_terms, (n + 7) // 8), dtype=np.uint8)
        counts = np.zeros(n_terms, dtype=np.float64)
        for j, d in enumerate(diseases):
            up = np.fromiter(ontology.closure(d.terms), dtype=np.int64)
            self._closure_bits[up, j >> 3] |= np.uint8(1 << (7 - (j & 7)))
            counts[up] += 1
        with np.errstate(divide="ignore"):
            self.ic = np.where(counts > 0, -np.log(counts / n), 0.0)
        # Exact annotations, both directions, as CSR arrays.
        self._term_ptr = np.zeros(n + 1, dtype=np.int64)
        self._term_ptr[1:] = np.cumsum([len(d.terms) for d in diseases])
        self._term_idx = np.fromiter(
            (t for d in diseases for t in d.terms), dtype=np.int64, count=int(self._term_ptr[-1])
        )
        self._term_count = np.diff(self._term_ptr).astype(np.float64)
        owner = np.repeat(np.arange(n), np.diff(self._term_ptr))
        order = np.argsort(self._term_idx, kind="stable")
        self._inv_terms = self._term_idx[order]
        self._inv_diseases = owner[order]

    @classmethod
    def from_disease_ids(cls, disease_ids: Iterable[str], **kwargs: Any) -> PhenotypeRanker:
        """A ranker whose knowledge base is the given diseases (e.g. those of a training split)."""
        wanted = set(disease_ids)
        return cls(
            load_ontology(), [d for d in load_diseases() if d.disease_id in wanted], **kwargs
        )

    def _has(self, term: int) -> np.ndarray:
        """Per disease: 1 where the disease has `term` or a descendant of it."""
        return np.unpackbits(self._closure_bits[term], count=self._n)

    def disease_scores(
        self, terms: Sequence[int], absent: Sequence[int] = (), method: Method = "resnik_bma"
    ) -> np.ndarray:
        """Similarity of the patient (term indices) to each knowledge-base disease."""
        terms = list(dict.fromkeys(terms))
        if method == "ic_overlap":
            scores = np.zeros(self._n)
            for q in terms:
                lo, hi = np.searchsorted(self._inv_terms, [q, q + 1])
                scores[self._inv_diseases[lo:hi]] += self.ic[q]
            scale = 1.0
        elif method == "resnik_bma":
            scores = self._resnik_bma(terms)
            scale = 1.0 / max(len(terms), 1)
        else:
            raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
        for x in absent:
            scores -= self.absent_weight * scale * self.ic[x] * self._has(x)
        return scores

    def _resnik_bma(self, terms: Sequence[int]) -> np.ndarray:
        if not terms:
            return np.zeros(self._n)
        onto = self.ontology
        # Patient → disease: for each patient term, the best-IC ancestor the disease also has.
        patient_side = np.zeros(self._n)
        for q in terms:
            anc = onto.ancestors(q)
            has = np.unpackbits(self._closure_bits[anc], axis=1, count=self._n)
            patient_side += (has * self.ic[anc][:, None]).max(axis=0)
        patient_side /= len(terms)
        # Disease → patient: for every term, the best-IC ancestor inside the patient's closure;
        # then average that over each disease's annotations.
        in_patient = np.zeros(len(onto), dtype=bool)
        in_patient[np.fromiter(onto.closure(terms), dtype=np.int64)] = True
        masked_ic = np.where(in_patient, self.ic, 0.0)
        best = np.maximum.reduceat(masked_ic[onto.anc_idx], onto.anc_ptr[:-1])
        disease_side = np.add.reduceat(best[self._term_idx], self._term_ptr[:-1]) / self._term_count
        return 0.5 * (patient_side + disease_side)

    def rank_genes(
        self,
        hpo_ids: Sequence[str],
        absent_hpo_ids: Sequence[str] = (),
        method: Method = "resnik_bma",
        k: int = 10,
    ) -> list[str]:
        """The `k` best genes for a patient, most likely first (ties in alphabetical order).

        HP ids unknown to this ontology are ignored.
        """
        index = self.ontology.index
        terms = [index[h] for h in hpo_ids if h in index]
        absent = [index[h] for h in absent_hpo_ids if h in index]
        scores = self.disease_scores(terms, absent, method)
        gene_scores = np.full(len(self.genes), -np.inf)
        np.maximum.at(gene_scores, self._disease_gene, scores)
        order = np.argsort(-gene_scores, kind="stable")[:k]
        return [self.genes[i] for i in order]

    def rank_rows(
        self, rows: Iterable[Mapping[str, Any]], method: Method = "resnik_bma", k: int = 10
    ) -> list[list[str]]:
        """Ranked gene lists for dataset rows (their `hpo_ids` and `absent_hpo_ids`)."""
        return [
            self.rank_genes(row["hpo_ids"], row.get("absent_hpo_ids", ()), method, k)
            for row in rows
        ]


def ranking_metrics(
    ranked: Sequence[Sequence[str]], golds: Sequence[str], ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    """top@k (fraction with the gold gene within the first k) and MRR (0 when it is absent)."""
    ranks = np.array(
        [list(r).index(g) + 1 if g in r else 0 for r, g in zip(ranked, golds, strict=True)]
    )
    found = ranks > 0
    out = {f"top@{k}": float(np.mean(found & (ranks <= k))) if len(ranks) else 0.0 for k in ks}
    out["mrr"] = (
        float(np.mean(np.where(found, 1.0 / np.maximum(ranks, 1), 0.0))) if len(ranks) else 0.0
    )
    return out
