"""The report: rebuilt from a run folder, self-contained, and clean in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rft.cli.main import app
from rft.report import plots
from rft.report.document import Checks, Document, Figure, Heading, Paragraph, table
from rft.report.html import render_html
from rft.report.quality import Check

# The screenshot checks read pixels with Pillow (a matplotlib dependency: the `report` extra).
Image = pytest.importorskip("PIL.Image")
ImageStat = pytest.importorskip("PIL.ImageStat")

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def _chromium() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def render_in_chromium(page: Path, screenshot: Path, profile: Path) -> list[str]:
    """Open `page` headless, save a 1200x2000 screenshot, return its console messages."""
    binary = _chromium()
    assert binary is not None
    result = subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={screenshot}",
            "--window-size=1200,2000",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Chromium logs every console message (errors and uncaught exceptions included) as
    # `...:INFO:CONSOLE(<line>)] "<message>", source: <url> (<line>)` on stderr.
    return [
        line for line in result.stderr.splitlines() if re.search(r":CONSOLE\b|:CONSOLE\(", line)
    ]


def _history(run: Path) -> None:
    rows = []
    for step in range(1, 31):
        rows.append(
            {
                "step": step,
                "train/reward": 0.2 + step / 60,
                "train/graders/exact": 0.2 + step / 60,
                "train/completion_length": 30 + step,
                "train/zero_variance_share": 0.4,
            }
        )
        if step % 10 == 0:
            rows.append({"step": step, "valid/reward": 0.2 + step / 70, "valid/graders/exact": 0.3})
    (run / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")


@pytest.fixture
def full_run(make_run) -> Path:
    """An eval run folder that also holds a training history and saved probes."""
    run = make_run("rl", accuracy=0.7, group_by=["level"])
    _history(run)
    (run / "probes.json").write_text(
        json.dumps(
            {
                "threshold": 0.5,
                "classes": [
                    {
                        "name": "empty",
                        "mean": 0.0,
                        "max": 0.0,
                        "share_above": 0.0,
                        "verdict": "pass",
                    }
                ],
            }
        )
    )
    result = CliRunner().invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    return run


def test_report_rebuild_has_every_section(full_run: Path) -> None:
    markdown = (full_run / "report.md").read_text()
    for section in (
        "## Headline",
        "## Over the k samples per item",
        "## By `level`",
        "## Grader quality and reward-hacking checks",
        "## Adversarial probes",
        "## Training",
        "## Score distributions",
        "## Worst items",
    ):
        assert section in markdown, section
    assert "mean reward [95% CI over items]" in markdown
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    # Four training curves (reward, graders, length, zero-variance share), then the rest.
    assert [Path(f).stem for f in figures] == [
        "training_0",
        "training_1",
        "training_2",
        "training_3",
        "before_after",
        "histograms",
        "length_vs_reward",
    ]
    assert all((full_run / f).exists() for f in figures)
    html = (full_run / "report.html").read_text()
    # Self-contained: every image is embedded, nothing is fetched.
    assert html.count("data:image/png;base64,") == len(figures)
    assert not re.search(r"""(src|href)=["'](?!data:)""", html)
    assert "<script" not in html


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (.ci/run installs it)")
def test_report_opens_in_headless_chromium_without_console_errors(full_run: Path, tmp_path) -> None:
    shot = tmp_path / "report.png"
    messages = render_in_chromium(full_run / "report.html", shot, tmp_path / "profile")
    assert messages == []
    image = Image.open(shot).convert("L")
    assert image.size == (1200, 2000)
    stats = ImageStat.Stat(image)
    assert stats.stddev[0] > 20  # text, tables and plots, not a blank page
    assert image.getextrema()[0] < 60  # some dark ink (text) on the page


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (.ci/run installs it)")
def test_console_error_detection_works(tmp_path) -> None:
    page = tmp_path / "bad.html"
    page.write_text('<html><body><script>console.error("boom"); missing();</script></body></html>')
    messages = render_in_chromium(page, tmp_path / "bad.png", tmp_path / "profile")
    assert any("boom" in m for m in messages) and any("missing" in m for m in messages)


def test_plots_refuse_unlabelled_axes() -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("step")
    with pytest.raises(ValueError, match="unlabelled"):
        plots._png(fig)
    png = plots.line_chart({"a": ([0, 1], [0, 1])}, title="t", xlabel="x", ylabel="y")
    assert png.startswith(b"\x89PNG")


def test_the_html_page_escapes_text_and_renders_every_block() -> None:
    doc = Document("run <a> & b")
    doc.add(
        Paragraph('<script>alert("x")</script>'),
        Heading("Deep", 9),
        table(["metric", "value"], [["mean", 0.5], ["none", None]], "caption <c>"),
        Figure(b"\x89PNG", "hist", "h"),
        Checks([Check("saturation", "exact", 0.96, ">= 0.95", "warn", "saturated <x>")]),
    )
    page = render_html(doc)

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list) -> None:
            self.tags.append(tag)

        def handle_data(self, data: str) -> None:
            if data.strip():
                self.text.append(data.strip())

    parsed = Collect()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert parsed.tags.count("td") == 4 and parsed.tags.count("figure") == 1
    assert parsed.text[0] == "run <a> & b"  # <title>; then the style sheet, then the body
    body = parsed.text[2:]
    assert body == [
        "run <a> & b",
        '<script>alert("x")</script>',
        "Deep",
        "caption <c>",
        "metric",
        "value",
        "mean",
        "0.500",
        "none",
        "–",
        "hist",
        "warning",
        "saturation",
        "(exact): 0.960 (threshold >= 0.95). saturated <x>",
    ]
    assert '<img alt="hist" src="data:image/png;base64,iVBORw==">' in page
    assert '<li class="warn">' in page and "<h6>Deep</h6>" in page


def scripted_judge() -> Any:
    """A loopback chat-completions server (rft's fake judge) whose replies the graded answer
    scripts: its line ``REPLY[<model>]: <text>`` (or ``REPLY[*]: <text>`` for any model) is
    the reply to a request for that model."""
    from rft.judge.fake_server import FakeJudgeServer, _completion, _sample_text

    class Scripted(FakeJudgeServer):
        async def _respond(self, method, target, headers, body):  # type: ignore[no-untyped-def]
            if method == "POST" and target.rstrip("/").endswith("/chat/completions"):
                request = json.loads(body)
                scripts = dict(re.findall(r"REPLY\[([\w*-]+)\]: (.*)", _sample_text(request)))
                text = scripts.get(request["model"], scripts.get("*", ""))
                return 200, {}, json.dumps(_completion(text)).encode()
            return await super()._respond(method, target, headers, body)

    return Scripted()


def eval_run(tmp_path: Path, bundle_text: str, answers: list[str]) -> Path:
    """`rft eval` of one answer per item with `bundle_text` ({base_url} filled in) against the
    scripted loopback judge; returns the run folder."""
    data = tmp_path / "items.jsonl"
    data.write_text(
        "".join(json.dumps({"id": f"q{i}", "prompt": "1+1"}) + "\n" for i in range(len(answers)))
    )
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text(
        "".join(json.dumps({"id": f"q{i}", "output_text": a}) + "\n" for i, a in enumerate(answers))
    )
    out = tmp_path / "run"
    with scripted_judge() as server:
        bundle = tmp_path / "bundle.yaml"
        bundle.write_text(bundle_text.format(base_url=server.base_url()))
        args = ["eval", "--data", data, "--grader", bundle, "--outputs", outputs, "-k", "1"]
        result = CliRunner().invoke(app, [str(a) for a in [*args, "--out", out]])
    assert result.exit_code == 0, result.output
    return out


def html_table_after(html: str, heading: str, rows: int) -> list[list[str]]:
    """The cells of the first `rows` rows of the table after `heading` in report.html."""
    section = html.split(heading, 1)[1]
    found = re.findall(r"<tr>(.*?)</tr>", section, re.S)
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S) for r in found[:rows]]


RUBRIC_BUNDLE = """\
name: graded
type: rubric
model: fake-judge
endpoint: {{base_url: "{base_url}", api_key_env: null}}
max_retries: 0
cache: false
input:
  - {{role: user, content: "<sample>{{{{ sample.output_text }}}}</sample>"}}
criteria:
  - {{name: correct, description: "Is the sum right?", choices: [wrong, partly, right], weight: 3}}
  - {{name: concise, description: "Is it short?", choices: [rambling, concise]}}
"""


def _verdicts(correct: str, concise: str) -> str:
    criteria = [
        {"name": "correct", "reason": "checked", "verdict": correct},
        {"name": "concise", "reason": "read it", "verdict": concise},
    ]
    return "REPLY[*]: " + json.dumps({"criteria": criteria})


def test_rubric_criteria_are_sub_scores_of_the_report(tmp_path: Path) -> None:
    """`rft eval` with a rubric judge (real HTTP): each criterion's mean and pass rate."""
    answers = [
        _verdicts("right", "concise"),
        _verdicts("right", "rambling"),
        _verdicts("partly", "concise"),
        _verdicts("wrong", "concise"),
        'REPLY[*]: {"criteria": [{"name": "correct", "verdict": "maybe"}]}',  # off its choices
    ]
    out = eval_run(tmp_path, RUBRIC_BUNDLE, answers)
    metrics = json.loads((out / "metrics.json").read_text())
    # correct: 1, 1, 0.5, 0 over the 4 parsed replies; concise: 1, 0, 1, 1. Pass: >= 0.5.
    assert metrics["criteria"] == {
        "graded.correct": {
            "grader": "graded",
            "criterion": "correct",
            "mean": 0.625,
            "pass_rate": 0.75,
            "scored": 4,
        },
        "graded.concise": {
            "grader": "graded",
            "criterion": "concise",
            "mean": 0.75,
            "pass_rate": 0.75,
            "scored": 4,
        },
    }
    html = (out / "report.html").read_text()
    assert html_table_after(html, "Rubric criteria", 3) == [
        ["grader", "criterion", "mean", "pass rate", "scored samples"],
        ["graded", "correct", "0.625", "0.750", "4"],
        ["graded", "concise", "0.750", "0.750", "4"],
    ]


PANEL_BUNDLE = """\
name: panel
type: panel
judges:
  a: {{type: score_model, model: judge-a, range: [0, 10], max_retries: 0, cache: false,
      endpoint: {{base_url: "{base_url}", api_key_env: null}},
      input: [{{role: user, content: "<sample>{{{{ sample.output_text }}}}</sample>"}}]}}
  b: {{type: score_model, model: judge-b, range: [0, 10], max_retries: 0, cache: false,
      endpoint: {{base_url: "{base_url}", api_key_env: null}},
      input: [{{role: user, content: "<sample>{{{{ sample.output_text }}}}</sample>"}}]}}
"""


def test_panel_agreement_is_in_the_report(tmp_path: Path) -> None:
    """`rft eval` with a two-judge panel (real HTTP): agreement, spread, failed judges."""

    def votes(a: int, b: int | str) -> str:
        b_reply = b if isinstance(b, str) else json.dumps({"result": b})
        return f'REPLY[judge-a]: {{"result": {a}}}\nREPLY[judge-b]: {b_reply}'

    # agreement 1 - |a - b| / 10: 1.0, 0.0, 0.8; the 4th has one judge (b did not parse).
    answers = [votes(10, 10), votes(10, 0), votes(6, 8), votes(10, "no idea")]
    out = eval_run(tmp_path, PANEL_BUNDLE, answers)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["panels"] == {
        "panel": {
            "agreement": pytest.approx(0.6),
            "spread": pytest.approx(0.4),
            "failed_judge_rate": 0.25,
            "compared": 3,
        }
    }
    html = (out / "report.html").read_text()
    assert html_table_after(html, "Judge panels", 2) == [
        [
            "panel",
            "mean agreement",
            "mean spread",
            "samples with a failed judge",
            "samples compared",
        ],
        ["panel", "0.600", "0.400", "0.250", "3"],
    ]
