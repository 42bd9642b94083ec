"""The web dashboard in a real headless Chromium (DevTools protocol): log in with the key at
/, follow the link to the dashboard, switch every range by its link and every filter by the
form, read the figures from the DOM and compare them to /summaries for the same days and
filters. Then screenshots at 1366x768 and 360x740, light and dark (into
$TIMEFORGED_SCREENSHOTS when set, as docs/screenshots/ keeps them)."""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from server.dashboard.queries import RANGES
from tests.devtools import Chromium, chromium_binary, wait_for
from tests.server.conftest import user_with_key
from tests.server.dashboard_data import api_figures, assert_same, fill

pytestmark = pytest.mark.skipif(chromium_binary() is None, reason="chromium is not installed")
FILTERS = ("project", "language", "editor", "os", "machine", "branch")

# What the page shows, read from the DOM as a reader's browser has it.
READ = f"""(() => {{
  const lists = {{}};
  document.querySelectorAll('table[data-list]').forEach(t => {{
    const into = lists[t.dataset.list] = lists[t.dataset.list] || {{}};
    t.querySelectorAll('tr[data-name]').forEach(r => {{
      into[r.dataset.name] = parseFloat(r.dataset.seconds); }});
  }});
  const periods = document.querySelector('table[data-list=days], table[data-list=weeks]');
  return JSON.stringify({{
    first: document.getElementById('tf-first').getAttribute('datetime'),
    last: document.getElementById('tf-last').getAttribute('datetime'),
    total: parseFloat(document.getElementById('tf-total').dataset.seconds),
    unit: periods.dataset.list,
    periods: [...periods.querySelectorAll('tbody tr')].map(r => parseFloat(r.dataset.seconds)),
    lists: lists, url: location.href,
    filters: Object.fromEntries({json.dumps(FILTERS)}.map(f => [f, (document.querySelector(
      'select[name=' + f + ']') || {{}}).value]).filter(kv => kv[1]))}});
}})()"""


def _act(browser: Chromium, page: str, script: str) -> dict:
    """Mark the current document, run `script` (a click or a submit), wait for the next
    document, read its figures."""
    browser.evaluate(page, "document.body.dataset.old = '1'")
    browser.evaluate(page, script)
    wait_for(lambda: browser.evaluate(
        page, "document.readyState === 'complete' && !!document.body "
              "&& !document.body.dataset.old && !!document.getElementById('tf-total')"),
             what="the next page")
    return json.loads(browser.evaluate(page, READ))


def _same_as_api(url: str, key: str, seen: dict) -> None:
    api = api_figures(url, key, seen["first"], seen["last"], seen["filters"])
    assert_same(seen, api, seen["url"])


def _shoot(browser: Chromium, page: str, width: int, height: int, scheme: str,
           out: Path, *, whole: bool = False, name: str = "server-dashboard") -> Path:
    """The screen (or `whole` page) at width x height in a colour scheme, as PNG."""
    browser.call("Emulation.setDeviceMetricsOverride", page, width=width, height=height,
                 deviceScaleFactor=1, mobile=width < 600)
    browser.call("Emulation.setEmulatedMedia", page,
                 features=[{"name": "prefers-color-scheme", "value": scheme}])
    time.sleep(0.3)  # a frame at the new size: a screenshot, not an assertion
    assert browser.evaluate(page, "matchMedia('(prefers-color-scheme: dark)').matches") == \
        (scheme == "dark")
    # nothing wider than the screen: no sideways scrolling on a phone
    assert browser.evaluate(page, "document.documentElement.scrollWidth") <= width
    clip = {}
    if whole:
        full = browser.evaluate(page, "document.documentElement.scrollHeight")
        clip = {"clip": {"x": 0, "y": 0, "width": width, "height": full, "scale": 1},
                "captureBeyondViewport": True}
    data = browser.call("Page.captureScreenshot", page, format="png", **clip)["data"]
    path = out / f"{name}-{width}x{'full' if whole else height}-{scheme}.png"
    path.write_bytes(base64.b64decode(data))
    return path


@pytest.mark.timeout(600)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_dashboard_in_chromium(server_process, wakatime_cli, tmp_path):
    server = server_process.start()
    key = user_with_key(server.database_url)
    fill(server.url, key, tmp_path, wakatime_cli)
    browser = Chromium(tmp_path / "profile")
    try:
        _, page = browser.open(f"{server.url}/")
        wait_for(lambda: browser.evaluate(page, "!!document.querySelector('input[name=key]')"),
                 what="the login form")
        browser.evaluate(page, f"document.querySelector('input[name=key]').value = "
                               f"{json.dumps(key)}; document.querySelector("
                               "'form[action=\"/login\"]').submit()")
        wait_for(lambda: browser.evaluate(
            page, "!!document.querySelector('a[href=\"/dashboard\"]')"), what="logged in")
        seen = _act(browser, page, "document.querySelector('a[href=\"/dashboard\"]').click()")
        assert seen["url"].endswith("/dashboard") and seen["total"] > 0
        _same_as_api(server.url, key, seen)
        # JavaScript on: the vendored uPlot draws the days (the SVG hidden), same figures
        wait_for(lambda: browser.evaluate(page, "document.body.dataset.enhanced") == "uplot",
                 what="the uPlot chart")
        drawn = json.loads(browser.evaluate(page, """JSON.stringify((() => {
            const d = JSON.parse(document.getElementById('tf-days-json').textContent);
            return {canvas: !!document.querySelector('.tf-uplot canvas'),
                    svg: getComputedStyle(document.querySelector('svg.stacked').parentNode)
                        .display === 'none',
                    sums: d.labels.map((_, i) => d.categories.reduce(
                        (t, c) => t + c.values[i], 0))}; })())"""))
        assert drawn["canvas"] and drawn["svg"]
        assert drawn["sums"] == pytest.approx(seen["periods"], abs=0.01)

        for name, label in RANGES.items():  # each range by its link
            if name == "custom":
                continue
            seen = _act(browser, page, "[...document.querySelectorAll('nav.ranges a')].find("
                                       f"a => a.textContent === {json.dumps(label)}).click()")
            assert f"range={name}" in seen["url"]
            _same_as_api(server.url, key, seen)
        seen = _act(browser, page, """(() => {{
            const f = document.querySelector('form.view');
            f.querySelector('select[name=range]').value = 'custom';
            f.querySelector('input[name=from]').value = '{}';
            f.querySelector('input[name=to]').value = '{}';
            f.querySelector('button').click(); }})()""".format(
            time.strftime("%Y-%m-%d", time.gmtime(time.time() - 40 * 86400)),
            time.strftime("%Y-%m-%d", time.gmtime(time.time() - 3 * 86400))))
        assert "range=custom" in seen["url"] and seen["total"] > 0
        _same_as_api(server.url, key, seen)

        # every value of every filter through the form, on this year; they combine
        seen = _act(browser, page, "[...document.querySelectorAll('nav.ranges a')].find("
                                   "a => a.textContent === 'This year').click()")
        values = json.loads(browser.evaluate(page, "JSON.stringify(Object.fromEntries("
                                             f"{json.dumps(FILTERS)}.map("
                                             "f => [f, [...document.querySelector('select[name="
                                             "' + f + ']').options].map(o => o.value)"
                                             ".filter(Boolean)])))"))
        assert all(values.values()), values
        for f in FILTERS:
            for value in values[f]:
                seen = _act(browser, page, f"""(() => {{
                    const form = document.querySelector('form.view');
                    form.querySelectorAll('select').forEach(s => {{
                        if (s.name !== 'range') s.value = ''; }});
                    form.querySelector('select[name={f}]').value = {json.dumps(value)};
                    form.querySelector('button').click(); }})()""")
                assert seen["filters"] == {f: value}
                _same_as_api(server.url, key, seen)
        seen = _act(browser, page, """(() => {
            const form = document.querySelector('form.view');
            form.querySelector('select[name=branch]').value = '';
            form.querySelector('select[name=project]').value = 'alpha';
            form.querySelector('select[name=language]').value = 'Python';
            form.querySelector('select[name=machine]').value = 'desk';
            form.querySelector('button').click(); })()""")
        assert seen["filters"] == {"project": "alpha", "language": "Python", "machine": "desk"}
        assert seen["total"] > 0
        _same_as_api(server.url, key, seen)
        seen = _act(browser, page, "[...document.querySelectorAll('.chips a')].find(a => "
                                   "a.textContent.includes('machine')).click()")
        assert seen["filters"] == {"project": "alpha", "language": "Python"}
        _same_as_api(server.url, key, seen)

        out = Path(os.environ.get("TIMEFORGED_SCREENSHOTS") or tmp_path)
        out.mkdir(parents=True, exist_ok=True)

        # a project's page, by its link: its time, days, branches and languages are the
        # API's for that project
        _act(browser, page, "location.href = '/dashboard?range=this_year'")
        seen = _act(browser, page, "document.querySelector('table[data-list=projects] "
                                   "a[href^=\"/dashboard/project/alpha?\"]').click()")
        assert "/dashboard/project/alpha?" in seen["url"] and seen["total"] > 0
        api = api_figures(server.url, key, seen["first"], seen["last"], {"project": "alpha"})
        assert abs(seen["total"] - api["total"]) < 1
        weeks: dict = {}  # the page charts this year by week (from Monday)
        for day, secs in api["days"]:
            monday = day - timedelta(days=day.weekday())
            weeks[monday] = weeks.get(monday, 0.0) + secs
        assert seen["unit"] == "weeks"
        assert [round(s) for s in seen["periods"]] == [round(s) for s in weeks.values()]
        for name in ("branches", "languages"):
            assert seen["lists"][name] == pytest.approx(api["lists"][name], abs=1)
        assert sum(seen["lists"]["entities"].values()) == pytest.approx(seen["total"], abs=1)
        _shoot(browser, page, 1366, 768, "light", out, name="server-dashboard-project")
        browser.call("Emulation.clearDeviceMetricsOverride", page)

        # keyboard: the first Tab reaches the skip link, which leads to the figures
        browser.evaluate(page, "document.activeElement && document.activeElement.blur()")
        browser.call("Input.dispatchKeyEvent", page, type="keyDown", key="Tab", code="Tab",
                     windowsVirtualKeyCode=9)
        browser.call("Input.dispatchKeyEvent", page, type="keyUp", key="Tab", code="Tab",
                     windowsVirtualKeyCode=9)
        assert browser.evaluate(page, "document.activeElement.className") == "skip"

        # JavaScript off: the server's SVG chart, nothing hidden, the same figures
        browser.call("Emulation.setScriptExecutionDisabled", page, value=True)
        off = _act(browser, page, "location.href = '/dashboard?range=last_30_days'")
        assert browser.evaluate(page, "!document.querySelector('.tf-uplot') && getComputedStyle("
                                      "document.querySelector('svg.stacked').parentNode)"
                                      ".display !== 'none'")
        _same_as_api(server.url, key, off)
        _shoot(browser, page, 1366, 768, "light", out, name="server-dashboard-nojs")
        browser.call("Emulation.setScriptExecutionDisabled", page, value=False)
        _act(browser, page, "location.href = '/dashboard?range=last_30_days'")
        wait_for(lambda: browser.evaluate(page, "document.body.dataset.enhanced") == "uplot",
                 what="the uPlot chart")
        for width, height in ((1366, 768), (360, 740)):
            for scheme in ("light", "dark"):
                assert _shoot(browser, page, width, height, scheme, out).stat().st_size > 10_000
        _shoot(browser, page, 1366, 768, "light", out, whole=True)
        _shoot(browser, page, 360, 740, "dark", out, whole=True)
    finally:
        browser.close()
