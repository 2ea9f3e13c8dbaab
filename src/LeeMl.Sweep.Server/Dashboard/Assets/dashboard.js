// LeeMl.Sweep dashboard: four pages (jobs, one job, one trial, jobs compared) drawn from the node's JSON API.
// Text from the API is only ever set as text (never as HTML); charts are uPlot.
"use strict";

const $ = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};

// replaceChildren without the nulls of optional parts (which it would write as "null").
const fill = (e, ...children) => e.replaceChildren(...children.filter(c => c !== null && c !== undefined));

const api = async (path, options) => {
  const r = await fetch(path, Object.assign({ headers: { Accept: "application/json" } }, options));
  const body = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok && r.status !== 202) throw new Error((body && body.error) || `${r.status} ${r.statusText}`);
  return { status: r.status, body };
};

const pct = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : (100 * x).toFixed(digits) + " %");
const num = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(digits));
const seconds = s => {
  if (s === null || s === undefined) return "–";
  if (s < 60) return s.toFixed(1) + " s";
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
};
const estimate = e => (!e || e.mean === null ? "–" : e.n < 2 || e.low === null ? num(e.mean) : `${num(e.mean)} [${num(e.low)}, ${num(e.high)}]`);
const jobLink = id => `/jobs/${encodeURIComponent(id)}`;
const trialLink = (id, key) => `${jobLink(id)}/trials/${encodeURIComponent(key)}`;
const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

function table(headers, rows, attrs = {}) {
  return $("table", attrs,
    $("thead", {}, $("tr", {}, ...headers.map(h => $("th", { text: h })))),
    $("tbody", {}, ...rows.map(r => $("tr", {}, ...r.map(c => (c instanceof Node ? $("td", {}, c) : $("td", { text: String(c) })))))));
}

function section(title, id, ...children) {
  return $("section", { id }, $("h2", { text: title }), ...children);
}

function setConnection(text, ok) {
  const c = document.getElementById("connection");
  c.textContent = text;
  c.className = "connection " + (ok ? "ok" : "off");
}

// A uPlot chart that follows its container's width; `data` is uPlot's [x, ...ys].
function chart(container, title, xLabel, yLabel, series, data, height = 260) {
  fill(container);
  const width = Math.max(320, container.clientWidth || 640);
  const opts = {
    title, width, height,
    scales: { x: { time: false } },
    axes: [{ label: xLabel }, { label: yLabel }],
    series: [{ label: xLabel }, ...series],
    legend: { live: false },
  };
  return new uPlot(opts, data, container);
}

// Several curves on one x axis: [{label, x: [...], y: [...], dash}] merged into uPlot's aligned form.
function curves(container, title, xLabel, yLabel, lines, height) {
  const xs = [...new Set(lines.flatMap(l => l.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = lines.map(l => {
    const y = new Array(xs.length).fill(null);
    l.x.forEach((x, i) => { y[index.get(x)] = l.y[i]; });
    return y;
  });
  const series = lines.map((l, i) => ({ label: l.label, stroke: l.color || palette[i % palette.length], width: 1.5, dash: l.dash, spanGaps: true, points: { show: l.x.length < 40 } }));
  return chart(container, title, xLabel, yLabel, series, [xs, ...ys], height);
}

// ---- the jobs ----------------------------------------------------------------------------------

async function indexPage(main) {
  const jobsBox = $("div", { id: "jobs" });
  const nodesBox = $("div", { id: "nodes" });
  // Jobs ticked for comparison survive the list's refreshes.
  const selected = new Set();
  const compareLink = $("a", { id: "compare-selected", class: "button", hidden: "" }, "Compare selected jobs");
  const showCompare = () => {
    compareLink.hidden = selected.size < 2;
    compareLink.setAttribute("href", `/compare?jobs=${[...selected].map(encodeURIComponent).join(",")}`);
  };
  const tick = id => $("input", { type: "checkbox", class: "compare-box", "data-job": id, title: "compare", onchange: e => {
    if (e.target.checked) selected.add(id); else selected.delete(id);
    showCompare();
  } });
  fill(main, $("h1", { text: "Jobs" }), compareLink, jobsBox, section("Nodes", "nodes-section", nodesBox));
  const refresh = async () => {
    try {
      const { body } = await api("/api/jobs?limit=200");
      setConnection("live", true);
      fill(jobsBox, body.jobs.length === 0 ? $("p", { class: "muted", text: "No jobs yet: submit one (leeml-sweep submit SPEC --cluster ...)." }) :
        table(["", "job", "state", "done / total", "failed", "best validation", "elapsed", "coordinator"],
          body.jobs.map(j => {
            const box = tick(j.id);
            box.checked = selected.has(j.id);
            return [box, $("a", { href: jobLink(j.id), text: j.id }), $("span", { class: `state ${j.state}`, text: j.state }),
              `${j.done} / ${j.trials}`, j.failed, pct(j.best_validation), seconds(j.elapsed_seconds), j.coordinator || "–"];
          }), { id: "job-table" }));
      fill(nodesBox, nodesTable(body.nodes));
    } catch (e) {
      setConnection("no answer: " + e.message, false);
    }
  };
  await refresh();
  setInterval(refresh, 2000);
}

function nodesTable(nodes) {
  return nodes.length === 0 ? $("p", { class: "muted", text: "No nodes known yet." }) :
    table(["node", "roles", "slots", "running", "queued", "paused"],
      nodes.map(n => [n.address, n.roles.join(", "), n.slots, n.running, n.queued, n.paused ?? 0]));
}

// ---- one job -----------------------------------------------------------------------------------

async function jobPage(main, id) {
  const progress = $("div", { id: "progress" });
  const notice = $("p", { id: "notice", class: "muted" });
  // Made once, not with every event, so that a click never lands on a button just replaced.
  const cancelButton = $("button", { id: "cancel", hidden: "", onclick: () => cancel(id, notice, cancelButton) }, "Cancel job");
  // An operator's changes; a viewer sees none of these buttons.
  const change = (what, label) => $("button", { id: what, hidden: "", onclick: () => changeJob(id, what, notice) }, label);
  const changeButtons = { pause: change("pause", "Pause"), resume: change("resume", "Resume"), retry: change("retry", "Retry failed trials") };
  // Extend: the job's spec with more seeds, samples or grid levels, chosen as a file.
  const extendFile = $("input", { id: "extend-file", type: "file", accept: ".yaml,.yml,.json", hidden: "", onchange: () => extendJob(id, extendFile, notice) });
  changeButtons.extend = $("button", { id: "extend", hidden: "", title: "the job's spec with more seeds, samples or grid levels", onclick: () => extendFile.click() }, "Extend…");
  const history = $("ul", { id: "history" });
  const session = await api("/api/session").then(r => r.body).catch(() => ({ operator: false }));
  const live = $("div", { id: "live-chart", class: "chart" });
  const liveList = $("div", { id: "live-list" });
  const report = $("div", { id: "report" }, $("p", { class: "muted", text: "The report is being prepared…" }));
  const nodes = $("div", { id: "job-nodes" });
  const trials = $("div", { id: "trials" });
  const files = $("div", { id: "files" });
  fill(main,
    $("h1", { id: "job-title", text: id }),
    progress,
    cancelButton,
    ...Object.values(changeButtons),
    extendFile,
    notice,
    history,
    section("Running trials", "running", live, liveList),
    section("Nodes", "nodes-section", nodes),
    report,
    section("Trials", "trials-section", trials),
    section("Files", "files-section", files));

  let lastReportDone = -1, lastReportAt = 0, reportBusy = false;
  const showProgress = (job, running) => {
    const share = job.trials > 0 ? job.done / job.trials : 0;
    fill(progress,
      $("div", { class: "summary" },
        $("span", { class: `state ${job.state}`, id: "job-state", text: job.state }),
        $("span", {}, $("strong", { id: "done-count", text: String(job.done) }), ` / ${job.trials} trials`),
        $("span", { text: `${job.running} running, ${job.queued} queued` }),
        $("span", { text: `${job.failed} failed, ${job.diverged} diverged, ${job.stopped} stopped` }),
        $("span", { text: `best validation ${pct(job.best_validation)}` }),
        $("span", { text: `elapsed ${seconds(job.elapsed_seconds)}` + (job.eta_seconds !== null && job.eta_seconds !== undefined ? `, about ${seconds(job.eta_seconds)} left` : "") }),
        $("span", { text: `on ${job.coordinator || "–"}` })),
      $("progress", { id: "progress-bar", max: String(Math.max(1, job.trials)), value: String(job.done), title: `${(100 * share).toFixed(1)} %` }),
      ...job.quarantined.map(q => $("p", { class: "warning", text: `quarantined: ${q.node} until ${new Date(q.until).toLocaleTimeString()} (${q.reason})` })),
      ...job.errors.map(e => $("p", { class: "warning", text: `${e.count} × ${e.error}` })));
    cancelButton.hidden = !session.operator || !(job.state === "running" || job.state === "queued" || job.state === "paused");
    changeButtons.pause.hidden = !session.operator || job.state !== "running";
    changeButtons.resume.hidden = !session.operator || job.state !== "paused";
    changeButtons.extend.hidden = !session.operator || !["running", "paused", "done", "failed"].includes(job.state);
    changeButtons.retry.hidden = !session.operator || job.failed === 0 || !(job.state === "done" || job.state === "failed" || job.state === "running" || job.state === "paused");
    if (job.history) fill(history, ...job.history.map(h => $("li", { class: "muted", text: `${new Date(h.at).toLocaleString()} ${h.what}` })));
    document.getElementById("job-title").textContent = job.name + " · " + job.id;
    showRunning(id, running, live, liveList);
    const now = Date.now();
    if (!reportBusy && job.done !== lastReportDone && (now - lastReportAt > 5000 || job.state !== "running")) {
      reportBusy = true;
      loadReport(id, report).then(ok => { if (ok) lastReportDone = job.done; lastReportAt = Date.now(); })
        .finally(() => { reportBusy = false; });
    }
  };

  const first = await api(`/api/jobs/${encodeURIComponent(id)}`).catch(e => ({ error: e }));
  if (first.error) { fill(progress, $("p", { class: "warning", text: first.error.message })); return; }
  showProgress(first.body, []);
  loadTrials(id, trials);
  const refreshSide = async () => {
    try {
      const { body } = await api("/api/jobs?limit=1");
      fill(nodes, nodesTable(body.nodes));
      const f = await api(`/api/jobs/${encodeURIComponent(id)}/files`);
      fill(files, f.body.length === 0 ? $("p", { class: "muted", text: "No files on this node yet." }) :
        $("ul", {}, ...f.body.map(x => $("li", {}, $("a", { href: x.url, text: x.name }), ` (${(x.size / 1024).toFixed(1)} KiB)`))));
    } catch (e) { /* shown by the connection badge */ }
  };
  refreshSide();
  setInterval(refreshSide, 5000);

  // Live: Server-Sent Events; the browser reconnects by itself and sends Last-Event-ID.
  const events = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
  window.dashboardEvents = 0;
  events.addEventListener("open", () => setConnection("live", true));
  events.addEventListener("error", () => setConnection("reconnecting…", false));
  events.addEventListener("progress", m => {
    window.dashboardEvents++;
    const e = JSON.parse(m.data);
    showProgress(e.job, e.running);
  });
  events.addEventListener("end", () => {
    events.close();
    setConnection("job over", true);
    loadReport(id, report);
    loadTrials(id, trials);
  });
}

async function changeJob(id, what, notice) {
  if (what === "retry" && !window.confirm(`Run the failed trials of ${id} again?`)) return;
  try {
    const { body } = await api(`/api/jobs/${encodeURIComponent(id)}/${what}`, { method: "POST" });
    notice.textContent = `${what}: ${body.message}`;
  } catch (e) {
    notice.textContent = `${what} refused: ${e.message}`;
  }
}

async function extendJob(id, input, notice) {
  const file = input.files[0];
  if (!file) return;
  try {
    const { body } = await api(`/api/jobs/${encodeURIComponent(id)}/extend`, {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ spec: await file.text(), file: file.name }) });
    notice.textContent = `extend: ${body.message}`;
  } catch (e) {
    notice.textContent = `extend refused: ${e.message}`;
  }
  input.value = "";
}

// ---- jobs compared -----------------------------------------------------------------------------

async function comparePage(main) {
  const ids = (new URLSearchParams(location.search).get("jobs") || "").split(",").filter(x => x);
  fill(main, $("h1", { text: `${ids.length} jobs side by side` }), $("p", { class: "muted", text: "Reading the jobs…" }));
  const { body } = await api(`/api/compare?jobs=${ids.map(encodeURIComponent).join(",")}`);
  setConnection("read", true);
  const diff = x => (x === null || x === undefined ? "–" : (x >= 0 ? "+" : "") + num(x));
  // The searches among them (random, Sobol, TPE), trial for trial.
  const searches = body.jobs.filter(j => j.search);
  const searchChart = $("div", { class: "chart", id: "compare-search-chart" });
  const searchBox = searches.length === 0 ? $("div") : section("The searches, trial for trial", "compare-search-section",
    $("p", { class: "muted", text: searches.map(j => `${j.id}: ${j.search.method}`).join("; ") }), searchChart);
  fill(main,
    $("h1", { text: `${body.jobs.length} jobs side by side` }),
    table(["job", "name", "trials", "best cell", "its validation %", "lecture: Adam − SGDM train / validation (points)"],
      body.jobs.map(j => [$("a", { href: jobLink(j.id), text: j.id }), j.name, `${j.done} of ${j.trials}`, j.best_cell || "–", num(j.best_validation),
        j.lecture ? `${diff(j.lecture.train_difference)} / ${diff(j.lecture.validation_difference)} over ${j.lecture.pairs} pairs` : "–"]), { id: "compare-jobs" }),
    $("ul", {}, ...body.jobs.filter(j => j.lecture).map(j => $("li", { text: `${j.id}: ${j.lecture.sentence}` }))),
    searchBox,
    section(`The ${body.common.length} cells they have in common`, "common-section",
      body.common.length === 0 ? $("p", { class: "muted", text: "None: the jobs share no cell." }) :
        table(["cell", ...body.jobs.flatMap(j => [`${j.id} train %`, "validation %", "gap"])],
          body.common.map(c => [c.label, ...c.per_job.flatMap(p => [num(p.train), num(p.validation), num(p.gap)])]), { id: "compare-common" })));
  if (searches.length > 0)
    curves(searchChart, `Best ${searches[0].search.measure} so far against trials`, "trials", searches[0].search.measure,
      searches.map(j => ({ label: j.id, x: j.search.best_by_trial.map((_, i) => i + 1), y: j.search.best_by_trial })), 300);
}

async function cancel(id, notice, button) {
  if (!window.confirm(`Cancel job ${id}? Running trials stop; finished results stay.`)) return;
  try {
    const { body } = await api(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" });
    notice.textContent = `cancel: ${body.outcome}`;
    button.disabled = true;
  } catch (e) {
    notice.textContent = "cancel failed: " + e.message;
  }
}

function showRunning(id, running, chartBox, listBox) {
  if (running.length === 0) {
    fill(chartBox, $("p", { class: "muted", text: "No trial is running now." }));
    fill(listBox);
    return;
  }
  const shown = running.filter(t => t.point_epochs.length > 0).slice(0, 10);
  if (shown.length > 0)
    curves(chartBox, "Validation accuracy of running trials", "epoch", "validation %",
      shown.map((t, i) => ({ label: t.key, x: t.point_epochs, y: t.validation.map(v => (v === null ? null : 100 * v)), color: palette[i % palette.length] })), 240);
  fill(listBox, table(["trial", "node", "epoch"],
    running.map(t => [$("a", { href: trialLink(id, t.key), text: t.key }), t.node, `${t.epoch} / ${t.epochs}`]), { id: "running-table" }));
}

async function loadReport(id, box) {
  let r;
  try {
    r = await api(`/api/jobs/${encodeURIComponent(id)}/report`);
  } catch (e) {
    fill(box, $("p", { class: "warning", text: "report: " + e.message }));
    return false;
  }
  if (r.status === 202) return false;
  const rep = r.body;
  const parts = [section("Report", "report-status", $("p", { class: `banner ${rep.status_kind}`, text: rep.status }))];
  // Asked only where the grid compares SGDM with Adam: what the data show, each optimizer over the matched pairs, and the figure.
  if (rep.lecture) {
    const l = rep.lecture;
    parts.push(section("The lecture's question: Adam on training, SGDM on validation?", "verdict",
      $("p", { id: "verdict-text", text: rep.verdict }),
      table(["", "train %", "validation %"], [
        [l.sgdm, estimate(l.sgdm_train), estimate(l.sgdm_validation)],
        [l.adam, estimate(l.adam_train), estimate(l.adam_validation)],
        [`${l.adam} − ${l.sgdm} (points, ${l.pairs} pairs)`, estimate(l.train_difference), estimate(l.validation_difference)],
      ], { id: "lecture-table" }),
      l.pairs > 0 ? $("img", { id: "lecture-figure", class: "figure", alt: "training and validation accuracy of each optimizer", src: `${jobLink(id)}/files/lecture-question.png` }) : null));
  }
  const curveBox = $("div", { id: "curves-chart", class: "chart" });
  if (rep.curves.length > 0) parts.push(section("Learning curves of the best cells", "curves", curveBox,
    $("p", { class: "muted", text: "Mean over seeds; solid: validation, dashed: train." })));
  const cellRows = rep.cells.map(c => [c.best ? "★" : "", c.label + (c.failed > 0 ? ` (${c.failed} failed)` : "") + (c.diverged > 0 ? ` (${c.diverged} diverged)` : ""),
    c.completed === c.seeds ? c.seeds : `${c.completed}/${c.seeds}`, estimate(c.train), estimate(c.validation), estimate(c.gap), estimate(c.test)]);
  const cellHeader = ["", "cell", "seeds", "train %", "validation %", "gap (points)", "test %"];
  const cellBox = $("div", {}, table(cellHeader, cellRows.slice(0, 25), { id: "cell-table" }),
    cellRows.length > 25 ? $("button", { id: "all-cells", onclick: () => fill(cellBox, table(cellHeader, cellRows, { id: "cell-table" })) }, `show all ${cellRows.length}`) : null);
  parts.push(section("Cells", "cells",
    rep.cells.length === 0 ? $("p", { class: "muted", text: "No cell has a result yet." }) : cellBox,
    rep.cells_total > rep.cells.length ? $("p", { class: "muted", text: `The best ${rep.cells.length} of ${rep.cells_total} cells; results.csv has every trial.` }) : null,
    rep.stopped_cells ? $("p", { class: "muted", id: "stopped-cells", text: rep.stopped_cells }) : null,
    $("p", { class: "muted", text: "Mean [95 % interval] over seeds." })));
  if (rep.effects.length > 0) parts.push(section("Factor effects", "effects",
    table(["factor", "level vs reference", "train (points)", "validation (points)", ""],
      rep.effects.map(e => [e.factor, `${e.level} vs ${e.reference}`, estimate(e.train), estimate(e.validation), e.sentence]))));
  if (rep.failures_total > 0) parts.push(section("Failures", "failures",
    table(["trial", "node", "attempt", "", "error"], rep.failures.map(f => [f.key, f.node, f.attempt, f.trial_failed ? "trial failed" : "node fault; retried", f.error])),
    rep.failures_total > rep.failures.length ? $("p", { class: "muted", text: `${rep.failures.length} of ${rep.failures_total} shown.` }) : null));
  let searchBoxes = null;
  if (rep.search) {
    const s = rep.search;
    const unit = s.percent ? " %" : "";
    // One parallel-coordinates plot per sampled component (a trial of sgdm has no Adam parameters).
    const groups = [...new Set(s.parameters.map(p => group(p.label)))];
    searchBoxes = { progress: $("div", { class: "chart", id: "search-progress" }), groups: groups.map(g => ({ name: g, canvas: $("canvas", { class: "parallel", width: "960", height: "300" }) })) };
    parts.push(section("Search", "search",
      $("p", { text: s.method }),
      s.best ? $("p", {}, "best: ", $("a", { href: trialLink(id, s.best.key), text: s.best.key }), ` (${s.measure} ${num(s.best.validation)}${unit})`) : null,
      $("p", { text: `epochs trained: ${s.epochs_trained} of ${s.epochs_without_stopping} without early stopping (${s.compute_share === null ? "–" : (100 * s.compute_share).toFixed(1) + " %"})` }),
      s.proposal_wait_seconds === null || s.proposal_wait_seconds === undefined ? null
        : $("p", { id: "proposal-wait", text: `proposals: ${num(s.mean_proposal_ms)} ms each; free slots waited ${num(s.proposal_wait_seconds)} slot-seconds for the results they learn from` }),
      s.rungs.length > 0 ? table(["rung", "epoch", "reached", "went on"], s.rungs.map(r => [r.rung, r.epoch, r.reached, r.continued]), { id: "rung-table" }) : null,
      searchBoxes.progress,
      s.parameters.length > 0 ? $("div", { id: "parallel" }, $("h3", { text: `Sampled parameters against ${s.measure} (parallel coordinates; colour: ${s.measure}, blue low, red high${s.maximize ? "" : "; lower is better"})` }),
        ...searchBoxes.groups.flatMap(g => [$("h4", { text: g.name }), g.canvas]),
        table(["parameter", "distribution", "importance (η²)"], s.parameters.map(p => [p.label, p.distribution, p.importance === null ? "–" : (100 * p.importance).toFixed(1) + " %"]))) : null));
  }
  fill(box, ...parts);
  if (rep.curves.length > 0) {
    const top = rep.curves.slice(0, 6);
    curves(curveBox, "Mean learning curves", "epoch", "accuracy %", top.flatMap((c, i) => [
      { label: c.label + " · validation", x: c.validation.map((_, e) => e + 1), y: c.validation, color: palette[i] },
      { label: c.label + " · train", x: c.train.map((_, e) => e + 1), y: c.train, color: palette[i], dash: [6, 4] },
    ]), 300);
  }
  if (searchBoxes) {
    const s = rep.search;
    if (s.progress.length > 1)
      chart(searchBoxes.progress, `Best ${s.measure} so far against ${s.by_trials ? "trials, in the order they were proposed" : "epochs spent"}`, s.by_trials ? "trials" : "epochs", s.measure + (s.percent ? " %" : ""),
        [{ label: "best so far", stroke: palette[0], width: 2 }], [s.progress.map(p => p[0]), s.progress.map(p => p[1])], 220);
    for (const g of searchBoxes.groups) {
      const parameters = s.parameters.filter(p => group(p.label) === g.name);
      parallelCoordinates(g.canvas, parameters, s.trials.filter(t => parameters.some(p => t.values[p.label] !== undefined)), s.measure + (s.percent ? " %" : ""));
    }
  }
  return true;
}

// A sampled parameter's component ("optimizer adam" of "optimizer adam: lr"); a program's or function's parameters are one group.
function group(label) { return label.includes(":") ? label.split(":")[0] : "parameters"; }

// Parallel coordinates of the sampled parameters (one axis each, then validation), one line per trial.
function parallelCoordinates(canvas, parameters, trials, valueLabel) {
  const axes = parameters.map(p => ({ label: p.label.includes(":") ? p.label.split(":").slice(1).join(":").trim() : p.label, key: p.label, log: p.log }));
  axes.push({ label: valueLabel, log: false });
  const rows = trials.map(t => axes.map((a, i) => (i === axes.length - 1 ? t.validation : t.values[a.key])));
  const width = canvas.parentElement.clientWidth || 960;
  canvas.width = Math.max(480, width);
  const ctx = canvas.getContext("2d");
  const pad = 40, top = 30, bottom = canvas.height - 30;
  const x = i => pad + (i * (canvas.width - 2 * pad)) / Math.max(1, axes.length - 1);
  const scales = axes.map((a, i) => {
    const values = rows.map(r => r[i]).filter(v => v !== undefined && v !== null);
    const numeric = values.every(v => !Number.isNaN(Number(v)));
    if (!numeric) {
      const options = [...new Set(values.map(String))].sort();
      return v => (v === undefined || v === null ? null : bottom - ((options.indexOf(String(v)) + 0.5) / options.length) * (bottom - top));
    }
    const t = v => (a.log ? Math.log10(Number(v)) : Number(v));
    const lo = Math.min(...values.map(t)), hi = Math.max(...values.map(t));
    return v => (v === undefined || v === null ? null : bottom - ((t(v) - lo) / (hi - lo || 1)) * (bottom - top));
  });
  const vals = rows.map(r => r[r.length - 1]).filter(v => v !== null);
  const vlo = Math.min(...vals), vhi = Math.max(...vals);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 1;
  for (const r of [...rows].reverse()) {
    const q = (r[r.length - 1] - vlo) / (vhi - vlo || 1);
    ctx.strokeStyle = `hsla(${Math.round(240 - 240 * q)}, 70%, 45%, 0.5)`;
    ctx.beginPath();
    let drawing = false;
    r.forEach((v, i) => {
      const y = scales[i](v);
      if (y === null) { drawing = false; return; }
      if (!drawing) ctx.moveTo(x(i), y); else ctx.lineTo(x(i), y);
      drawing = true;
    });
    ctx.stroke();
  }
  ctx.strokeStyle = "#333";
  ctx.fillStyle = "#222";
  ctx.font = "12px sans-serif";
  ctx.textAlign = "center";
  axes.forEach((a, i) => {
    ctx.beginPath(); ctx.moveTo(x(i), top); ctx.lineTo(x(i), bottom); ctx.stroke();
    ctx.fillText(a.label + (a.log ? " (log)" : ""), x(i), top - 10);
  });
}

// Server-side paging and filtering: the server returns one page and the cursor of the next.
function loadTrials(id, box) {
  const state = { cursors: [""], page: 0, q: "", outcome: "" };
  const list = $("div", { id: "trial-list" });
  const q = $("input", { type: "search", id: "trial-filter", placeholder: "filter by key (e.g. adam)" });
  const outcome = $("select", { id: "trial-outcome" }, ...["", "completed", "stopped", "diverged", "failed"].map(o => $("option", { value: o, text: o || "any outcome" })));
  const prev = $("button", { id: "trials-prev", text: "◀ previous" });
  const next = $("button", { id: "trials-next", text: "next ▶" });
  const show = async () => {
    const params = new URLSearchParams({ limit: "50" });
    if (state.cursors[state.page]) params.set("after", state.cursors[state.page]);
    if (state.q) params.set("q", state.q);
    if (state.outcome) params.set("outcome", state.outcome);
    try {
      const { body } = await api(`/api/jobs/${encodeURIComponent(id)}/trials?${params}`);
      state.cursors[state.page + 1] = body.next;
      prev.disabled = state.page === 0;
      next.disabled = !body.next;
      fill(list, body.trials.length === 0 ? $("p", { class: "muted", text: "No trial results match." }) :
        table(["trial", "outcome", "train", "validation", "gap (points)", "node", "time"],
          body.trials.map(t => [$("a", { href: trialLink(id, t.result.key), text: t.result.key }), t.result.outcome, pct(t.result.train_accuracy), pct(t.result.validation_accuracy),
            t.result.train_accuracy === null || t.result.validation_accuracy === null ? "–" : num(100 * (t.result.train_accuracy - t.result.validation_accuracy)), t.node, seconds(t.seconds)]), { id: "trial-table" }));
    } catch (e) {
      fill(list, $("p", { class: "warning", text: e.message }));
    }
  };
  let timer = null;
  q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { state.q = q.value; state.page = 0; state.cursors = [""]; show(); }, 250); });
  outcome.addEventListener("change", () => { state.outcome = outcome.value; state.page = 0; state.cursors = [""]; show(); });
  prev.addEventListener("click", () => { if (state.page > 0) { state.page--; show(); } });
  next.addEventListener("click", () => { if (state.cursors[state.page + 1]) { state.page++; show(); } });
  fill(box, $("div", { class: "filters" }, q, outcome, prev, next), list);
  show();
}

// ---- one trial ---------------------------------------------------------------------------------

async function trialPage(main, id) {
  const key = decodeURIComponent(location.pathname.split("/trials/")[1] || "");
  const info = $("div", { id: "trial-info" });
  const accuracy = $("div", { id: "trial-accuracy", class: "chart" });
  const loss = $("div", { id: "trial-loss", class: "chart" });
  const telemetry = $("div", { id: "trial-telemetry" });
  const metrics = $("div", { id: "trial-metrics" });
  const outputBox = $("div", { id: "trial-output-box" });
  const output = $("pre", { id: "trial-output", class: "output" });
  fill(main, $("p", {}, $("a", { href: jobLink(id), text: "← " + id })), $("h1", { id: "trial-key", text: key }), info, metrics, accuracy, loss, telemetry, outputBox);
  // A program trial's output, as the cluster keeps it (its newest part), appended as it comes.
  let after = 0;
  const loadOutput = async () => {
    let o;
    try {
      o = (await api(`/api/jobs/${encodeURIComponent(id)}/output?trial=${encodeURIComponent(key)}&after=${after}`)).body;
    } catch (e) {
      return;   // not kept yet: the next poll asks again
    }
    if (outputBox.childNodes.length === 0) fill(outputBox, $("h2", { text: "Output" }), output);
    if (o.from > after && after > 0) output.append(`… (${o.from - after} characters no longer kept)\n`);
    output.append(o.text);
    after = o.total;
    if (output.textContent.length > 2000000) output.textContent = output.textContent.slice(-1000000);
  };
  const show = async () => {
    let t;
    try {
      t = (await api(`/api/jobs/${encodeURIComponent(id)}/trials/${encodeURIComponent(key)}`)).body;
      setConnection("live", true);
    } catch (e) {
      fill(info, $("p", { class: "warning", text: e.message }));
      return true;
    }
    if (t.output) await loadOutput();
    if (t.result) {
      const r = t.result;
      fill(info, table(["outcome", "train", "validation", "test", "epochs", "best epoch", "seed"],
        [[r.outcome, pct(r.train_accuracy), pct(r.validation_accuracy), pct(r.test_accuracy), r.epochs.length, r.best_epoch ?? "–", r.seed]], { id: "trial-summary" }),
        r.error ? $("p", { class: "warning", text: r.error }) : null);
      if (r.metrics)
        fill(metrics, $("h2", { text: "Parameters and metrics" }),
          table(["parameter", "value"], Object.entries(r.params || {}).map(([k, v]) => [k, v]), { id: "trial-params" }),
          table(["metric (last value)", "value"], Object.entries(r.metrics).map(([k, v]) => [k, v === null ? "–" : String(v)]), { id: "trial-metric-values" }),
          $("p", { text: `objective: ${r.objective ?? "–"}` }));
      const ep = r.epochs.map(e => e.epoch);
      if (ep.length > 0) {
        curves(accuracy, "Accuracy", "epoch", "accuracy %", [
          { label: "train", x: ep, y: r.epochs.map(e => (e.train_accuracy === null ? null : 100 * e.train_accuracy)), color: palette[0] },
          { label: "validation", x: ep, y: r.epochs.map(e => (e.validation_accuracy === null ? null : 100 * e.validation_accuracy)), color: palette[1] }]);
        curves(loss, "Loss", "epoch", "loss", [
          { label: "train", x: ep, y: r.epochs.map(e => e.train_loss), color: palette[0] },
          { label: "validation", x: ep, y: r.epochs.map(e => e.validation_loss), color: palette[1] },
          { label: "learning rate × 100", x: ep, y: r.epochs.map(e => (e.lr === null || e.lr === undefined ? null : 100 * e.lr)), color: palette[2], dash: [4, 4] }]);
      }
      const tm = t.telemetry;
      fill(telemetry, $("h2", { text: "Telemetry" }),
        table(["node", "time", "attempt"], [[tm.node, seconds(tm.seconds), tm.attempt]]),
        tm.faults.length > 0 ? table(["attempt", "node", "node fault"], tm.faults.map(f => [f.attempt, f.node, f.error])) : null);
      return true;
    }
    const live = t.running;
    fill(info, $("p", { text: `running on ${live.node}: epoch ${live.epoch} of ${live.epochs}` }));
    if (live.point_epochs.length > 0)
      curves(accuracy, "Accuracy so far", "epoch", "accuracy %", [
        { label: "train", x: live.point_epochs, y: live.train.map(v => (v === null ? null : 100 * v)), color: palette[0] },
        { label: "validation", x: live.point_epochs, y: live.validation.map(v => (v === null ? null : 100 * v)), color: palette[1] }]);
    return false;
  };
  const poll = async () => { if (!(await show())) setTimeout(poll, 1000); };
  poll();
}

// ---- start -------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  const main = document.getElementById("main");
  const page = document.body.dataset.page;
  const id = document.body.dataset.job;
  const run = page === "job" ? jobPage(main, id) : page === "trial" ? trialPage(main, id) : page === "compare" ? comparePage(main) : indexPage(main);
  run.catch(e => fill(main, $("p", { class: "warning", text: e.message })));
});
