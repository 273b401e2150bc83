"""`text_similarity`: similarity of the answer to a reference text in [0, 1].

Edit-distance metrics run through rapidfuzz's batch API (`process.cpdist`: one call per batch,
pairwise input[i] vs reference[i], GIL released); BLEU, GLEU, METEOR and ROUGE loop over
pairs with scorers built once per grader; `cosine` embeds both sides with a local model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from rft.batch import Batch
from rft.errors import BundleError
from rft.graders.base import CompileContext, Grader, GraderOutput
from rft.graders.registry import register
from rft.normalize import make_normalizer
from rft.spec.string import TextSimilaritySpec
from rft.templates import as_text

# cpdist with workers=-1 only pays off for long texts. Measured on 2 cores: 100k name-length
# pairs run at the same speed with 1 or 2 workers (1 is faster below ~5k pairs), while 20k
# pairs of 500 characters run ~2x faster with 2. So: threads from this many characters on.
_PARALLEL_MIN_CHARS = 1_000_000

_WORD = re.compile(r"\w+|[^\w\s]")


def _tokens(text: str) -> list[str]:
    """Words and single punctuation marks (nltk's tokenizers need data we cannot download)."""
    return _WORD.findall(text)


# The word-overlap metrics import their library (nltk, sacrebleu, rouge_score) in the function
# that builds the scorer: only the configured metric's library loads (nltk and rouge_score
# take seconds to import), and a bundle of edit-distance metrics loads none of them.


def _rapidfuzz_scorers() -> dict[str, tuple[Callable[..., float], float]]:
    """metric -> (rapidfuzz scorer, the scorer's maximum) for the edit-distance metrics."""
    return {
        # OpenAI's fuzzy_match: the normalized Indel similarity 1 - indel/(len1+len2), i.e.
        # fuzz.ratio/100 (python-Levenshtein's and difflib's "ratio"): symmetric, 1.0 only for
        # equal strings, and no partial-match bonus that would reward answers burying the
        # reference in long text.
        "fuzzy_match": (Indel.normalized_similarity, 1.0),
        "ratio": (fuzz.ratio, 100.0),
        "partial_ratio": (fuzz.partial_ratio, 100.0),
        "token_sort_ratio": (fuzz.token_sort_ratio, 100.0),
        "token_set_ratio": (fuzz.token_set_ratio, 100.0),
        "levenshtein": (Levenshtein.normalized_similarity, 1.0),
        "jaro_winkler": (JaroWinkler.normalized_similarity, 1.0),
    }


class _NoSynsets:
    """A WordNet stand-in without synsets: METEOR's exact and stem stages still match."""

    @staticmethod
    def synsets(word: str, *args: Any, **kwargs: Any) -> list[Any]:
        return []


def _wordnet() -> Any:
    """NLTK's WordNet when its data is installed, else a stand-in with no synonyms."""
    import nltk

    try:
        nltk.data.find("corpora/wordnet")
    except LookupError:
        return _NoSynsets()
    from nltk.corpus import wordnet

    return wordnet


PairScorer = Callable[[str, str], float]


def _bleu() -> PairScorer:
    from sacrebleu.metrics import BLEU

    # One BLEU object (13a tokenizer, exp smoothing, effective order) = sacrebleu.sentence_bleu.
    bleu = BLEU(effective_order=True)
    return lambda hyp, ref: bleu.sentence_score(hyp, [ref]).score / 100.0


def _gleu() -> PairScorer:
    from nltk.translate.gleu_score import sentence_gleu

    return lambda hyp, ref: sentence_gleu([_tokens(ref)], _tokens(hyp))


def _meteor() -> PairScorer:
    from nltk.stem.porter import PorterStemmer
    from nltk.translate.meteor_score import meteor_score

    stemmer, wordnet = PorterStemmer(), _wordnet()
    return lambda hyp, ref: meteor_score(
        [_tokens(ref)], _tokens(hyp), stemmer=stemmer, wordnet=wordnet
    )


def _rouge(metric: str) -> PairScorer:
    from rouge_score.rouge_scorer import RougeScorer

    key = "rougeL" if metric == "rouge_l" else "rouge" + metric[-1]
    scorer = RougeScorer([key])
    return lambda hyp, ref: scorer.score(ref, hyp)[key].fmeasure


@register
class TextSimilarityGrader(Grader):
    """Scores how similar `input` is to `reference`, in [0, 1].

    Args (spec fields):
        input: template of the graded text (default `{{ sample.output_text }}`).
        reference: template of the reference text (lists/dicts are compared as JSON text).
        evaluation_metric: one of
            `fuzzy_match` (OpenAI's; normalized Indel similarity = rapidfuzz `fuzz.ratio`/100),
            `ratio`, `partial_ratio`, `token_sort_ratio`, `token_set_ratio` (rapidfuzz `fuzz`,
            /100), `levenshtein` (normalized Levenshtein similarity), `jaro_winkler`;
            `bleu` (sacrebleu sentence BLEU/100, 13a tokens, exp smoothing, effective order),
            `gleu` (nltk `sentence_gleu`), `meteor` (nltk `meteor_score`; synonyms only when
            the WordNet corpus is installed, else exact + Porter-stem matches),
            `rouge_1`…`rouge_5`, `rouge_l` (rouge-score F-measure, its default tokenizer:
            lowercase ASCII alphanumerics, no stemming);
            `cosine` (cosine similarity of embeddings from `embedding_model`, clipped at 0).
            BLEU, GLEU and METEOR see words split on `\\w+|[^\\w\\s]`.
        pass_threshold: when set, the `passed` detail is True where the score is >= the
            threshold. The score stays the similarity (OpenAI's semantics: the guide's
            multi-grader example averages the continuous name similarity).
        normalize: normalizers applied to both texts first (`strip`, `casefold`, …).
        embedding_model: `cosine` only: a local sentence-transformers or transformers model
            directory (relative to the bundle file); nothing is downloaded.
    Texts equal after normalization score 1 under every metric (two empty texts included);
    otherwise an empty side scores 0.
    """

    spec_type = TextSimilaritySpec

    def __init__(self, spec: TextSimilaritySpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: TextSimilaritySpec = spec
        self.input = self.template("input", spec.input)
        self.reference = self.template("reference", spec.reference)
        self.normalize = make_normalizer(spec.normalize)
        metric = spec.evaluation_metric
        self._batch_scorer: tuple[Callable[..., float], float] | None = None
        self._pair_scorer: PairScorer | None = None
        self._embedder: _Embedder | None = None
        rapidfuzz = _rapidfuzz_scorers()
        if metric in rapidfuzz:
            self._batch_scorer = rapidfuzz[metric]
        elif metric == "bleu":
            self._pair_scorer = _bleu()
        elif metric == "gleu":
            self._pair_scorer = _gleu()
        elif metric == "meteor":
            self._pair_scorer = _meteor()
        elif metric.startswith("rouge_"):
            self._pair_scorer = _rouge(metric)
        else:  # cosine
            self._embedder = _Embedder(self._model_dir())

    def _model_dir(self) -> Path:
        model = self.spec.embedding_model
        if not model:
            raise BundleError(
                "evaluation_metric `cosine` needs a local embedding model, and none is set",
                self.context.location("evaluation_metric"),
                hint="add `embedding_model: <local path>` (a sentence-transformers or "
                "transformers model directory); rft never downloads models",
            )
        path = Path(model).expanduser()
        if not path.is_absolute():
            path = self.context.base_dir / path
        if not path.is_dir():
            raise BundleError(
                f"embedding model directory not found: {path}",
                self.context.location("embedding_model"),
                hint="give a local model directory (relative paths resolve against the bundle "
                "file); hub names are not downloaded",
            )
        return path

    def grade(self, batch: Batch) -> GraderOutput:
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        inputs = out.render(batch, self.input)
        references = out.render(batch, self.reference)
        normalize = self.normalize
        hyps = [normalize(as_text(v)) for v in inputs.values]
        refs = [normalize(as_text(v)) for v in references.values]
        out.scores = self.similarity(hyps, refs)
        if self.spec.pass_threshold is not None:
            # A sample with an error fails, whatever its texts' similarity.
            out.details["passed"] = (out.scores >= self.spec.pass_threshold) & ~out.failed
        return out

    def similarity(self, hyps: Sequence[str], refs: Sequence[str]) -> np.ndarray:
        """Raw metric scores in [0, 1] of already-normalized texts, pair by pair."""
        n = len(hyps)
        if self._batch_scorer is not None and n:
            scorer, top = self._batch_scorer
            chars = sum(map(len, hyps)) + sum(map(len, refs))
            workers = -1 if chars >= _PARALLEL_MIN_CHARS else 1
            raw = cpdist(hyps, refs, scorer=scorer, workers=workers, dtype=np.float64)
            scores = np.asarray(raw, dtype=np.float64) / top
        elif self._embedder is not None and n:
            scores = self._embedder.cosine(hyps, refs)
        else:
            score = self._pair_scorer
            scores = np.zeros(n)
            for i in range(n):
                hyp, ref = hyps[i], refs[i]
                if hyp and ref and hyp != ref:
                    scores[i] = score(hyp, ref)  # type: ignore[misc]
        # One rule for all metrics (rapidfuzz's token_set_ratio gives 0 for two empty strings).
        for i in range(n):
            hyp, ref = hyps[i], refs[i]
            if hyp == ref:
                scores[i] = 1.0
            elif not hyp or not ref:
                scores[i] = 0.0
        return np.clip(np.nan_to_num(scores, nan=0.0), 0.0, 1.0)


class _Embedder:
    """Sentence embeddings from a local model, loaded on first use (imports torch then)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._encode: Callable[[list[str]], np.ndarray] | None = None

    def _load(self) -> Callable[[list[str]], np.ndarray]:
        # torch / transformers / sentence-transformers: optional (train extra), loaded for cosine only.
        if (self.path / "modules.json").exists():
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                pass
            else:
                model = SentenceTransformer(str(self.path), local_files_only=True)
                return lambda texts: np.asarray(model.encode(texts), dtype=np.float64)
        import torch
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        model = AutoModel.from_pretrained(self.path, local_files_only=True).eval()

        def encode(texts: list[str]) -> np.ndarray:
            chunks = []
            with torch.no_grad():
                for start in range(0, len(texts), 64):
                    enc = tokenizer(
                        texts[start : start + 64],
                        padding=True,
                        truncation=True,
                        return_tensors="pt",
                    )
                    hidden = model(**enc).last_hidden_state
                    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                    # Mean pooling over real tokens: sentence-transformers' default.
                    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                    chunks.append(pooled.float().numpy())
            return np.concatenate(chunks).astype(np.float64)

        return encode

    def cosine(self, hyps: Sequence[str], refs: Sequence[str]) -> np.ndarray:
        if self._encode is None:
            self._encode = self._load()
        a = self._encode(list(hyps))
        b = self._encode(list(refs))
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        dots = np.einsum("ij,ij->i", a, b)
        return np.divide(dots, norms, out=np.zeros(len(dots)), where=norms > 0)
