const ext = globalThis.browser ?? globalThis.chrome;
const form = document.getElementById("form");
const port = document.getElementById("port");
const key = document.getElementById("key");
const status = document.getElementById("status");

ext.storage.local.get({ port: 5757, key: "" }).then((saved) => {
  port.value = saved.port;
  key.value = saved.key;
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const settings = { port: Number(port.value), key: key.value.trim() };
  await ext.storage.local.set(settings);
  status.textContent = "Saved. Testing…";
  try {
    const response = await fetch(`http://127.0.0.1:${settings.port}/today`, {
      headers: { Authorization: "Basic " + btoa(settings.key) },
    });
    const text = (await response.text()).trim();
    status.textContent = response.ok
      ? `Saved. Connected to TimeForged: today ${text}.`
      : `Saved, but TimeForged answered: ${text} (HTTP ${response.status}).`;
    status.dataset.ok = String(response.ok);
  } catch {
    status.textContent = `Saved, but nothing answers on port ${settings.port}: is TimeForged running?`;
    status.dataset.ok = "false";
  }
});
