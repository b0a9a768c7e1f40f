"""The search report: content, escaping, edge cases and a real browser."""

import html.parser
import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib

import pytest

from components.autokeras_tuner.report import page as report

CHROMIUM = "/usr/bin/chromium"


def _trial(tid, status, score, origin, **extra):
    trial = {
        "trial_id": tid,
        "status": status,
        "score": score,
        "origin": origin,
        "hyperparameters": {"dense_block_1/units_0": 32, "optimizer": "adam"},
        "epochs": 5,
        "seconds": 12.5,
        "parameter_count": 12345,
        "started_at": 1700000000.0 + 15 * int(tid),
        "message": "",
    }
    trial.update(extra)
    return trial


@pytest.fixture
def results():
    hps = {
        "structured_data_block_1/dense_block_1/units_0": 64,
        "structured_data_block_1/dense_block_1/dropout": 0.25,
        "optimizer": "<script>alert(1)</script>",
        "learning_rate": 0.001,
    }
    return {
        "objective": {"name": "val_loss", "direction": "min"},
        "best_trial_id": "0003",
        "budget": {"max_trials": 8, "time_limit_seconds": 600, "epochs": 5},
        "seed": 0,
        "elapsed_seconds": 123.4,
        "trials": [
            _trial("0000", "COMPLETED", 0.71, "predefined 1/3"),
            _trial("0001", "COMPLETED", 0.64, "predefined 2/3"),
            _trial(
                "0002",
                "FAILED",
                None,
                "predefined 3/3",
                message="out of memory at batch 64; retried with 32",
                parameter_count=None,
            ),
            _trial(
                "0003",
                "COMPLETED",
                0.52,
                "mutated: dense_block_1",
                hyperparameters=hps,
            ),
            _trial(
                "0004",
                "STOPPED",
                float("nan"),
                "mutated: optimizer",
                message="diverged: NaN loss at epoch 2",
                epochs=2,
            ),
            _trial("0005", "STOPPED", 0.58, "mutated: dense_block_1"),
            _trial("0006", "COMPLETED", 0.55, "warm start"),
        ],
        "best_model": {
            "layers": [
                {
                    "name": "input_layer",
                    "class": "InputLayer",
                    "output_shape": "(None, 12)",
                    "params": 0,
                },
                {
                    "name": "dense_block_1.dense_0",
                    "class": "Dense",
                    "output_shape": "(None, 64)",
                    "params": 832,
                },
                {
                    "name": "classification_head_1.dense",
                    "class": "Dense",
                    "output_shape": "(None, 3)",
                    "params": 195,
                },
            ],
            "total_params": 1027,
        },
    }


class _Rows(html.parser.HTMLParser):
    """Collects the ids and classes of table rows and the tags seen."""

    def __init__(self):
        super().__init__()
        self.rows, self.tags = {}, set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        if tag == "tr" and attrs.get("id"):
            self.rows[attrs["id"]] = attrs.get("class", "").split()


def _rows(page):
    parser = _Rows()
    parser.feed(page)
    return parser


def test_html_lists_every_trial_and_highlights_the_best(results):
    rows = _rows(report.render_html(results)).rows
    ids = [t["trial_id"] for t in results["trials"]]
    assert sorted(rows) == sorted(f"trial-{tid}" for tid in ids)
    assert [r for r, cls in rows.items() if "best" in cls] == ["trial-0003"]


def test_html_shows_summary_origin_messages_and_architecture(results):
    page = report.render_html(results)
    for text in (
        # Trial id "0003" is the fourth trial: people read 1-based numbers.
        "Best configuration — trial 4",
        "0.5200",
        "out of memory at batch 64; retried with 32",
        "diverged: NaN loss at epoch 2",
        "mutated <code>dense_block_1</code>",
        "warm start",
        "classification_head_1.",
        "1,027",
        "2 min 3 s",
        "2 min 3 s / 10 min",
        "5 epochs per trial · seed 0",
    ):
        assert text in page, text


def test_html_escapes_user_strings(results):
    results["trials"][0]["message"] = 'bad "quote" & <b>tag</b>'
    results["trials"][1]["trial_id"] = "<img src=x>"
    page = report.render_html(results)
    assert (
        "<script>" not in page and "<img" not in page and "<b>tag" not in page
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "bad &quot;quote&quot; &amp; &lt;b&gt;tag&lt;/b&gt;" in page


def test_chart_is_valid_svg_with_failed_trials_marked(results):
    page = report.render_html(results)
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    markers = [e for e in root.iter() if "marker" in e.get("class", "")]
    classes = [e.get("class") for e in markers]
    assert len(markers) == len(results["trials"])
    # 0002 failed and 0004 diverged (NaN): both sit in the no-score strip.
    assert classes.count("marker no-score") == 2
    assert classes.count("marker best") == 1
    assert classes.count("marker stopped") == 1
    assert root.find(f"{ns}path[@class='best-so-far']") is not None


def test_best_is_derived_when_not_given(results):
    results["best_trial_id"] = None
    results["objective"]["direction"] = "max"
    rows = _rows(report.render_html(results)).rows
    assert "best" in rows["trial-0000"]


@pytest.mark.parametrize(
    "results",
    [
        {},
        None,
        {"trials": []},
        {"trials": [{"trial_id": "0000"}], "best_model": {"layers": None}},
        {
            "objective": {"name": "val_accuracy", "direction": "max"},
            "best_trial_id": None,
            "trials": [
                {"trial_id": "0000", "status": "FAILED", "message": "OOM"},
                {"trial_id": "0001", "status": "INVALID", "score": None},
            ],
        },
        {
            "trials": [
                {"trial_id": "0000", "status": "COMPLETED", "score": 1.0}
            ]
        },
    ],
)
def test_degenerate_results_render(results):
    page = report.render_html(results)
    markdown = report.render_markdown(results)
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert markdown.startswith("# AutoKeras search report")
    if "<svg" in page:
        ET.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])


def test_all_failed_says_so(results):
    for trial in results["trials"]:
        trial.update(status="FAILED", score=None)
    results["best_trial_id"] = None
    page = report.render_html(results)
    assert "No trial completed." in page
    assert "No trial produced a score." in report.render_markdown(results)


def test_markdown_summary(results):
    markdown = report.render_markdown(results)
    assert "**Best trial 4**: val_loss = 0.5200 (lower is better)" in markdown
    assert "| **4** ★ | mutated: dense_block_1 | 0.5200 |" in markdown
    assert "`&lt;script&gt;alert(1)&lt;/script&gt;`" in markdown
    assert "out of memory at batch 64; retried with 32" in markdown
    assert "7 trials (4 completed, 1 failed, 2 stopped)" in markdown
    assert "in 2 min 3 s, seed 0." in markdown
    assert len(markdown.splitlines()) < 40


def test_write_report_writes_both_files_and_the_artifact_files(
    results, tmp_path
):
    # The local TFX launcher makes every output URI a directory first.
    html_uri = tmp_path / "report_html" / "7"
    html_uri.mkdir(parents=True)
    markdown_uri = tmp_path / "report_markdown" / "7"
    paths = report.write_report(
        results, str(tmp_path / "report"), str(html_uri), str(markdown_uri)
    )
    # No temporary files left, and no v1 mlpipeline-ui-metadata.json.
    assert sorted(os.listdir(tmp_path / "report")) == [
        "report.html",
        "report.md",
    ]
    assert html_uri.is_file() and markdown_uri.is_file()
    with open(paths["html"], encoding="utf-8") as f:
        assert html_uri.read_text(encoding="utf-8") == f.read()
    with open(paths["markdown"], encoding="utf-8") as f:
        assert markdown_uri.read_text(encoding="utf-8") == f.read()
    assert html_uri.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "## Best hyperparameters" in markdown_uri.read_text(
        encoding="utf-8"
    )


def test_write_report_refuses_a_directory_of_files(results, tmp_path):
    taken = tmp_path / "report_html"
    taken.mkdir()
    (taken / "other.txt").write_text("not ours")
    with pytest.raises(ValueError, match="already holds files"):
        report.write_report(results, str(tmp_path / "r"), str(taken))
    assert (taken / "other.txt").read_text() == "not ours"


def test_write_report_on_a_non_local_filesystem(results):
    # TensorFlow's in-process ram:// filesystem stands in for gs://.
    import tensorflow as tf

    root = "ram://report_test"
    paths = report.write_report(
        results,
        f"{root}/tuner_results",
        f"{root}/report_html",
        f"{root}/report_markdown",
    )
    assert sorted(tf.io.gfile.listdir(f"{root}/tuner_results")) == [
        "report.html",
        "report.md",
    ]
    for key in ("html", "html_artifact", "markdown", "markdown_artifact"):
        assert paths[key].startswith("ram://")
        assert not tf.io.gfile.isdir(paths[key])
    with tf.io.gfile.GFile(paths["html_artifact"]) as f:
        assert f.read() == report.render_html(results)
    assert not os.path.exists("ram:"), "wrote to a local ram: directory"
    tf.io.gfile.rmtree(root)


def _png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def _png_pixels_bytes(data):
    """The decompressed (still filtered) image data of all IDAT chunks."""
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(idat)


def _chromium(*args, timeout=90):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser test needs Debian's chromium. "
            "Run the tests through ./dev (its runtime installs chromium), or "
            "`apt-get install chromium fonts-dejavu-core`."
        )
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu"]
        + ["--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars"]
        + list(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _screenshot(page_path, png_path, profile):
    proc = _chromium(
        f"--user-data-dir={profile}",
        f"--screenshot={png_path}",
        "--window-size=1280,2000",
        f"file://{page_path}",
    )
    assert os.path.isfile(png_path), proc.stderr[-2000:]
    with open(png_path, "rb") as f:
        return f.read()


def test_browser_renders_report(results, tmp_path):
    paths = report.write_report(results, str(tmp_path / "out"))
    profile = tmp_path / "profile"
    proc = _chromium(
        f"--user-data-dir={profile}", "--dump-dom", f"file://{paths['html']}"
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = _rows(proc.stdout)
    assert "svg" in dom.tags and "circle" in dom.tags
    assert sorted(dom.rows) == sorted(
        f"trial-{t['trial_id']}" for t in results["trials"]
    )
    assert "best" in dom.rows["trial-0003"]
    assert "Best configuration — trial 4" in proc.stdout

    png = _screenshot(paths["html"], tmp_path / "report.png", profile)
    assert _png_size(png) == (1280, 2000)
    blank_page = tmp_path / "blank.html"
    blank_page.write_text("<html><body></body></html>")
    blank = _screenshot(blank_page, tmp_path / "blank.png", profile)
    assert _png_size(blank) == (1280, 2000)
    # A page with a chart, tables and text compresses far worse than a blank
    # one, and its decompressed rows hold many distinct byte values.
    assert len(png) > 10 * len(blank), (len(png), len(blank))
    assert len(set(_png_pixels_bytes(png))) > 64
    if os.environ.get("AKT_REPORT_SCREENSHOT"):
        shutil.copyfile(
            tmp_path / "report.png", os.environ["AKT_REPORT_SCREENSHOT"]
        )
