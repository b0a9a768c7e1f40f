"""The search report: an HTML page and a Markdown summary.

Pure Python apart from file access (`search_space.storage` writes the
files, TFX's fileio prepares an artifact's URI). Everything reads the dict
the tuner writes as `search_results.json` (`search.search_results`); every
key is optional, and a trial may lack anything but its id. The HTML page is
self-contained (inline CSS, an inline SVG chart from
`components.autokeras_tuner.report.chart`, no JavaScript), so it renders
from a file, offline, or in the Kubeflow Pipelines UI (as a system.HTML
artifact).
"""

import html
import os
import unicodedata

from tfx.dsl.io import fileio

from components.autokeras_tuner.report import chart as report_chart
from components.autokeras_tuner.report import results as report_data
from search_space import storage

REPORT_HTML = "report.html"
REPORT_MD = "report.md"

_TITLE = "AutoKeras search report"
_TRIAL_HEADERS = "# trial origin score# status epochs# started# time# params#"

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",
sans-serif;color:#1f2937;background:#f6f7f9;margin:0}
main{max-width:1200px;margin:0 auto;padding:20px 28px 40px}
h1{font-size:24px;margin:0 0 2px}h2{font-size:17px;margin:0 0 10px}
.sub{color:#6b7280;margin:0 0 16px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;
padding:16px 18px;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 16px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;
padding:10px 16px;min-width:110px}
.card.best{border-color:#16a34a;background:#f0fdf4}
.card .k{color:#6b7280;font-size:12px;letter-spacing:.04em;
text-transform:uppercase}.card .v{font-size:18px;font-weight:600}
table{border-collapse:collapse;width:100%}table.kv{width:auto;min-width:50%}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid #eef0f3;
vertical-align:top}th{color:#6b7280;font-weight:600;font-size:12px;
background:#fafafa}td.num,th.num{text-align:right;
font-variant-numeric:tabular-nums}tr.best td{background:#f0fdf4;
font-weight:600}code{font:12.5px ui-monospace,"DejaVu Sans Mono",monospace}
.scope{color:#9ca3af}.msg{color:#b91c1c;font-size:12.5px}
.badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;
font-weight:600;background:#e5e7eb}
.s-completed{background:#dcfce7;color:#166534}
.s-failed,.s-invalid{background:#fee2e2;color:#991b1b}
.s-stopped{background:#fef3c7;color:#92400e}
.s-running{background:#dbeafe;color:#1e40af}
.empty{color:#6b7280;font-style:italic}
svg text{font:12px system-ui,"DejaVu Sans",sans-serif;fill:#4b5563}
"""


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(text):
    """`text` with control characters (terminal escapes, newlines, carriage
    returns, bidi overrides) written as `\\x1b`-style escapes: a column
    name or message shows as it is and cannot act on the terminal that
    prints the Markdown, nor split a table row."""
    return "".join(
        (
            _SHORT_ESCAPES.get(c) or f"\\x{ord(c):02x}"
            if ord(c) < 0x100
            else f"\\u{ord(c):04x}"
            if ord(c) < 0x10000
            else f"\\U{ord(c):08x}"
        )
        if unicodedata.category(c).startswith("C")
        else c
        for c in text
    )


def _esc(value):
    return html.escape(_visible(str(value)), quote=True)


def _scoped(name, sep):
    """Escaped `name` in code, its scope (all before the last `sep`) dim."""
    scope, _, leaf = str(name).rpartition(sep)
    prefix = f'<span class="scope">{_esc(scope + sep)}</span>' if scope else ""
    return f"<code>{prefix}{_esc(leaf)}</code>"


def _origin_html(origin):
    """'mutated: dense_block_1' -> 'mutated' and the sub-module as code."""
    kind, sep, detail = str(origin or "").partition(": ")
    return _esc(kind) + (f" <code>{_esc(detail)}</code>" if sep else "")


def _chart(view):
    """The score chart, one point a trial, hovering shows what it was."""
    points = []
    for trial in view.trials:
        status = report_data.status(trial)
        score = report_data.score(trial)
        tip = (status, report_data.fmt_score(score), trial.get("origin"))
        points.append(
            report_chart.Point(
                score=score if report_data.scored(trial) else None,
                tooltip=f"trial {report_data.number(trial)} · "
                + " · ".join(str(p) for p in tip if p),
                stopped=status == "STOPPED",
                best=trial is view.best,
            )
        )
    return report_chart.score_chart_svg(points, view.objective, view.minimize)


def _cards(view):
    best, budget = view.best or {}, view.budget
    highlight = " best" if view.best else ""
    limit = budget.get("time_limit_seconds")
    time = report_data.fmt_seconds(view.elapsed)
    cards = (
        (
            "best trial",
            report_data.number(best) if view.best else "none",
            highlight,
        ),
        (
            view.objective,
            report_data.score_text(best),
            highlight,
        ),
        (
            "trials",
            f"{len(view.trials)} / {budget.get('max_trials', '?')}",
            "",
        ),
        ("outcome", view.outcome() or "no trials", ""),
        (
            "time",
            f"{time} / {report_data.fmt_seconds(limit)}" if limit else time,
            "",
        ),
    )
    return '<div class="cards">%s</div>' % "".join(
        f'<div class="card{css}"><div class="k">{_esc(key)}</div>'
        f'<div class="v">{_esc(value)}</div></div>'
        for key, value, css in cards
    )


def _table(headers, rows, row_attrs=None, css=""):
    """An HTML table; a header ending in '#' marks a column of numbers."""
    numeric = [h.endswith("#") and len(h) > 1 for h in headers]
    head = "".join(
        f'<th class="num">{_esc(h[:-1])}</th>' if n else f"<th>{_esc(h)}</th>"
        for h, n in zip(headers, numeric)
    )
    body = []
    for i, row in enumerate(rows):
        cells = "".join(
            f'<td class="num">{c}</td>' if n else f"<td>{c}</td>"
            for c, n in zip(row, numeric)
        )
        body.append(f"<tr{row_attrs[i] if row_attrs else ''}>{cells}</tr>")
    return (
        f'<table class="{css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _hyperparameters_html(view):
    values = report_data.as_dict((view.best or {}).get("hyperparameters"))
    if not values:
        return '<p class="empty">No trial completed.</p>'
    rows = [
        (
            _scoped(k, "/"),
            f"<code>{_esc(report_data.fmt_value(values[k]))}</code>",
        )
        for k in sorted(values)
    ]
    return _table(("hyperparameter", "value"), rows, css="kv")


def _trials_html(view):
    if not view.trials:
        return '<p class="empty">No trials ran.</p>'
    starts = [t.get("started_at") for t in view.trials]
    first = min((s for s in starts if report_data.is_number(s)), default=None)
    rows, attrs = [], []
    for i, trial in enumerate(view.trials):
        tid = _esc(trial.get("trial_id", "?"))
        status, best = report_data.status(trial), trial is view.best
        start = "–"
        if report_data.is_number(starts[i]):
            start = "+" + report_data.fmt_seconds(starts[i] - first)
        rows.append(
            (
                str(i + 1),
                ("★ " if best else "")
                + f"<code>{_esc(report_data.number(trial))}</code>",
                _origin_html(trial.get("origin")),
                report_data.score_text(trial),
                f'<span class="badge s-{_esc(status.lower())}">'
                f"{_esc(status)}</span>",
                _esc(trial.get("epochs", "–")),
                start,
                report_data.fmt_seconds(trial.get("seconds")),
                report_data.fmt_int(trial.get("parameter_count")),
                f'<span class="msg">{_esc(trial.get("message") or "")}</span>',
            )
        )
        css = "trial best" if best else "trial"
        attrs.append(f' id="trial-{tid}" class="{css}"')
    return _table(_TRIAL_HEADERS.split() + ["message"], rows, attrs)


def _architecture_html(view):
    layers = [
        report_data.as_dict(layer) for layer in view.model.get("layers") or []
    ]
    if not layers:
        return '<p class="empty">No architecture recorded.</p>'
    rows = [
        (
            _scoped(layer.get("name", "?"), "."),
            _esc(layer.get("class", "")),
            f"<code>{_esc(layer.get('output_shape', ''))}</code>",
            report_data.fmt_int(layer.get("params")),
        )
        for layer in layers
    ]
    total = view.model.get("total_params")
    if total is None:
        total = sum(
            layer.get("params") or 0
            for layer in layers
            if report_data.is_number(layer.get("params"))
        )
    rows.append(
        ("<b>total</b>", "", "", f"<b>{report_data.fmt_int(total)}</b>")
    )
    return _table(("layer", "class", "output shape", "params#"), rows)


def _columns(results):
    columns = report_data.as_dict(results).get("columns")
    if not isinstance(columns, list):
        return []
    return [report_data.as_dict(c) for c in columns if c]


def _columns_html(results):
    columns = _columns(results)
    if not columns:
        return '<p class="empty">No column table recorded.</p>'
    rows = [
        (
            _esc(column.get("name", "")),
            f"<code>{_esc(column.get('key', ''))}</code>",
            _esc(column.get("kind", "")),
            _esc(column.get("reason", "")),
        )
        for column in columns
    ]
    return _table(("column", "model input", "kind", "why"), rows)


def render_html(results):
    """The whole report as one self-contained HTML page (a string)."""
    view = report_data.Results(results)
    empty = '<p class="empty">No trials ran.</p>'
    best = view.best
    best_title = f" — trial {_esc(report_data.number(best))}" if best else ""
    direction = "minimize" if view.minimize else "maximize"
    facts = [f"<code>{_esc(view.objective)}</code>"]
    if view.budget.get("epochs") is not None:
        facts.append(f"{_esc(view.budget['epochs'])} epochs per trial")
    if view.seed is not None:
        facts.append(f"seed {_esc(view.seed)}")
    return "\n".join(
        (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width">',
            f"<title>{_TITLE}</title><style>{_CSS}</style></head>",
            f"<body><main><h1>{_TITLE}</h1>",
            f'<p class="sub">Objective: {direction} {" · ".join(facts)}</p>',
            _cards(view),
            '<section id="chart"><h2>Score of every trial</h2>'
            f"{_chart(view) if view.trials else empty}</section>",
            f'<section id="best"><h2>Best configuration{best_title}</h2>'
            f"{_hyperparameters_html(view)}</section>",
            f'<section id="trials"><h2>Trials</h2>{_trials_html(view)}'
            "</section>",
            '<section id="architecture"><h2>Best model architecture</h2>'
            f"{_architecture_html(view)}</section>",
            '<section id="columns"><h2>Columns</h2>'
            f"{_columns_html(results)}</section>",
            "</main></body></html>\n",
        )
    )


def _md(value):
    """`value` as one Markdown table cell, any HTML in it escaped."""
    text = "" if value is None else str(value)
    # Surrounding whitespace trimmed first; any control character left
    # (a newline inside) is shown escaped, never raw.
    text = html.escape(_visible(text.strip()), quote=False)
    return text.replace("|", "\\|")


def render_markdown(results):
    """A short Markdown summary: best trial, its hyperparameters, all trials."""
    view = report_data.Results(results)
    best = view.best
    better = "lower" if view.minimize else "higher"
    lines = [f"# {_TITLE}", ""]
    if best:
        lines.append(
            f"**Best trial {_md(report_data.number(best))}**: "
            f"{_md(view.objective)} = {report_data.score_text(best)} "
            f"({better} is better)"
        )
    else:
        lines.append("**No trial produced a score.**")
    lines += [
        "",
        f"{len(view.trials)} trials ({view.outcome() or 'none'}) in "
        f"{report_data.fmt_seconds(view.elapsed)}, "
        f"seed {_md(view.seed) or '–'}.",
    ]
    values = report_data.as_dict((best or {}).get("hyperparameters"))
    if values:
        lines += ["", "## Best hyperparameters", ""]
        lines += ["| hyperparameter | value |", "|---|---|"]
        for key in sorted(values):
            value = _md(report_data.fmt_value(values[key]))
            lines.append(f"| `{_md(key)}` | `{value}` |")
    if view.trials:
        lines += ["", "## Trials", ""]
        lines += ["| trial | origin | score | status | time | note |"]
        lines += ["|---|---|---:|---|---:|---|"]
    for trial in view.trials:
        tid = _md(report_data.number(trial))
        lines.append(
            f"| {f'**{tid}** ★' if trial is best else tid} "
            f"| {_md(trial.get('origin'))} | {report_data.score_text(trial)} "
            f"| {report_data.status(trial)} "
            f"| {report_data.fmt_seconds(trial.get('seconds'))} "
            f"| {_md(trial.get('message'))} |"
        )
    columns = _columns(results)
    if columns:
        lines += ["", "## Columns", "", "| column | kind | why |"]
        lines += ["|---|---|---|"]
        for column in columns:
            lines.append(
                f"| {_md(column.get('name'))} | {_md(column.get('kind'))} "
                f"| {_md(column.get('reason'))} |"
            )
    return "\n".join(lines) + "\n"


def _write_at_uri(uri, text):
    """Writes the file AT an artifact's URI: KFP 2's UI shows a system.HTML
    or system.Markdown artifact by reading the file at its URI. TFX's local
    launcher makes every output URI a directory first; an empty one is
    replaced by the file."""
    if fileio.isdir(uri):
        if fileio.listdir(uri):
            raise ValueError(
                f"Cannot write the report at {uri}: it is a directory that "
                "already holds files."
            )
        fileio.rmtree(uri)
    parent = os.path.dirname(uri.rstrip("/"))
    if parent:
        fileio.makedirs(parent)
    storage.write_text_atomically(uri, text)


def write_report(results, output_dir, html_uri=None, markdown_uri=None):
    """Writes report.html and report.md into `output_dir` and, when given,
    the same page at `html_uri` and summary at `markdown_uri` (the tuner's
    system.HTML and system.Markdown artifacts).

    Each file goes to a temporary file renamed into place, so a reader never
    sees half a report. Returns the paths, keyed "html", "markdown" (and
    "html_artifact", "markdown_artifact").
    """
    fileio.makedirs(output_dir)
    page, summary = render_html(results), render_markdown(results)
    paths = {}
    for key, name, text in (
        ("html", REPORT_HTML, page),
        ("markdown", REPORT_MD, summary),
    ):
        paths[key] = os.path.join(output_dir, name)
        storage.write_text_atomically(paths[key], text)
    for key, uri, text in (
        ("html_artifact", html_uri, page),
        ("markdown_artifact", markdown_uri, summary),
    ):
        if uri:
            _write_at_uri(uri, text)
            paths[key] = uri
    return paths
