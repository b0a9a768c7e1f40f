"""Safe to paste, safe to print (issue 26, point 6).

Every command and path the run prints is one shell word per argument:
each printed command line is pasted into a real `bash` with hostile names
(`$(touch PWNED)`, backticks, quotes, `;`, newlines, spaces, unicode) and
must run only the command shown, with the exact names. Control characters
(terminal escapes, OSC 52, newlines, carriage returns) in names and values
are escaped on the console, in the report and in our log lines.
"""

import gzip
import io
import json
import logging
import os
import stat
import subprocess
import sys
import urllib.parse

import pytest

from pipelines import console
from pipelines import progress
from pipelines import run_summary

HOSTILE = [
    "$(touch PWNED)",
    "`touch PWNED`",
    "it's",
    'say "hi"',
    "a; touch PWNED",
    "two\nlines",
    "back\rwards",
    "with spaces",
    "ünïcødé 数据",
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;dG91Y2ggUFdORUQ=\x07",
    "\\$HOME",
]
# Raw control characters a terminal acts on: none may be printed.
RAW = ("\x1b", "\x07", "\r", "\x00")


def _bash(line, cwd, env=None):
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", line],
        cwd=cwd,
        env=env,
        capture_output=True,
        check=True,
    )


@pytest.mark.parametrize("name", HOSTILE)
def test_each_quoted_word_reaches_bash_exactly(name, tmp_path):
    word = console.shell_quote(name)
    assert "\n" not in word and not any(c in word for c in RAW)
    # printf's NUL after each argument marks where bash split the words.
    out = _bash(f"printf '%s\\0' {word} {word}", tmp_path).stdout
    assert out.decode("utf-8").split("\0")[:-1] == [name, name]
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("name", HOSTILE)
def test_printable_escapes_control_characters(name):
    shown = console.printable(name)
    assert "\n" not in shown and not any(c in shown for c in RAW)
    # Text without control characters is shown as it is.
    assert console.printable("ünïcødé $(x) 'q'") == "ünïcødé $(x) 'q'"


def _fake_commands(bin_dir, record):
    """`saved_model_cli`, `tensorboard` and `python3` stand-ins that
    write the arguments they got to `record`, one JSON list per call."""
    bin_dir.mkdir()
    for name in ("saved_model_cli", "tensorboard", "python3"):
        path = bin_dir / name
        path.write_text(
            f"#!{sys.executable}\n"
            "import json, sys\n"
            f"with open({str(record)!r}, 'a') as f:\n"
            "    f.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        )
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _command(line):
    """The command a summary line shows (after its label, before any
    `, then open ...` advice)."""
    command = line.split(":", 1)[1].strip()
    return command.split(", then open ")[0]


def _paste_summary_lines(text, tmp_path):
    """Pastes each command line of a summary into bash; returns the
    argument lists the fake commands received, in line order."""
    record = tmp_path / "argv.jsonl"
    bin_dir = tmp_path / "bin"
    _fake_commands(bin_dir, record)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin"}
    work = tmp_path / "paste"
    work.mkdir()
    pasted = 0
    for line in text.splitlines():
        if line.strip().startswith(
            ("call it:", "search report:", "TensorBoard:")
        ):
            _bash(_command(line), work, env)
            pasted += 1
    assert pasted == 3
    assert not list(work.iterdir()), "a pasted line created a file"
    assert not (tmp_path / "PWNED").exists()
    return [json.loads(x) for x in record.read_text().splitlines()]


def _hostile_summary(root, request):
    return {
        "blessed": True,
        "blessing_reasons": ["\x1b[2Jcleared: accuracy 1.0"],
        "pushed": True,
        "pushed_model": str(root / "serving model" / "$(touch PWNED)"),
        "example_request": request,
        "report": str(root / 'it\'s `x`; "r"' / "report.html"),
        "tensorboard_logdir": str(root / "ünï\nlogs $(touch PWNED)"),
        "log_path": str(root / "log\x1b]52;c;eA==\x07.log"),
        "metrics": {"\x1b[31mlabel/accuracy": 0.5},
    }


def test_pasted_summary_lines_run_only_what_they_show(tmp_path):
    request = "examples=" + json.dumps(
        [{name: [name] for name in HOSTILE[:6]}], separators=(",", ":")
    )
    summary = _hostile_summary(tmp_path, request)
    text = run_summary.format_summary(summary)
    assert not any(c in text for c in RAW), "a raw control character"
    calls = _paste_summary_lines(text, tmp_path)
    assert calls[0] == [
        "run",
        "--dir",
        summary["pushed_model"],
        "--tag_set",
        "serve",
        "--signature_def",
        "serving_default",
        "--input_examples",
        request,
    ]
    assert calls[1][:2] == ["-m", "webbrowser"]
    uri = urllib.parse.urlparse(calls[1][2])
    assert uri.scheme == "file"
    assert urllib.parse.unquote(uri.path) == summary["report"]
    assert calls[2] == [
        "--logdir",
        summary["tensorboard_logdir"],
        "--port",
        "6006",
    ]
    # The paths that are not commands are single shell words too.
    assert (
        f"pushed model:   {console.shell_quote(summary['pushed_model'])}"
        in (text)
    )
    assert console.shell_quote(summary["log_path"]) in text


def test_example_request_from_real_examples_survives_the_paste(tmp_path):
    """The real path: `example_request` reads a gzipped TFRecord of
    tf.Examples whose column names and values are hostile; the `call it:`
    line built from it hands saved_model_cli exactly those."""
    import tensorflow as tf

    names = HOSTILE[:9]
    example = tf.train.Example()
    for name in names:
        example.features.feature[name].bytes_list.value.append(
            name.encode("utf-8")
        )
    split = tmp_path / "examples" / "Split-eval"
    split.mkdir(parents=True)
    # ExampleGen's layout: gzip-compressed TFRecord files per split.
    plain = tmp_path / "plain.tfrecord"
    with tf.io.TFRecordWriter(str(plain)) as writer:
        writer.write(example.SerializeToString())
    with gzip.open(split / "data.gz", "wb") as f:
        f.write(plain.read_bytes())
    columns = [{"name": n, "kind": "categorical"} for n in names]
    request = run_summary.example_request(
        str(tmp_path / "examples"), columns, limit=len(names)
    )
    assert request is not None
    sent = json.loads(request.removeprefix("examples="))
    assert sent == [{n: [n] for n in names}]
    calls = _paste_summary_lines(
        run_summary.format_summary(_hostile_summary(tmp_path, request)),
        tmp_path,
    )
    assert calls[0][-1] == request


def test_blessed_but_not_pushed_reads_as_a_failed_push():
    text = run_summary.format_summary(
        {"blessed": True, "pushed": False, "pushed_model": None}
    )
    assert "pushed model:   none (the push failed" in text
    assert "not blessed" not in text


def test_progress_lines_show_control_characters_escaped():
    stream = io.StringIO()
    handler = progress.ProgressHandler(["A"], stream=stream, live=False)
    for name in HOSTILE:
        handler.handle(
            logging.LogRecord(
                "autokeras_tfx.feature_kinds",
                logging.INFO,
                __file__,
                1,
                "  %s: categorical",
                (name,),
                None,
            )
        )
    handler.close()
    shown = stream.getvalue()
    assert not any(c in shown for c in RAW)
    # One line per record: a newline in a name does not start a new line.
    assert shown.count("\n") == len(HOSTILE)
    assert "\\x1b[31mred" in shown and "two\\nlines" in shown


def test_our_log_records_are_escaped_in_the_log_file():
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.addFilter(progress.EscapeControlFilter())
    ours = logging.getLogger("autokeras_tfx.test_safe_output")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    try:
        ours.info("column %s", "x\x1b]52;c;eA==\x07\nforged line")
    finally:
        ours.removeHandler(handler)
    assert log.getvalue() == "column x\\x1b]52;c;eA==\\x07\\nforged line\n"


def test_report_shows_control_characters_escaped():
    from components.autokeras_tuner.report import page

    results = {
        "trials": [
            {
                "trial_id": "0",
                "score": 0.5,
                "status": "COMPLETED",
                "message": "bad\x1b[31m\rvalue",
            }
        ],
        "best_trial_id": "0",
        "columns": [
            {
                "name": name,
                "key": name,
                "kind": "categorical",
                "reason": name,
            }
            for name in HOSTILE
        ],
    }
    for text in (page.render_html(results), page.render_markdown(results)):
        assert not any(c in text for c in RAW)
        assert "\\x1b]52;c;" in text and "two\\nlines" in text
    markdown = page.render_markdown(results)
    rows = [x for x in markdown.splitlines() if x.startswith("| ")]
    # Each column still has exactly one row of the columns table.
    assert sum("| categorical |" in row for row in rows) == len(HOSTILE)


def test_summary_code_path_uses_the_quoting(tmp_path, monkeypatch):
    """`cli._summarize` (what a run prints) goes through format_summary's
    quoting: a pushed model under an --output with spaces and `$(...)`."""
    from pipelines import cli

    root = tmp_path / "out $(touch PWNED)"
    summary = {
        "blessed": True,
        "pushed": True,
        "pushed_model": str(root / "serving_model" / "1"),
        "stage_seconds": {},
    }
    monkeypatch.setattr(run_summary, "summarize", lambda path: dict(summary))
    said = []

    class FakeConsole:
        log_path = str(root / "run.log")

    cli._summarize(
        {"pipeline_dir": str(root), "metadata_path": "unused"},
        {},
        1.0,
        FakeConsole(),
        said.append,
    )
    text = "\n".join(said)
    assert console.shell_quote(summary["pushed_model"]) in text
    assert console.shell_quote(FakeConsole.log_path) in text
