// The dashboard with JavaScript on: the time-per-day chart becomes an interactive uPlot chart
// (hover a day: each category's time that day in the legend; otherwise the range's). The page
// works without it: the SVG chart and the table of figures are the server's.
(function () {
  "use strict";
  var data = document.getElementById("tf-days-json");
  var svg = document.querySelector("svg.stacked");
  if (!data || !svg || !window.uPlot) return;
  var days = JSON.parse(data.textContent);
  if (!days.labels.length) return;
  // nice steps for the time axis, in seconds
  var STEPS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 28800, 43200, 86400,
               172800, 345600, 604800];

  function text(seconds) {
    var whole = Math.floor(seconds), h = Math.floor(whole / 3600);
    var m = Math.floor((whole % 3600) / 60);
    if (whole < 60) return whole + " sec" + (whole === 1 ? "" : "s");
    return (h ? h + " hr" + (h === 1 ? "" : "s") + (m ? " " : "") : "") +
      (m || !h ? m + " min" + (m === 1 ? "" : "s") : "");
  }

  function short(seconds) {  // an axis label: 30m, 1h, 1h30
    var h = Math.floor(seconds / 3600), m = Math.round((seconds % 3600) / 60);
    return h ? h + "h" + (m ? (m < 10 ? "0" : "") + m : "") : m + "m";
  }

  function sum(values) { return values.reduce(function (t, v) { return t + v; }, 0); }

  // Stacked bars: each category drawn at its running sum, the largest sum first so that
  // the ones below it are drawn over it (the legend lists them top down).
  var x = days.labels.map(function (_, i) { return i; });
  var running = x.map(function () { return 0; });
  var stacked = days.categories.map(function (c) {
    return c.values.map(function (v, i) { running[i] += v; return running[i]; });
  });
  var columns = [x];
  var order = [];
  for (var k = days.categories.length - 1; k >= 0; k--) {
    order.push(days.categories[k]);
    columns.push(stacked[k]);
  }

  var holder = svg.parentNode;
  var section = holder.parentNode;
  var box = document.createElement("div");
  box.className = "tf-uplot";
  section.insertBefore(box, holder);
  holder.style.display = "none";
  var legend = section.querySelector("ul.legend");
  if (legend) legend.style.display = "none";
  var chart = null;

  function draw() {
    var css = getComputedStyle(document.documentElement);
    var muted = css.getPropertyValue("--muted").trim() || "#666";
    var line = css.getPropertyValue("--line").trim() || "#ccc";
    var axis = { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line } };
    var series = [{ label: days.unit, value: function (u, i) {
      return i == null ? "all" : days.labels[i]; } }];
    order.forEach(function (c) {
      series.push({
        label: c.name, stroke: c.colour, fill: c.colour, width: 0,
        paths: uPlot.paths.bars({ size: [0.8, 64] }), points: { show: false },
        value: function (u, v, s, i) { return text(i == null ? sum(c.values) : c.values[i]); }
      });
    });
    if (chart) chart.destroy();
    chart = new uPlot({
      width: Math.max(280, box.clientWidth), height: 220, series: series,
      scales: { x: { time: false, range: [-0.5, x.length - 0.5] } },
      axes: [Object.assign({ values: function (u, ticks) {
        return ticks.map(function (t) { return days.ticks[t] || ""; }); } }, axis),
        Object.assign({ size: 52, incrs: STEPS, values: function (u, ticks) {
          return ticks.map(short); } }, axis)],
      cursor: { points: { show: false } }, legend: { live: true }
    }, columns, box);
  }

  draw();
  window.addEventListener("resize", function () {
    chart.setSize({ width: Math.max(280, box.clientWidth), height: 220 });
  });
  if (window.matchMedia) {  // light or dark changed: the axes' colours follow
    var scheme = window.matchMedia("(prefers-color-scheme: dark)");
    if (scheme.addEventListener) scheme.addEventListener("change", draw);
  }
  document.body.dataset.enhanced = "uplot";
})();
