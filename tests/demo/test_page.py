"""The demo page: built from a demo folder of real graded tables and real metrics.jsonl lines.

The folder is what `rft demo` leaves (demo.json, one run folder per row with `eval/`), made
here by grading hand-written answers with the shipped `gene_rank` bundle, so every number on
the page can be computed by hand from the ranks the answers were written with. No model is
trained.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyarrow")  # per-sample tables are Parquet files: the `report` extra
Image = pytest.importorskip("PIL.Image")

from rft.demo.page import load_demo, read_arm, write_demo_page  # noqa: E402
from rft.errors import DataError  # noqa: E402
from rft.eval import grade_answers  # noqa: E402
from rft.eval.table import write_table  # noqa: E402
from rft.report.build import rebuild_report  # noqa: E402
from rft.report.metrics import bootstrap_mean, paired_bootstrap  # noqa: E402
from rft.reward import compile_bundle  # noqa: E402
from rft.shipped import bundle_path  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
N_ITEMS = 40
# The rank of the right gene in each row's answer to item i: 1-based, 0 = named nowhere,
# -1 = not a gene list at all (the bundle gives 0; ranking metrics read rank 0).
RANKS = {
    "baseline": [1 if i % 5 == 0 else 3 if i % 5 == 1 else 0 for i in range(N_ITEMS)],
    "warm-up": [
        1 if i % 4 == 0 else 2 if i % 4 == 1 else -1 if i % 8 == 2 else 0 for i in range(N_ITEMS)
    ],
    "SFT continued": [1 if i % 3 == 0 else 4 if i % 3 == 1 else 0 for i in range(N_ITEMS)],
    "RFT": [1 if i % 3 != 2 else 2 if i % 2 else 0 for i in range(N_ITEMS)],
}
FOLDERS = {"baseline": "baseline", "warm-up": "warmup", "SFT continued": "sft", "RFT": "rft"}


def reciprocal(ranks: list[int]) -> np.ndarray:
    return np.array([1.0 / r if r > 0 else 0.0 for r in ranks])


def top1(ranks: list[int]) -> np.ndarray:
    return np.array([1.0 if r == 1 else 0.0 for r in ranks])


def answer(gene: str, rank: int) -> str:
    if rank < 0:
        return "genes: none"
    others = [f"X{j}" for j in range(1, 6)]
    before = others[: max(rank - 1, 0)]
    genes = [*before, gene, *others[len(before) : 4]] if rank else others
    return json.dumps({"genes": genes})


def _items() -> list[dict]:
    return [
        {"prompt": f"HP:{i:07d} HP:{i + 100:07d} ->", "gene": f"G{i}", "case_id": f"c{i}"}
        for i in range(N_ITEMS)
    ]


def graded_run(run_dir: Path, items: list[dict], ranks: list[int], bundle: Path) -> None:
    """Grade the answers that put each item's gene at `ranks[i]`; write `run_dir/eval/`."""
    reward = compile_bundle(bundle)
    answers = [[answer(item["gene"], r)] for item, r in zip(items, ranks, strict=True)]
    with reward:
        frame = grade_answers(reward, items, [i["prompt"] for i in items], answers)
    write_table(frame, run_dir / "eval")


def metrics_lines(path: Path, *, evals: list[tuple[int, float, float]], train: int) -> None:
    """A trained arm's metrics.jsonl: `eval` records (step, seconds, reward) and `train`
    records for steps 1..train (2 s a step, a rising noisy reward)."""
    rng = np.random.default_rng(0)
    lines = [{"type": "warmup", "epoch": 1.0, "loss": 2.0}]
    for step in range(1, train + 1):
        reward = float(np.clip(0.3 + step / (3 * train) + rng.normal(0, 0.1), 0, 1))
        lines.append({"type": "train", "step": step, "seconds": 2.0 * step, "reward": reward})
    lines += [
        {"type": "eval", "step": s, "seconds": t, "reward": r, "phase": "rl"} for s, t, r in evals
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def make_demo(out: Path, *, comparison: object = None, missing_report: str | None = None) -> Path:
    items = _items()
    bundle = bundle_path("gene_rank")
    rows = []
    for name, ranks in RANKS.items():
        run = out / FOLDERS[name]
        graded_run(run, items, ranks, bundle)
        if name != missing_report:
            rebuild_report(run)
        rows.append(
            {
                "name": name,
                "run": FOLDERS[name],
                "report": f"{FOLDERS[name]}/report.html",
                "labels": "3200 labelled cases" if name != "baseline" else "HPO annotations",
                "seconds": None if name == "baseline" else 100.0,
                "top1": None,
            }
        )
    metrics_lines(out / "rft" / "metrics.jsonl", evals=[(0, 0.0, 0.4), (30, 60.0, 0.5)], train=30)
    metrics_lines(
        out / "sft" / "metrics.jsonl",
        evals=[(0, 0.0, 0.4), (10, 30.0, 0.42), (20, 61.0, 0.43)],
        train=0,
    )
    demo = {
        "title": "fake rare-disease demo",
        "task": "rare-disease",
        "seed": 0,
        "protocol": "label-for-label",
        "notes": ["a <note> & more"],
        "seconds": 321.0,
        "rows": rows,
    }
    if comparison is not None:
        demo["comparison"] = comparison
    (out / "demo.json").write_text(json.dumps(demo))
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = make_demo(tmp_path_factory.mktemp("demo"))
    write_demo_page(out)
    return out


def ci(interval) -> str:
    return f"{interval.estimate:.3f} [{interval.low:.3f}, {interval.high:.3f}]"


def test_the_table_shows_each_rows_metrics_with_item_bootstrap_intervals(demo: Path) -> None:
    markdown = (demo / "demo.md").read_text()
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert table[0] == (
        "| model | supervision | train s | top@1 [95% CI] | top@5 [95% CI] | top@max [95% CI] "
        "| MRR [95% CI] | invalid |"
    )
    by_name = {line.split(" | ")[0].removeprefix("| "): line.split(" | ") for line in table[1:6]}
    for name, ranks in RANKS.items():
        cells = by_name[name]
        assert cells[3] == ci(bootstrap_mean(top1(ranks), seed=0)), name
        assert cells[6] == ci(bootstrap_mean(reciprocal(ranks), seed=0)), name
    # warm-up: items 2, 10, 18, 26, 34 answered "genes: none" (5 of 40).
    assert by_name["warm-up"][7] == "0.125 |"
    assert by_name["RFT"][7] == "0.000 |"
    assert by_name["baseline"][2] == "–"
    # The numbers the hand-made ranks give, as a sanity check on the fixture itself.
    assert float(np.mean(reciprocal(RANKS["RFT"]))) == pytest.approx((27 + 6 * 0.5) / 40)


def test_the_page_shows_the_paired_difference_computed_from_the_held_out_items(
    demo: Path,
) -> None:
    markdown = (demo / "demo.md").read_text()
    mrr = paired_bootstrap(reciprocal(RANKS["SFT continued"]), reciprocal(RANKS["RFT"]), seed=0)
    t1 = paired_bootstrap(top1(RANKS["SFT continued"]), top1(RANKS["RFT"]), seed=0)
    sft, rft = reciprocal(RANKS["SFT continued"]).mean(), reciprocal(RANKS["RFT"]).mean()
    assert "## RFT against SFT continued, item by item" in markdown
    assert (
        f"| 0 | MRR | {sft:.3f} | {rft:.3f} | {mrr.estimate:+.3f} [{mrr.low:+.3f}, "
        f"{mrr.high:+.3f}] | yes | 40 |"
    ) in markdown
    assert (
        f"| 0 | top@1 | 0.350 | 0.675 | {t1.estimate:+.3f} [{t1.low:+.3f}, {t1.high:+.3f}]"
        in markdown
    )
    assert mrr.low > 0
    assert (
        f"Seed 0: RFT − SFT continued on held-out MRR = {mrr.estimate:+.3f} [{mrr.low:+.3f}, "
        f"{mrr.high:+.3f}] (95% paired bootstrap over 40 items): RFT is ahead."
    ) in markdown.split("## The rows side by side")[0]


def test_figures_and_links(demo: Path) -> None:
    markdown = (demo / "demo.md").read_text()
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert figures == [
        "demo_figures/rows.png",
        "demo_figures/curves.png",
        "demo_figures/paired.png",
    ]
    for figure in figures:
        assert Image.open(demo / figure).size[0] >= 600
    links = re.findall(r"^- \[([^\]]+)\]\(([^)]+)\)$", markdown, re.M)
    assert links == [(name, f"{FOLDERS[name]}/report.html") for name in RANKS]
    assert "a &lt;note&gt; &amp; more" in (demo / "demo.html").read_text()


def test_a_missing_report_is_named_not_linked(tmp_path: Path) -> None:
    out = make_demo(tmp_path, missing_report="warm-up")
    write_demo_page(out)
    markdown = (out / "demo.md").read_text()
    assert "- warm-up (not written)" in markdown
    assert 'href="warmup/report.html"' not in (out / "demo.html").read_text()
    assert 'href="rft/report.html"' in (out / "demo.html").read_text()


def test_a_stored_comparison_is_shown_for_every_seed(tmp_path: Path) -> None:
    delta = {"estimate": 0.05, "low": 0.01, "high": 0.09, "level": 0.95, "n": 40}
    stored = [
        {
            "seed": s,
            "a_name": "sft",
            "b_name": "rft",
            "paired_items": 40,
            "metrics": {"mrr": {"a": 0.4, "b": 0.45, "delta": delta}},
        }
        for s in (0, 1, 2)
    ]
    out = make_demo(tmp_path, comparison=stored)
    write_demo_page(out)
    markdown = (out / "demo.md").read_text()
    for s in (0, 1, 2):
        assert f"| {s} | MRR | 0.400 | 0.450 | +0.050 [+0.010, +0.090] | yes | 40 |" in markdown


def test_arm_times_elapsed_summed_or_steps(tmp_path: Path) -> None:
    log = tmp_path / "metrics.jsonl"
    metrics_lines(log, evals=[(0, 0.0, 0.4), (3, 7.5, 0.5)], train=3)
    arm = read_arm(log)
    assert arm.timing == "elapsed"
    assert arm.valid == ([0.0, 7.5], [0.4, 0.5])
    assert arm.train[0] == [2.0, 4.0, 6.0]
    # The trainer's own per-step timings (no elapsed time): placed by their running sum.
    records = [
        {"type": "eval", "step": 0, "reward": 0.1, "seconds": {"sampling": 1.0}},
        *[
            {"type": "train", "step": s, "reward": 0.2, "seconds": {"step": 1.5 * s}}
            for s in (1, 2, 3)
        ],
        {"type": "eval", "step": 2, "reward": 0.3, "seconds": {"sampling": 1.0}},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    arm = read_arm(log)
    assert arm.timing == "summed"
    assert arm.train[0] == [1.5, 4.5, 9.0] and arm.valid == ([0.0, 4.5], [0.1, 0.3])
    log.write_text('{"type": "eval", "step": 5, "reward": 0.2}\n')
    assert read_arm(log).timing == "step" and read_arm(log).valid == ([5.0], [0.2])
    # Only a start point (an SFT arm evaluated once before training): time 0 on any axis.
    log.write_text('{"type": "eval", "step": 0, "reward": 0.2, "seconds": {"sampling": 3.0}}\n')
    assert read_arm(log).timing == "start" and read_arm(log).valid == ([0.0], [0.2])


def test_the_curves_share_a_step_axis_when_one_arm_logged_no_time(tmp_path: Path) -> None:
    out = make_demo(tmp_path)
    (out / "sft" / "metrics.jsonl").write_text('{"type": "eval", "step": 4, "reward": 0.2}\n')
    write_demo_page(out)
    assert "x: training step (no elapsed seconds logged)" in (out / "demo.md").read_text()
    # A start point alone does not force steps on the other arm.
    (out / "sft" / "metrics.jsonl").write_text('{"type": "eval", "step": 0, "reward": 0.2}\n')
    write_demo_page(out)
    assert "x: seconds since the arm started" in (out / "demo.md").read_text()


def test_arithmetic_rows_show_exact_match(tmp_path: Path) -> None:
    items = [{"prompt": f"{i}+1=", "answer": str(i + 1)} for i in range(20)]
    bundle = REPO / "examples" / "arithmetic" / "grader.yaml"
    rows = []
    for name, right in (("warm-up", 5), ("RFT", 12)):
        reward = compile_bundle(bundle)
        answers = [[it["answer"] if i < right else "0"] for i, it in enumerate(items)]
        with reward:
            frame = grade_answers(reward, items, [it["prompt"] for it in items], answers)
        write_table(frame, tmp_path / name / "eval")
        rows.append({"name": name, "run": name, "report": f"{name}/report.html", "labels": ""})
    (tmp_path / "demo.json").write_text(
        json.dumps({"title": "sums", "task": "arithmetic", "seed": 3, "rows": rows})
    )
    write_demo_page(tmp_path)
    markdown = (tmp_path / "demo.md").read_text()
    exact = bootstrap_mean([1.0] * 12 + [0.0] * 8, seed=3)
    assert "| model | supervision | train s | exact match [95% CI] | invalid |" in markdown
    assert f"| RFT |  | – | {ci(exact)} |" in markdown
    assert "- warm-up (not written)" in markdown  # no report.html was built


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("rows"), "`rows` is missing or not a JSON array"),
        (lambda d: d["rows"][1].pop("run"), "`rows[1].run` is missing or not a JSON string"),
        (
            lambda d: d["rows"][2].update(run="nowhere"),
            "rows[2] (SFT continued) names run `nowhere`",
        ),
    ],
)
def test_bad_demo_json_names_the_field(demo: Path, tmp_path: Path, change, message) -> None:
    data = json.loads((demo / "demo.json").read_text())
    change(data)
    for folder in FOLDERS.values():
        (tmp_path / folder).symlink_to(demo / folder)
    (tmp_path / "demo.json").write_text(json.dumps(data))
    with pytest.raises(DataError, match=re.escape(message)):
        write_demo_page(tmp_path)


def test_no_demo_json(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no demo\.json in"):
        load_demo(tmp_path)


# -- in a browser -------------------------------------------------------------------------------
def _chromium_helpers():
    # The report test's Chromium runner, loaded by path (tests/ is not a package).
    path = REPO / "tests" / "report" / "test_html_report.py"
    spec = importlib.util.spec_from_file_location("rft_report_html_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if tag == "a":
            self.hrefs.append(values["href"])
        if tag == "img":
            self.images.append(values["src"])


def test_demo_html_links_are_relative_and_resolve_and_images_decode(demo: Path) -> None:
    tags = _Tags()
    tags.feed((demo / "demo.html").read_text())
    assert tags.hrefs == [f"{FOLDERS[name]}/report.html" for name in RANKS]
    for href in tags.hrefs:
        assert not re.match(r"^[a-z]+:|^/", href)
        assert (demo / href).is_file()
    assert len(tags.images) == 3
    for src in tags.images:
        assert src.startswith("data:image/png;base64,")
        image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        assert image.size[0] >= 600 and image.size[1] >= 200


def test_demo_html_renders_in_headless_chromium(demo: Path, tmp_path: Path) -> None:
    helpers = _chromium_helpers()
    if helpers._chromium() is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    shot = tmp_path / "demo.png"
    assert helpers.render_in_chromium(demo / "demo.html", shot, tmp_path / "profile") == []
    image = Image.open(shot).convert("L")
    stats = pytest.importorskip("PIL.ImageStat").Stat(image)
    assert stats.stddev[0] > 20  # charts and tables, not a blank page
    # The charts drew: their coloured bars and lines are the only saturated areas of the page
    # (text is black, tables grey; a link's blue text is a few hundred pixels at most).
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    saturated = (pixels.max(axis=2) - pixels.min(axis=2)) > 120
    assert int(saturated.sum()) > 20_000
    # Each linked report opens cleanly too (the links lead somewhere readable).
    for name in ("RFT", "SFT continued"):
        page = demo / FOLDERS[name] / "report.html"
        assert helpers.render_in_chromium(page, tmp_path / f"{name}.png", tmp_path / "p2") == []


def test_the_demo_table_and_the_page_read_the_same_ranking_metrics(demo: Path) -> None:
    import pandas as pd

    from rft.demo.table import model_row
    from rft.report.metrics import ranking_metrics

    frame = pd.read_parquet(demo / "rft" / "eval" / "samples.parquet")
    row = model_row("RFT", frame, labels="", seconds=None, report=None)
    assert ranking_metrics(frame) == {
        "top@1": row.top1,
        "top@5": row.top5,
        "top@max": row.top_max,
        "mrr": row.mrr,
    }
    assert row.mrr == pytest.approx(float(reciprocal(RANKS["RFT"]).mean()))
