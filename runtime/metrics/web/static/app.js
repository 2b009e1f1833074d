// The Sabot job page: polls /api/v1 (docs/ui.md) once a second and redraws. Plain browser JS, no build step.

(() => {
  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  };
  const get = (path) =>
    fetch(path, { cache: "no-store" }).then((r) =>
      r.ok ? r.json() : Promise.reject(new Error(`${path}: HTTP ${r.status}`)),
    );
  const num = (x, digits = 1) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));
  const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(0)}%`);
  const bytes = (b) =>
    b === null
      ? "–"
      : b < 1024
        ? `${b} B`
        : b < 1048576
          ? `${(b / 1024).toFixed(1)} KiB`
          : `${(b / 1048576).toFixed(1)} MiB`;
  const time = (ms) => (ms === null ? "–" : new Date(ms).toLocaleTimeString());

  function showPage() {
    const page = (location.hash || "#overview").slice(1);
    for (const s of document.querySelectorAll(".page")) s.classList.toggle("active", s.id === `page-${page}`);
    for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.page === page);
  }

  function renderJob(j) {
    $("job-name").textContent = j.name;
    document.title = `${j.name} · Sabot`;
    $("job-state").textContent = j.state;
    $("job-state").className = `state ${j.state}`;
    $("job-meta").textContent =
      `parallelism ${j.parallelism} · started ${time(j.startTime)} · ${j.restarts.length} restarts`;
    const list = $("restarts");
    list.replaceChildren(
      ...(j.restarts.length
        ? j.restarts.map((r) => el("li", "", `${time(r.at)}: ${r.cause}`))
        : [el("li", "", "none")]),
    );
  }

  function renderGraph(g) {
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const boxes = g.chains.map((c) => {
      const box = el("div", "chain");
      box.dataset.chain = c.id;
      c.nodes.forEach((id, i) => {
        const n = byId.get(id);
        if (!n) return;
        if (i > 0) box.append(el("span", "arrow", "→"));
        const d = el("div", `node ${n.kind}`);
        d.dataset.nodeId = n.id;
        d.append(el("div", "name", n.id), el("div", "kind", n.kind));
        d.append(
          el("div", "rate in", `in ${num(n.recordsInPerSecond)}/s`),
          el("div", "rate out", `out ${num(n.recordsOutPerSecond)}/s`),
        );
        d.append(el("div", "rate", `busy ${pct(n.busy)} · backpressured ${pct(n.backpressured)}`));
        if (n.stateBytes !== null) d.append(el("div", "rate", `state ${bytes(n.stateBytes)}`));
        box.append(d);
      });
      return box;
    });
    for (const x of g.exchanges)
      boxes.push(el("div", "chain exchange", `exchange ${x.stream} ⇒ ${x.target} (${x.partitioning})`));
    $("graph").replaceChildren(...boxes);
  }

  function rows(tableId, items, cells, rowClass) {
    const body = $(tableId).querySelector("tbody");
    body.replaceChildren(
      ...items.map((it) => {
        const tr = el("tr", rowClass ? rowClass(it) : "");
        for (const [cls, text] of cells(it)) tr.append(el("td", cls, text));
        return tr;
      }),
    );
  }

  function renderWatermarks(w) {
    rows("watermarks", w.splits, (s) => [
      ["", s.subtask],
      ["", num(s.watermarkLagSeconds, 3)],
    ]);
    rows(
      "split-watermarks",
      w.sourceSplits,
      (s) => [
        ["", s.subtask],
        ["", s.source],
        ["", s.split],
        ["lag", num(s.watermarkLagSeconds, 3)],
        ["", s.idle ? "idle" : ""],
      ],
      (s) => (s.idle ? "idle" : ""),
    );
    rows("late", w.lateRecords, (l) => [
      ["", l.operator],
      ["", l.count],
    ]);
    rows("kafka-lag", w.kafkaLag, (k) => [
      ["", k.source],
      ["", k.topic],
      ["", k.partition],
      ["", k.lag],
    ]);
  }

  function renderCheckpoints(c) {
    $("checkpoint-counts").textContent = `(${c.completed} completed, ${c.failed} failed)`;
    rows(
      "checkpoints",
      c.history,
      (e) => [
        ["id", e.id],
        ["", e.kind],
        ["status", e.status],
        ["", time(e.triggeredAt)],
        ["", e.durationMs === null ? "–" : `${num(e.durationMs, 0)} ms`],
        ["", bytes(e.sizeBytes)],
        ["alignment", e.alignmentMs === null ? "–" : `${num(e.alignmentMs, 1)} ms`],
        ["detail", e.failure ?? e.path ?? ""],
      ],
      (e) => e.status,
    );
  }

  const inputs = (o) =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : Number(v).toFixed(3)}`)
      .join(" ");

  function renderOperator(o) {
    $("operator-reported").textContent =
      o.reportedAt === null
        ? "This job does not run under the Sabot operator: no autoscaler decisions or Events."
        : `Reported by the Sabot operator at ${time(o.reportedAt)}.`;
    rows("decisions", o.decisions, (d) => [
      ["", time(d.at)],
      ["", `${d.current} → ${d.recommended}`],
      ["", d.applied ? "yes" : "no"],
      ["reason", d.reason],
      ["", d.message],
      ["inputs", inputs(d.inputs)],
    ]);
    rows("rescales", o.rescales, (r) => [
      ["", time(r.at)],
      ["", `${r.from} → ${r.to}`],
      ["", r.trigger],
      ["reason", r.reason],
      ["", r.effectiveness === null ? "–" : num(r.effectiveness, 2)],
    ]);
    rows(
      "events",
      o.events,
      (e) => [
        ["", time(e.at)],
        ["", e.type],
        ["reason", e.reason],
        ["", e.message],
        ["", e.count],
        ["", e.component],
      ],
      (e) => e.type,
    );
  }

  /** [element id, title, [[column, label, color], ...]] of each plot. */
  const PLOTS = [
    [
      "plot-rates",
      "Records per second",
      [
        ["recordsInPerSecond", "in", "#38c"],
        ["recordsOutPerSecond", "out", "#3a6"],
      ],
    ],
    [
      "plot-busy",
      "Busy / backpressured",
      [
        ["busy", "busy", "#a6c"],
        ["backpressured", "backpressured", "#c44"],
      ],
    ],
    [
      "plot-lag",
      "Lag",
      [
        ["watermarkLagSeconds", "watermark lag (s)", "#c83"],
        ["kafkaLag", "Kafka lag", "#555"],
      ],
    ],
  ].map(([id, title, series]) => [id, title, series.map(([key, label, color]) => ({ key, label, color }))]);
  const plots = {};
  function plot(id, title, series, columns) {
    const data = [columns.t, ...series.map((s) => columns[s.key])];
    if (!plots[id]) {
      plots[id] = new uPlot(
        {
          title,
          width: 420,
          height: 200,
          axes: [{}, { size: 70 }],
          series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color }))],
        },
        data,
        $(id),
      );
    } else plots[id].setData(data);
  }

  function renderHistory(h) {
    const cols = {
      t: [],
      recordsInPerSecond: [],
      recordsOutPerSecond: [],
      busy: [],
      backpressured: [],
      watermarkLagSeconds: [],
      kafkaLag: [],
    };
    for (const s of h.samples) for (const k of Object.keys(cols)) cols[k].push(k === "t" ? s.t / 1000 : s[k]);
    document.body.dataset.samples = String(h.samples.length);
    for (const [id, title, series] of PLOTS) plot(id, title, series, cols);
  }

  async function poll() {
    try {
      const [job, graph, wm, cps, hist, op] = await Promise.all(
        ["job", "graph", "watermarks", "checkpoints", "metrics/history", "operator"].map((p) => get(`/api/v1/${p}`)),
      );
      renderJob(job);
      renderGraph(graph);
      renderWatermarks(wm);
      renderCheckpoints(cps);
      renderHistory(hist);
      renderOperator(op);
      $("error").textContent = "";
    } catch (err) {
      $("error").textContent = `cannot reach the job: ${err.message}`;
    }
    setTimeout(poll, POLL_MS);
  }

  window.addEventListener("hashchange", showPage);
  showPage();
  poll();
})();
