"""The frame every server-rendered page shares: `page(title, body, user, csrf)` and its CSS
(light and dark by the browser's preference, down to 360 px wide, visible focus)."""

from __future__ import annotations

from html import escape

from server.models import User

CSS = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1d2129;--muted:#5b6270;--line:#d9dce3;
--card:#f5f6f9;--accent:#2457c5;--danger:#b3261e;--ok:#1e7a3c}
@media (prefers-color-scheme:dark){:root{--bg:#15171c;--fg:#e6e8ee;--muted:#a3a9b6;
--line:#343844;--card:#1e2129;--accent:#8fb0ff;--danger:#ff8a80;--ok:#7bd88f}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,sans-serif}
header{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center;padding:.6em 1em;
border-bottom:1px solid var(--line)}
header .brand{font-weight:700;margin-right:auto}
header form{margin:0}
main{max-width:60em;margin:0 auto;padding:1em}
a{color:var(--accent)}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:.8em 1em;margin:1em 0}
h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.15em;margin:.2em 0 .6em}
label{display:block;margin:.4em 0}
input,select,button{font:inherit;color:inherit;max-width:100%}
input[type=text],input[type=email],input[type=password],input[type=number],input[type=date],
select{background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:.3em .5em;
width:20em}
input[type=checkbox]{width:1.1em;height:1.1em;vertical-align:middle}
button{background:var(--accent);color:var(--bg);border:0;border-radius:4px;padding:.4em .9em;
cursor:pointer}
button.danger{background:var(--danger)}
button.plain{background:none;color:var(--accent);border:1px solid var(--line)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid var(--line)}
.scroll{overflow-x:auto}
.nowrap{white-space:nowrap}.muted{color:var(--muted)}.error{color:var(--danger)}.ok{color:var(--ok)}
code.secret{display:inline-block;word-break:break-all;background:var(--bg);padding:.2em .4em;
border:1px solid var(--line);border-radius:4px}
.row{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}
@media (max-width:30em){main{padding:.5em}input[type=text],input[type=email],
input[type=password],input[type=number],input[type=date],select{width:100%}
th,td{padding:.25em .3em}.wide{display:none}}
"""


def page(title: str, body: str, user: User | None = None, csrf: str = "") -> str:
    """A whole page: `body` is HTML already escaped; `csrf` the hidden field
    (`server.csrf.field`) for the header's logout form."""
    nav = "<a href='/login'>Sign in</a>"
    if user is not None:
        nav = (f"<span class='muted'>{escape(user.name)}</span><a href='/account'>Account</a>"
               f"<form method='post' action='/logout'>{csrf}"
               f"<button class='plain'>Log out</button></form>")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{escape(title)} - TimeForged</title><style>{CSS}</style></head><body>"
            f"<header><a class='brand' href='/'>TimeForged</a>{nav}</header>"
            f"<main>{body}</main></body></html>")
