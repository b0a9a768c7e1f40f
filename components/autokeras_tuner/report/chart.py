"""The search report's chart: every trial's score in order, as inline SVG.

Knows nothing of the tuner's results: `components.autokeras_tuner.report.page` turns each trial
into a `Point`. Pure Python; the SVG needs no script or stylesheet.
"""

import dataclasses
import html
import math

BLUE, GREEN, AMBER, RED = "#2563eb", "#16a34a", "#d97706", "#dc2626"
WIDTH, HEIGHT = 1100, 330
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 34, 46
# A strip under the plot for trials without a score.
BAND = 26

_LEGEND = (
    (f'<circle cx="6" cy="-4" r="5" fill="{BLUE}"/>', "trial score"),
    (f'<circle cx="6" cy="-4" r="7" fill="{GREEN}"/>', "best trial"),
    (f'<path d="M0 -4h14" stroke="{GREEN}" stroke-width="2"/>', "best so far"),
    (
        f'<circle cx="6" cy="-4" r="5" fill="#fff" stroke="{AMBER}" '
        'stroke-width="2"/>',
        "stopped early",
    ),
    (
        f'<path d="M1 -9l10 10m0 -10l-10 10" stroke="{RED}" '
        'stroke-width="2"/>',
        "failed (no score)",
    ),
)


@dataclasses.dataclass
class Point:
    """One trial on the chart.

    Args:
        score: a finite score, or None for a trial without one.
        tooltip: plain text shown on hover (escaped here).
        stopped: the trial was stopped early (drawn in amber).
        best: the search's best trial (drawn large and green).
    """

    score: float = None
    tooltip: str = ""
    stopped: bool = False
    best: bool = False


def nice_ticks(low, high, count=6):
    """Round values between `low` and `high`, about `count` of them."""
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    ticks = []
    while (first + len(ticks)) * step <= high + step * 1e-9:
        ticks.append(round((first + len(ticks)) * step, 12))
    return ticks


class _Axes:
    """Maps trial index and score to SVG coordinates."""

    def __init__(self, points):
        self.count = max(len(points), 1)
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - BOTTOM - BAND
        scores = [p.score for p in points if p.score is not None]
        low, high = (min(scores), max(scores)) if scores else (0.0, 1.0)
        pad = (high - low) * 0.08 or abs(high) * 0.05 or 0.5
        self.low, self.high = low - pad, high + pad
        self.has_scores = bool(scores)
        self.band_y = TOP + self.plot_h + BAND / 2 + 4

    def x(self, i):
        return LEFT + self.plot_w * (i + 0.5) / self.count

    def y(self, value):
        return TOP + self.plot_h * (self.high - value) / (self.high - self.low)


def score_chart_svg(points, y_label, minimize=True):
    """An SVG of `points` in order, with the best score so far as a step line.

    Args:
        points: a list of `Point`, one a trial, in the order they ran.
        y_label: the objective's name (plain text).
        minimize: whether lower scores are better.
    """
    axes = _Axes(points)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="100%" role="img" class="chart" '
        'aria-label="Score of every trial">'
    ]
    out += _grid(axes, len(points))
    better = "lower" if minimize else "higher"
    out.append(
        f'<text x="{LEFT + axes.plot_w / 2:.1f}" y="{HEIGHT - 6}" '
        'text-anchor="middle">trial (in the order run)</text>'
        f'<text transform="translate(16 {TOP + axes.plot_h / 2:.1f}) '
        f'rotate(-90)" text-anchor="middle">{html.escape(y_label)} '
        f"({better} is better)</text>"
    )
    out.append(_best_so_far(points, axes, minimize))
    out += [_marker(p, axes.x(i), axes) for i, p in enumerate(points)]
    x = LEFT
    for icon, label in _LEGEND:
        out.append(
            f'<g transform="translate({x} 16)">{icon}'
            f'<text x="20" y="0">{label}</text></g>'
        )
        x += 40 + 7 * len(label)
    out.append("</svg>")
    return "".join(out)


def _grid(axes, count):
    out = []
    right = WIDTH - RIGHT
    for tick in nice_ticks(axes.low, axes.high) if axes.has_scores else []:
        y = axes.y(tick)
        out.append(
            f'<line x1="{LEFT}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#eef0f3"/><text x="{LEFT - 8}" y="{y + 4:.1f}" '
            f'text-anchor="end">{tick:.6g}</text>'
        )
    strip = TOP + axes.plot_h + 4
    axis = HEIGHT - BOTTOM
    out.append(
        f'<line x1="{LEFT}" x2="{right}" y1="{strip}" y2="{strip}" '
        'stroke="#d1d5db" stroke-dasharray="4 3"/>'
        f'<text x="{LEFT - 8}" y="{axes.band_y + 4:.1f}" '
        'text-anchor="end">no score</text>'
        f'<line x1="{LEFT}" x2="{right}" y1="{axis}" y2="{axis}" '
        'stroke="#9ca3af"/>'
    )
    step = max(1, math.ceil(count / 25))
    for i in range(0, count, step):
        out.append(
            f'<text x="{axes.x(i):.1f}" y="{axis + 16}" '
            f'text-anchor="middle">{i + 1}</text>'
        )
    return out


def _best_so_far(points, axes, minimize):
    sign = 1 if minimize else -1
    best, parts = None, []
    for i, point in enumerate(points):
        if point.score is None:
            continue
        if best is None:
            parts.append(f"M{axes.x(i):.1f} {axes.y(point.score):.1f}")
            best = point.score
            continue
        parts.append(f"H{axes.x(i):.1f}")
        if sign * point.score < sign * best:
            best = point.score
            parts.append(f"V{axes.y(best):.1f}")
    if not parts:
        return ""
    parts.append(f"H{axes.x(len(points) - 1):.1f}")
    return (
        f'<path class="best-so-far" d="{" ".join(parts)}" fill="none" '
        f'stroke="{GREEN}" stroke-width="2" stroke-opacity=".7"/>'
    )


def _marker(point, x, axes):
    title = f"<title>{html.escape(point.tooltip)}</title>"
    if point.score is None:
        y = axes.band_y
        return (
            f'<path class="marker no-score" d="M{x - 5:.1f} {y - 5:.1f}'
            f'l10 10m0 -10l-10 10" stroke="{AMBER if point.stopped else RED}"'
            f' stroke-width="2.2">{title}</path>'
        )
    if point.best:
        kind, style = "marker best", f'r="8" fill="{GREEN}" stroke="#fff"'
    elif point.stopped:
        kind, style = "marker stopped", f'r="5" fill="#fff" stroke="{AMBER}"'
    else:
        kind, style = "marker", f'r="5" fill="{BLUE}" stroke="none"'
    return (
        f'<circle class="{kind}" cx="{x:.1f}" cy="{axes.y(point.score):.1f}" '
        f'{style} stroke-width="2">{title}</circle>'
    )
