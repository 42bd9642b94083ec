const params = new URLSearchParams(location.search);
const until = Number(params.get("until")) || 0;
try {
  document.getElementById("site").textContent = new URL(params.get("url")).hostname;
} catch {
  // keep "This site"
}

function tick() {
  const left = Math.max(0, Math.round(until - Date.now() / 1000));
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  document.getElementById("remaining").textContent =
    until ? `${minutes}:${seconds} left in this session.` : "";
  if (until && left === 0) {
    const url = params.get("url");
    if (url && /^https?:/.test(url)) location.replace(url);
  }
}
tick();
setInterval(tick, 1000);
