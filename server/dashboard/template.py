"""The dashboard's page frame: a skip link, the header, light and dark by the browser's
preference, down to a 360 px wide screen."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

STATIC = "/dashboard/static"  # server.dashboard.routes serves static/ there
STYLE = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1d2330;--muted:#5b6475;--line:#d9dde6;
--card:#f6f7fa;--accent:#3451c7;--focus:#e8590c;--track:#e3e6ee;--heat0:#ebedf0}
@media (prefers-color-scheme:dark){:root{--bg:#12151b;--fg:#e4e7ee;--muted:#a3abbb;
--line:#2d333f;--card:#1a1e26;--accent:#8ea2ff;--focus:#ffa94d;--track:#2d333f;
--heat0:#232833}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
background:var(--bg);color:var(--fg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999em;top:.5em;background:var(--bg);padding:.4em .8em}
.skip:focus{left:.5em}
header,main,footer{max-width:76em;margin:0 auto;padding:.6em 1em}
header{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:center;
border-bottom:1px solid var(--line)}
header h1{font-size:1.15em;margin:0;flex:1 1 auto}
header form{margin:0}
h2{font-size:1.02em;margin:0 0 .5em}
nav.ranges{display:flex;flex-wrap:wrap;gap:.3em;margin:.4em 0}
nav.ranges a{padding:.25em .6em;border:1px solid var(--line);border-radius:1em;
text-decoration:none;color:var(--fg)}
nav.ranges a[aria-current]{background:var(--accent);border-color:var(--accent);color:var(--bg)}
details.controls>summary{cursor:pointer;color:var(--accent);margin:.3em 0}
form.view{display:flex;flex-wrap:wrap;gap:.5em;align-items:end;margin:.6em 0}
form.view label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted);
max-width:100%}
select,input,button{font:inherit;color:var(--fg);background:var(--bg);max-width:100%;
border:1px solid var(--line);border-radius:4px;padding:.25em .4em}
button{background:var(--accent);color:var(--bg);border-color:var(--accent);cursor:pointer}
.chips{display:flex;flex-wrap:wrap;gap:.4em;margin:.3em 0;padding:0;list-style:none}
.chips a{font-size:.85em}
.summary{display:flex;flex-wrap:wrap;gap:1em;align-items:center}
.figure{font-size:1.7em;font-weight:600}
.muted{color:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,21em),1fr));gap:1em;
margin:1em 0}
section.card{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:.8em 1em;min-width:0}
section.wide{grid-column:1/-1}
table{width:100%;border-collapse:collapse;font-size:.92em}
th,td{padding:.2em .3em;text-align:left;vertical-align:middle}
th{font-weight:normal;overflow-wrap:break-word}
tbody th{min-width:4.5em}
thead th{color:var(--muted);font-size:.85em}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.barcell{width:28%}
svg{display:block;max-width:100%;height:auto}
svg text{fill:var(--muted);font-size:11px}
svg .axis{stroke:var(--line)}
svg .none{fill:var(--line)}
div.scroll{overflow-x:auto;direction:rtl}
div.scroll>svg{direction:ltr}
svg.stacked{min-width:34em}
svg.heat{min-width:38em}
svg.bar{width:100%;height:.6em}
svg.bar .track{fill:var(--track)}
svg.bar .fill{fill:var(--accent)}
svg.ring{width:7em}
svg.ring circle{fill:none;stroke-width:10}
svg.ring .track{stroke:var(--track)}
svg.ring .fill{stroke:var(--accent);stroke-linecap:round}
svg.ring text{font-size:18px;fill:var(--fg)}
.legend{display:flex;flex-wrap:wrap;gap:.3em .8em;margin:.4em 0 0;padding:0;list-style:none;
font-size:.85em}
.legend i{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em}
details{margin-top:.5em}
.error{border:1px solid #e03131;color:#e03131;padding:.5em .8em;border-radius:6px}
.tf-uplot{min-height:240px}
.tf-uplot .u-legend{font-size:.85em;text-align:left}
@media (max-width:480px){header,main{padding:.5em .6em}.figure{font-size:1.4em}
td.barcell{width:22%}}
"""


@dataclass(frozen=True)
class Viewer:
    """Who the page is for: their name, and the CSRF field (`server.csrf.field`) of the
    header's logout form."""

    name: str
    csrf: str = ""


def frame(title: str, viewer: Viewer, body: str) -> str:
    """A whole page: `body` (already escaped HTML) under the header."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<meta name='color-scheme' content='light dark'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style><link rel='stylesheet' href='{STATIC}/uplot/uPlot.min.css'>"
        "</head><body>"
        "<a class='skip' href='#main'>Skip to the figures</a>"
        f"<header><h1><a href='/dashboard'>TimeForged</a> · {escape(title)}</h1>"
        f"<span class='muted'>{escape(viewer.name)}</span> <a href='/'>Leaderboard</a> "
        "<a href='/account'>Account</a>"
        f"<form method='post' action='/logout'>{viewer.csrf}<button>Log out</button></form>"
        "</header>"
        f"<main id='main' tabindex='-1'>{body}</main>"
        f"<script src='{STATIC}/uplot/uPlot.iife.min.js' defer></script>"
        f"<script src='{STATIC}/dashboard.js' defer></script></body></html>")
