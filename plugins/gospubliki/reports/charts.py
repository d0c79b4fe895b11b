"""The region report's charts (plotly), as HTML fragments for ``templates/region.html``.

Every label is Russian and every number on a bar is written by :mod:`.formatting` (thin-space
digit groups, «тыс.» / «млн»); the axes use the same separators (``layout.separators``). The
figures have a fixed width so that the page and its PDF (A4 landscape) look the same; plotly.js
itself is inlined once by the page, not by each fragment.
"""

from __future__ import annotations

import plotly.graph_objects as go
from markupsafe import Markup
from plotly.subplots import make_subplots

from gospubliki.reports import formatting

WIDTH = 1000
COLORS = {
    "created": "#1F6FB2",
    "to_create": "#F39C12",
    "subscribers": "#1F6FB2",
    "posts": "#26A69A",
    "green": "#2E7D32",
    "yellow": "#F9A825",
    "red": "#C62828",
    "no_data": "#9E9E9E",
}
COMPLIANCE = (("green", "зелёный"), ("yellow", "жёлтый"), ("red", "красный"), ("no_data", "нет данных"))
CONFIG = {"displayModeBar": False, "responsive": False, "staticPlot": False}


def _layout(fig: go.Figure, rows: int, counts: bool = True, **extra) -> go.Figure:
    fig.update_layout(
        width=WIDTH,
        height=110 + 30 * max(rows, 1),
        margin=dict(l=10, r=30, t=50, b=40),
        font=dict(family="DejaVu Sans, Arial, sans-serif", size=13, color="#1c2733"),
        separators=f",{formatting.THIN}",
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom", traceorder="normal"),
        bargap=0.28,
        **extra,
    )
    fig.update_xaxes(gridcolor="#E3E8EF", exponentformat="none", separatethousands=True, rangemode="tozero")
    if counts:  # whole numbers only: no «0,5 учреждения» ticks on a small axis
        fig.update_xaxes(tickformat=",d", dtick=1 if _longest(fig) <= 8 else None)
    fig.update_yaxes(autorange="reversed", automargin=True)  # the first row on top, like the tables
    return fig


def _longest(fig: go.Figure) -> float:
    """The longest bar (stacked: the longest stack) of a figure."""
    totals: dict = {}
    for trace in fig.data:
        for y, x in zip(trace.y, trace.x, strict=True):
            key = (trace.xaxis, y) if fig.layout.barmode == "stack" else (trace.xaxis, trace.name, y)
            totals[key] = totals.get(key, 0) + (x or 0)
    return max(totals.values(), default=0)


def _labels(values, fmt=formatting.integer) -> list[str]:
    """Bar labels; a zero-width bar gets none."""
    return [fmt(v) if v else "" for v in values]


def _bar(name: str, y: list[str], x: list, color: str, fmt=formatting.integer, **kw) -> go.Bar:
    return go.Bar(
        name=name,
        y=y,
        x=x,
        orientation="h",
        marker_color=color,
        text=_labels(x, fmt),
        textposition=kw.pop("textposition", "inside"),
        insidetextanchor="middle",
        customdata=[fmt(v) for v in x],
        hovertemplate=f"%{{y}} — {name.lower()}: %{{customdata}}<extra></extra>",
        cliponaxis=False,
        **kw,
    )


def sectors(rows) -> go.Figure:
    """Coverage by sector: «создано» and «создать» as stacked bars of institutions."""
    y = [r["sector_label"] for r in rows]
    fig = go.Figure(
        [
            _bar("Создано", y, [r["created_institutions"] for r in rows], COLORS["created"]),
            _bar("Создать", y, [r["to_create_institutions"] for r in rows], COLORS["to_create"]),
        ]
    )
    return _layout(fig, len(rows), barmode="stack", xaxis_title="Учреждений, обязанных вести госпаблик")


def municipalities(rows) -> go.Figure:
    """Audience and activity per municipality: subscribers and posts a week, side by side."""
    y = [r["municipality_display_name"] for r in rows]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.06,
        column_widths=[0.6, 0.4],
        subplot_titles=("Подписчики", "Публикации за неделю"),
    )
    subscribers = [r["subscribers"] for r in rows]
    posts = [r["posts_per_week"] for r in rows]
    fig.add_trace(
        _bar("Подписчики", y, subscribers, COLORS["subscribers"], formatting.compact, textposition="auto"), 1, 1
    )
    fig.add_trace(_bar("Публикации", y, posts, COLORS["posts"], textposition="auto"), 1, 2)
    # subscribers need no whole-number ticks; posts do, but a shared dtick would not suit both axes
    fig.update_xaxes(tickformat=",d", col=2)
    return _layout(fig, len(rows), counts=False, showlegend=False)


def compliance(rows) -> go.Figure:
    """The «светофор»: pages per status in each sector."""
    y = [r["sector_label"] for r in rows]
    fig = go.Figure([_bar(label.capitalize(), y, [r[s] for r in rows], COLORS[s]) for s, label in COMPLIANCE])
    return _layout(fig, len(rows), barmode="stack", xaxis_title="Страниц")


def _html(fig: go.Figure, name: str) -> Markup:
    return Markup(
        fig.to_html(full_html=False, include_plotlyjs=False, config=CONFIG, div_id=f"chart-{name}")
    )


def render_all(report) -> dict[str, Markup]:
    """Chart name → HTML fragment, for the views that have rows."""
    views = {
        "sectors": (sectors, report.sectors),
        "municipalities": (municipalities, report.municipalities),
        "compliance": (compliance, report.compliance),
    }
    return {name: _html(build(rows), name) for name, (build, rows) in views.items() if rows}
