// TimeForged browser extension, background part: a service worker in Chrome, Chromium, Edge
// and Brave, a background script in Firefox (the manifest names it both ways).
//
// It reports the focused tab (URL, title, audible; only a "private" flag for incognito tabs)
// to the local TimeForged API when the tab or window changes and every minute, and during
// focus sessions sends blocked sites to blocked.html instead.

const ext = globalThis.browser ?? globalThis.chrome;
const DEFAULTS = { port: 5757, key: "" };
const IDLE_SECONDS = 180; // TimeForged's default idle timeout
const FOCUS_FRESH_MS = 2000;

let idleState = "active";
let focusCache = { at: 0, state: { active: false } };
let reportTimer = null;
let browserName = null;

async function settings() {
  return { ...DEFAULTS, ...(await ext.storage.local.get(DEFAULTS)) };
}

async function call(method, path, body) {
  const { port, key } = await settings();
  if (!key) throw new Error("no API key yet: set it in the extension's options");
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { Authorization: "Basic " + btoa(key), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

async function detectBrowser() {
  if (browserName) return browserName;
  if (ext.runtime.getBrowserInfo) {
    browserName = (await ext.runtime.getBrowserInfo()).name; // "Firefox"
  } else if (navigator.brave && (await navigator.brave.isBrave())) {
    browserName = "Brave";
  } else {
    const brands = (navigator.userAgentData?.brands ?? []).map((b) => b.brand);
    browserName = ["Microsoft Edge", "Opera", "Google Chrome", "Chromium"]
      .find((b) => brands.includes(b)) ?? "Chromium";
  }
  return browserName;
}

// -- reporting the focused tab ------------------------------------------------------------

async function focusedTab() {
  const win = await ext.windows.getLastFocused().catch(() => null);
  if (!win) return { tab: null, focused: false };
  const [tab] = await ext.tabs.query({ active: true, windowId: win.id });
  return { tab, focused: Boolean(win.focused) };
}

async function report() {
  reportTimer = null;
  try {
    const { tab, focused } = await focusedTab();
    if (!tab) return;
    const body = {
      browser: await detectBrowser(), focused, idle: idleState,
      audible: Boolean(tab.audible), incognito: Boolean(tab.incognito),
    };
    if (!tab.incognito) {
      if (!tab.url) return;
      body.url = tab.url;
      body.title = tab.title ?? null;
    }
    await call("POST", "/api/v1/browser/tab", body);
  } catch (error) {
    console.debug("TimeForged: report failed:", error.message);
  }
}

function reportSoon() {
  if (reportTimer === null) reportTimer = setTimeout(report, 250);
}

// -- focus sessions -----------------------------------------------------------------------

async function focusState(fresh = false) {
  if (!fresh && Date.now() - focusCache.at < FOCUS_FRESH_MS) return focusCache.state;
  let state = { active: false };
  try {
    state = (await call("GET", "/api/v1/focus")).data;
  } catch (error) {
    console.debug("TimeForged: no focus state:", error.message);
  }
  focusCache = { at: Date.now(), state };
  return state;
}

function siteOf(url) {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return u.hostname.toLowerCase().replace(/^www\./, "");
  } catch {
    return null;
  }
}

function isBlocked(state, url) {
  const site = siteOf(url);
  if (!state.active || !site || site === "localhost" || site === "127.0.0.1") return false;
  const listed = state.sites.some((s) => site === s || site.endsWith("." + s));
  return state.mode === "allow" ? !listed : listed;
}

async function enforce(tabId, url, fresh = true) {
  const state = await focusState(fresh);
  if (!isBlocked(state, url)) return false;
  const page = ext.runtime.getURL(
    `blocked.html?url=${encodeURIComponent(url)}&until=${state.ends_at ?? ""}`);
  await ext.tabs.update(tabId, { url: page });
  call("POST", "/api/v1/browser/blocked", { url, browser: await detectBrowser() })
    .catch(() => {});
  return true;
}

async function enforceAll() {
  const state = await focusState(true);
  if (!state.active) return;
  for (const tab of await ext.tabs.query({})) {
    if (tab.url) await enforce(tab.id, tab.url, false);
  }
}

// -- events -------------------------------------------------------------------------------

ext.tabs.onUpdated.addListener(async (tabId, change, tab) => {
  if (change.url && (await enforce(tabId, change.url))) return;
  if (tab.active && (change.url || change.title || "audible" in change)) reportSoon();
});
ext.tabs.onActivated.addListener(async ({ tabId }) => {
  const tab = await ext.tabs.get(tabId).catch(() => null);
  if (tab?.url) await enforce(tabId, tab.url);
  reportSoon();
});
ext.windows.onFocusChanged.addListener(reportSoon);
ext.idle.setDetectionInterval(IDLE_SECONDS);
ext.idle.onStateChanged.addListener((state) => {
  idleState = state;
  reportSoon();
});
ext.storage.onChanged.addListener(() => {
  focusCache.at = 0;
  reportSoon();
  enforceAll();
});
ext.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === "report") reportSoon();
  if (alarm.name === "focus") enforceAll();
});
ext.action?.onClicked.addListener(() => ext.runtime.openOptionsPage());

function schedule() {
  ext.alarms.create("report", { periodInMinutes: 1 });
  ext.alarms.create("focus", { periodInMinutes: 0.5 });
}
ext.runtime.onInstalled.addListener(schedule);
ext.runtime.onStartup.addListener(schedule);
ext.idle.queryState(IDLE_SECONDS).then((state) => { idleState = state; });
