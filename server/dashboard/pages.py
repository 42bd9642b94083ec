"""The dashboard's HTML: every view is a URL (range and filters in the query string), every
control a real link or form, every figure written beside its chart with its seconds in
`data-seconds` (what the tests read). Everything shown is escaped."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from html import escape
from urllib.parse import quote, urlencode

from server.dashboard import charts
from server.dashboard.queries import RANGES, Board, ProjectBoard, View
from server.dashboard.template import Viewer, frame
from server.reports import FILTERS

FILTER_LABELS = {"project": "Project", "language": "Language", "editor": "Editor",
                 "os": "Operating system", "machine": "Machine", "branch": "Branch"}
LIST_TITLES = {"projects": "Projects", "languages": "Languages", "editors": "Editors",
               "operating_systems": "Operating systems", "machines": "Machines",
               "branches": "Branches", "sites": "Sites (browsing)", "categories": "Categories",
               "entities": "Files"}
WEEKLY_AFTER = 62  # longer ranges chart weeks instead of days
TABLE_ROWS = 10  # rows of a list shown before "more"
MAX_ROWS = 60  # rows of a list written at all; the rest in one line


def a(value: str) -> str:
    """An attribute value, quoted."""
    return "'" + escape(value, quote=True) + "'"


def query(view: View, **changes: str | None) -> str:
    """The view's query string with `changes` (None drops a parameter)."""
    params: dict[str, str] = {"range": view.range}
    if view.range == "custom":
        params.update({"from": view.first.isoformat(), "to": view.last.isoformat()})
    params.update(view.filters)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    if params.get("range") != "custom":
        params.pop("from", None)
        params.pop("to", None)
    return urlencode(params)


def seconds(value: float) -> str:
    return f"{value:.3f}"


def _ranges(view: View, path: str) -> str:
    links = "".join(
        f"<a href={a(f'{path}?{query(view, range=key)}')}"
        f"{' aria-current=page' if key == view.range else ''}>{label}</a>"
        for key, label in RANGES.items() if key != "custom")
    return f"<nav class='ranges' aria-label='Range'>{links}</nav>"


def _form(view: View, path: str, choices: Mapping[str, Sequence[str]],
          fixed: Sequence[str] = ()) -> str:
    """The range and filter form (GET: its answer is a URL too); `fixed` filters are not
    offered (the project page's project)."""
    options = "".join(f"<option value={a(k)}{' selected' if k == view.range else ''}>{v}"
                      "</option>" for k, v in RANGES.items())
    custom = view.range == "custom"
    shown = custom or any(k not in fixed for k in view.filters)
    parts = [f"<details class='controls'{' open' if shown else ''}><summary>Custom range and "
             f"filters</summary><form class='view' method='get' action={a(path)}>",
             f"<label>Range<select name='range'>{options}</select></label>",
             f"<label>From<input type='date' name='from' value={a(view.first.isoformat())}>"
             "</label>",
             f"<label>To<input type='date' name='to' value={a(view.last.isoformat())}></label>"]
    for key in FILTERS:
        if key in fixed:
            continue
        current = view.filters.get(key, "")
        names = list(choices.get(key, ()))
        if current and current not in names:
            names.insert(0, current)
        opts = "".join(f"<option{' selected' if n == current else ''}>{escape(n)}</option>"
                       for n in names)
        parts.append(f"<label>{FILTER_LABELS[key]}<select name={a(key)} id={a('f-' + key)}>"
                     f"<option value=''>All</option>{opts}</select></label>")
    parts.append("<button>Show</button></form><p class='muted'>From and To are read with "
                 "the range Custom.</p></details>")
    chips = "".join(
        f"<li>{FILTER_LABELS[k]}: <b>{escape(v)}</b> "
        f"<a href={a(f'{path}?{query(view, **{k: None})}')}>remove<span class='muted'>"
        f" the {FILTER_LABELS[k].lower()} filter</span></a></li>"
        for k, v in view.filters.items() if k not in fixed)
    if chips:
        parts.append(f"<ul class='chips' aria-label='Filters'>{chips}</ul>")
    return "".join(parts)


def _columns(days: Sequence[tuple[date, float, Mapping[str, float]]]
             ) -> tuple[list[tuple[str, str, float, dict[str, float]]], str]:
    """The stacked chart's columns (tick, name, total, categories): days, or weeks (from
    Monday) for long ranges."""
    if len(days) <= WEEKLY_AFTER:
        return [(d.strftime("%a" if len(days) <= 7 else "%b %-d"), d.strftime("%a %b %-d"), t,
                 dict(c)) for d, t, c in days], "day"
    weeks: dict[date, tuple[float, dict[str, float]]] = {}
    for d, t, cats in days:
        monday = d - timedelta(days=d.weekday())
        total, acc = weeks.get(monday, (0.0, {}))
        for cat, secs in cats.items():
            acc[cat] = acc.get(cat, 0.0) + secs
        weeks[monday] = (total + t, acc)
    return [(m.strftime("%b %-d"), f"Week of {m.strftime('%b %-d')}", t, c)
            for m, (t, c) in weeks.items()], "week"


def _per_day(days: Sequence[tuple[date, float, Mapping[str, float]]],
             categories: Sequence[tuple[str, float]]) -> str:
    columns, unit = _columns(days)
    colour = charts.colours([n for n, _ in categories])
    legend = "".join(f"<li><i style='background:{colour[n]}'></i>{escape(n)}</li>"
                     for n, _ in categories)
    rows = "".join(f"<tr data-seconds={a(seconds(t))}><th scope='row'>{escape(name)}</th>"
                   f"<td class='num'>{charts.text(t)}</td></tr>" for _, name, t, _ in columns)
    title = f"Time per {unit}, by category"
    data = json.dumps({
        "unit": unit.title(), "labels": [name for _, name, _, _ in columns],
        "ticks": [tick for tick, _, _, _ in columns],
        "categories": [{"name": n, "colour": colour[n],
                        "values": [round(c.get(n, 0.0), 3) for _, _, _, c in columns]}
                       for n, _ in categories]}).replace("<", "\\u003c")
    return (f"<section class='card wide' aria-labelledby='h-days'><h2 id='h-days'>{title}</h2>"
            f"<div class='scroll'>{charts.stacked(columns, colour, title)}</div>"
            f"<script type='application/json' id='tf-days-json'>{data}</script>"
            f"<ul class='legend'>{legend}</ul>"
            f"<details><summary>The figures per {unit}</summary><table data-list='{unit}s'>"
            f"<thead><tr><th>{unit.title()}</th><th>Time</th></tr></thead><tbody>{rows}"
            "</tbody></table></details></section>")


def _list(name: str, items: Sequence[tuple[str, float]], total: float,
          link: Callable[[str], str] | None = None) -> str:
    """A list as a table: name, bar, time, share; past TABLE_ROWS rows behind "more"."""
    top = items[0][1] if items else 1.0

    def row(n: str, s: float) -> str:
        label = escape(n) if link is None else f"<a href={a(link(n))}>{escape(n)}</a>"
        share = 100 * s / total if total else 0.0
        return (f"<tr data-name={a(n)} data-seconds={a(seconds(s))}><th scope='row'>{label}"
                f"</th><td class='barcell'>{charts.bar(s / top)}</td><td class='num'>"
                f"{charts.text(s)}</td><td class='num'>{share:.1f}%</td></tr>")

    head = "<thead><tr><th>Name</th><th><span class='muted'>Chart</span></th><th>Time</th>" \
        "<th>Share</th></tr></thead>"
    shown = "".join(row(n, s) for n, s in items[:TABLE_ROWS])
    more = "".join(row(n, s) for n, s in items[TABLE_ROWS:MAX_ROWS])
    body = f"<table data-list={a(name)}>{head}<tbody>{shown}</tbody></table>" if items else \
        "<p class='muted'>No time here.</p>"
    if more:
        body += (f"<details><summary>{min(len(items), MAX_ROWS) - TABLE_ROWS} more</summary>"
                 f"<table data-list={a(name)}><tbody>{more}</tbody></table></details>")
    if len(items) > MAX_ROWS:
        rest = items[MAX_ROWS:]
        body += (f"<p class='muted' data-more={a(str(len(rest)))} data-seconds="
                 f"{a(seconds(sum(s for _, s in rest)))}>and {len(rest)} more: "
                 f"{charts.text(sum(s for _, s in rest))}</p>")
    return (f"<section class='card' aria-labelledby={a('h-' + name)}><h2 id={a('h-' + name)}>"
            f"{LIST_TITLES[name]}</h2>{body}</section>")


def _dates(view: View) -> str:
    return (f"<time id='tf-first' datetime={a(view.first.isoformat())}>{view.first.isoformat()}"
            f"</time> to <time id='tf-last' datetime={a(view.last.isoformat())}>"
            f"{view.last.isoformat()}</time>")


def _summary(board: Board) -> str:
    view = board.view
    days = (view.last - view.first).days + 1
    active = sum(1 for _, t, _ in board.days if t > 0)
    average = board.total / active if active else 0.0
    goal = (f"{charts.text(board.today_seconds)} of {charts.text(board.goal_seconds)}"
            if board.goal_seconds else f"{charts.text(board.today_seconds)} (no daily goal set)")
    unit = "day" if board.streak == 1 else "days"
    return (
        "<section class='card wide summary' aria-label='Totals'>"
        f"<div><div class='muted'>{escape(RANGES[view.range])}: {_dates(view)} "
        f"({days} {'day' if days == 1 else 'days'})</div>"
        f"<div class='figure' id='tf-total' data-seconds={a(seconds(board.total))}>"
        f"{charts.text(board.total)}</div>"
        f"<div class='muted'>daily average <span id='tf-average' "
        f"data-seconds={a(seconds(average))}>{charts.text(average)}</span> over {active} "
        f"active {'day' if active == 1 else 'days'}</div></div>"
        f"{charts.ring(board.today_seconds, board.goal_seconds)}"
        f"<div><div class='muted'>Daily goal, today</div><div id='tf-goal' "
        f"data-seconds={a(seconds(board.today_seconds))}>{goal}</div>"
        f"<div class='muted'>Streak</div><div class='figure' id='tf-streak' "
        f"data-days='{board.streak}'>{board.streak} {unit}</div></div></section>")


def _heat(board: Board) -> str:
    active = [s for s in board.heat.values() if s > 0]
    busiest = max(board.heat.items(), key=lambda kv: kv[1], default=None)
    note = (f"{len(active)} {'day' if len(active) == 1 else 'days'} with time, "
            f"{charts.text(sum(active))} in all; busiest "
            f"{busiest[0].isoformat()} ({charts.text(busiest[1])})" if busiest else
            "No time in these weeks.")
    return (f"<section class='card wide' aria-labelledby='h-heat'><h2 id='h-heat'>The year, "
            f"day by day</h2><div class='scroll'>"
            f"{charts.heatmap(board.heat, board.heat_first, board.view.last)}</div>"
            f"<p class='muted' id='tf-heat' data-seconds={a(seconds(sum(active)))}>{note}</p>"
            "</section>")


def dashboard(board: Board, viewer: Viewer) -> str:
    view = board.view
    path = "/dashboard"
    body = [_ranges(view, path), _form(view, path, board.choices),
            "<div class='grid'>", _summary(board),
            _per_day(board.days, board.lists["categories"])]
    def link(name: str) -> str:
        return f"/dashboard/project/{quote(name, safe='')}?{query(view, project=None)}"

    for name, items in board.lists.items():
        body.append(_list(name, items, board.total, link if name == "projects" else None))
    body.append(_heat(board))
    body.append("</div>")
    return frame("Dashboard", viewer, "".join(body))


def project(board: ProjectBoard, commits: Sequence[dict], viewer: Viewer) -> str:
    view = board.view
    path = f"/dashboard/project/{quote(board.name, safe='')}"
    back = f"/dashboard?{query(view)}"
    body = [f"<p><a href={a(back)}>← All projects</a></p>",
            _ranges(view, path),
            _form(view, path, {}, fixed=("project",)), "<div class='grid'>",
            f"<section class='card wide summary' aria-label='Total'><div><div class='muted'>"
            f"{escape(RANGES[view.range])}: {_dates(view)}</div><div class='figure' id='tf-total' "
            f"data-seconds={a(seconds(board.total))}>{charts.text(board.total)}</div></div>"
            "</section>",
            _per_day(board.days, _categories(board.days))]
    for name, items in board.lists.items():
        body.append(_list(name, items, board.total))
    body.append(_commits(commits))
    body.append("</div>")
    return frame(f"Project {board.name}", viewer, "".join(body))


def _categories(days: Sequence[tuple[date, float, Mapping[str, float]]]
                ) -> list[tuple[str, float]]:
    acc: dict[str, float] = {}
    for _, _, cats in days:
        for cat, secs in cats.items():
            acc[cat] = acc.get(cat, 0.0) + secs
    return sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))


def _commits(commits: Sequence[dict]) -> str:
    rows = "".join(
        f"<tr data-seconds={a(seconds(c['total_seconds']))}><td><code>"
        f"{escape(c['commit'][:8])}</code></td><th scope='row'>{escape(c['subject'])}</th>"
        f"<td>{escape(c['branch'] or '')}</td><td class='num'>{escape(c['authored'][:16])}"
        f"</td><td class='num'>{charts.text(c['total_seconds'])}</td></tr>"
        for c in commits[:200])
    body = (f"<table data-list='commits'><thead><tr><th>Commit</th><th>Subject</th><th>Branch"
            f"</th><th>When</th><th>Coding time</th></tr></thead><tbody>{rows}</tbody></table>"
            if commits else "<p class='muted'>No commits in this range (desktops push the "
            "commits of their repositories).</p>")
    return (f"<section class='card wide' aria-labelledby='h-commits'><h2 id='h-commits'>"
            f"Commits</h2>{body}</section>")


def error(message: str, viewer: Viewer) -> str:
    return frame("Dashboard", viewer,
                 f"<p class='error' role='alert'>{escape(message)}</p>"
                 "<p><a href='/dashboard'>Back to the last 7 days</a></p>")
