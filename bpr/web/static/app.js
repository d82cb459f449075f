// bpr serve: the page behaviours (no inline scripts: the content-security policy allows only files from this server).
"use strict";

function readJson(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

// drag and drop onto the upload zone: the file goes into the form's input and the form is sent
function setupDropzone() {
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("upload-file");
  if (!zone || !input) return;
  ["dragenter", "dragover"].forEach(ev => zone.addEventListener(ev, e => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach(ev => zone.addEventListener(ev, e => { e.preventDefault(); zone.classList.remove("over"); }));
  zone.addEventListener("drop", e => {
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    document.getElementById("upload-form").submit();
  });
}

// findings filtered by rule and severity
function setupFindings() {
  const rule = document.getElementById("filter-rule");
  const sev = document.getElementById("filter-severity");
  const table = document.getElementById("findings");
  if (!rule || !sev || !table) return;
  const apply = () => {
    let shown = 0;
    table.querySelectorAll("tbody tr").forEach(tr => {
      const ok = (!rule.value || tr.dataset.rule === rule.value) && (!sev.value || tr.dataset.severity === sev.value);
      tr.classList.toggle("hidden", !ok);
      if (ok) shown += 1;
    });
    document.getElementById("findings-count").textContent = String(shown);
  };
  rule.addEventListener("change", apply);
  sev.addEventListener("change", apply);
}

function setupRanking() {
  const data = readJson("ranking-data");
  const el = document.getElementById("ranking-chart");
  if (!data || !el || !window.echarts) return;
  const chart = echarts.init(el);
  chart.setOption({
    grid: {left: 160, right: 30, top: 10, bottom: 30},
    xAxis: {type: "value", max: 1, axisLabel: {formatter: v => Math.round(v * 100) + "%"}},
    yAxis: {type: "category", data: data.names.slice().reverse()},
    tooltip: {trigger: "axis", valueFormatter: v => v == null ? "-" : (v * 100).toFixed(1) + "%"},
    series: [{type: "bar", data: data.values.slice().reverse(), itemStyle: {color: "#2680c2"}}],
  });
  window.addEventListener("resize", () => chart.resize());
}

function setupProcessMap() {
  const graph = readJson("graph-data");
  const labels = readJson("labels-data");
  const el = document.getElementById("cy");
  if (!graph || !el || !window.cytoscape) return;
  const max = Math.max(1, graph.max);
  const cy = cytoscape({
    container: el,
    elements: graph.nodes.concat(graph.edges),
    style: [
      {selector: "node", style: {"label": "data(label)", "background-color": "#2680c2", "color": "#102a43",
        "text-valign": "center", "text-halign": "center", "shape": "round-rectangle", "width": 90, "height": 36,
        "font-size": 13, "text-outline-color": "#fff", "text-outline-width": 2, "background-opacity": 0.25,
        "border-width": 2, "border-color": "#2680c2"}},
      {selector: "node:selected", style: {"border-color": "#e12d39", "border-width": 3}},
      {selector: "edge", style: {"curve-style": "bezier", "target-arrow-shape": "triangle", "label": "data(count)",
        "font-size": 10, "color": "#486581", "line-color": "#9fb3c8", "target-arrow-color": "#9fb3c8",
        "width": `mapData(count, 1, ${max}, 1, 8)`}},
      {selector: ".faded", style: {"display": "none"}},
    ],
    layout: {name: "breadthfirst", directed: true, spacingFactor: 1.1, padding: 20,
             roots: graph.nodes.length ? [graph.nodes[0].data.id] : undefined},
  });
  window.bprProcessMap = cy;  // for the browser tests and the console
  const slider = document.getElementById("freq");
  const out = document.getElementById("freq-value");
  slider.addEventListener("input", () => {
    const min = Number(slider.value);
    out.textContent = String(min);
    cy.edges().forEach(e => e.toggleClass("faded", e.data("count") < min));
  });
  const detail = document.getElementById("step-detail");
  cy.on("tap", "node", evt => {
    const d = evt.target.data();
    const rows = ["events", "cases", "wait_h", "wait_p90_h", "processing_h", "rework"].map(k =>
      `<tr><th>${escapeHtml(labels[k])}</th><td>${d[k] == null ? "-" : escapeHtml(d[k])}</td></tr>`).join("");
    const handlers = (d.handlers || []).length
      ? `<tr><th>${escapeHtml(labels.handlers)}</th><td>${d.handlers.map(escapeHtml).join("、")}</td></tr>` : "";
    detail.innerHTML = `<h3 id="step-name">${escapeHtml(d.label)}</h3><table class="grid">${rows}${handlers}</table>`;
  });
}

function setupSimulation() {
  const data = readJson("sim-data");
  const el = document.getElementById("sim-chart");
  if (!data || !el || !window.echarts || !data.series.length) return;
  const edges = data.series[0].edges;
  const mids = edges.slice(0, -1).map((e, i) => Math.round((e + edges[i + 1]) / 2));
  const chart = echarts.init(el);
  chart.setOption({
    legend: {top: 0},
    grid: {left: 50, right: 20, top: 40, bottom: 40},
    tooltip: {trigger: "axis"},
    xAxis: {type: "category", data: mids, name: "h"},
    yAxis: {type: "value", axisLabel: {formatter: v => Math.round(v * 100) + "%"}},
    series: data.series.map((h, i) => ({type: "line", smooth: true, name: data.names[i] === "as-is" ? data.as_is : data.names[i],
      data: h.share, areaStyle: {opacity: i === 0 ? 0.15 : 0.05}})),
  });
  window.addEventListener("resize", () => chart.resize());
}

// compare: the monthly median working days with the reform month marked (and the control limits of the months before)
function setupCompareTrend() {
  const data = readJson("trend-data");
  const el = document.getElementById("trend-chart");
  if (!data || !el || !window.echarts || !data.months.length) return;
  const chart = echarts.init(el);
  const limits = [["centre", "solid"], ["upper", "dashed"], ["lower", "dashed"]].filter(([k]) => data[k] != null)
    .map(([k, type]) => ({yAxis: data[k], lineStyle: {type: type, color: "#9fb3c8"}, label: {show: false}}));
  chart.setOption({
    legend: {top: 0},
    grid: {left: 50, right: 50, top: 40, bottom: 40},
    tooltip: {trigger: "axis"},
    xAxis: {type: "category", data: data.months},
    yAxis: [{type: "value", name: data.labels.median_days}, {type: "value", name: data.labels.cases, splitLine: {show: false}}],
    series: [
      {type: "line", name: data.labels.median_days, data: data.median_days, smooth: false,
       markLine: {symbol: "none", data: [{xAxis: data.at_month, lineStyle: {color: "#e12d39", width: 2},
         label: {formatter: data.labels.reform + " " + data.at}}].concat(limits)}},
      {type: "bar", name: data.labels.cases, yAxisIndex: 1, data: data.cases, itemStyle: {color: "#bcccdc"}},
    ],
  });
  window.bprTrendChart = chart;  // for the browser tests and the console
  window.addEventListener("resize", () => chart.resize());
}

function setupRangeOutputs() {
  document.querySelectorAll("input.with-output").forEach(input => {
    const out = input.nextElementSibling;
    if (out && out.tagName === "OUTPUT") input.addEventListener("input", () => { out.textContent = input.value; });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupDropzone();
  setupFindings();
  setupRanking();
  setupProcessMap();
  setupSimulation();
  setupCompareTrend();
  setupRangeOutputs();
});
