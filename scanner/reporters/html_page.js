/* leakstop report: sorts, filters and pages the findings embedded as JSON. Values are strangers' text, so
   they only ever reach the page through textContent and checked href attributes, never as markup. */
(() => {
  "use strict";
  const t0 = performance.now();
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("leakstop-data").textContent);
  const findings = data.findings;
  const STATUSES = ["new", "confirmed", "false-positive", "revoked", "accepted-risk"];
  const SHORT_COMMIT = 12;
  const columns = Array.from(document.querySelectorAll("#findings thead th[data-key]"));
  const tbody = $("rows");
  const state = { severity: "", provider: "", repository: "", status: "", age: "", terms: [], key: "", dir: 1,
    page: 0, size: 100 };
  const expanded = new Set();
  let view = findings;

  findings.forEach((f, i) => {
    const first = f.locations[0];
    f.i = i;
    f.where = first ? first.path + ":" + first.line : "";
    f.places = f.locations.length;
    f.age_days = f.age_days ?? null;
    f.hay = [f.rule_id, f.provider, f.repository, f.status, f.note ?? "", f.fingerprint, f.redacted,
      f.first_commit ?? ""].concat(f.locations.map((l) => l.path + " " + (l.commit ?? ""))).join("\n").toLowerCase();
  });

  /* Dates as the day they fall on where they were written: the time and offset only in the tooltip. */
  const day = (date) => (/^\d{4}-\d\d-\d\d[T ]/.test(date) ? date.slice(0, 10) : date);
  const dated = (date) => {
    const span = el("span", day(date));
    span.title = date;
    return span;
  };

  const lower = (name) => (f) => String(f[name]).toLowerCase();
  const KEYS = {
    severity: (f) => f.rank, provider: lower("provider"), rule_id: lower("rule_id"),
    repository: lower("repository"), where: lower("where"), status: (f) => statusRank(f.status),
    age: (f) => (f.age_days === null ? -1 : f.age_days), places: (f) => f.places, redacted: lower("redacted"),
  };

  function statusRank(status) {
    const known = STATUSES.indexOf(status);
    return known < 0 ? STATUSES.length + ":" + status : String(known);
  }

  function matches(f, withStatus) {
    if (state.severity && f.severity !== state.severity) return false;
    if (state.provider && f.provider !== state.provider) return false;
    if (state.repository && f.repository !== state.repository) return false;
    if (withStatus && state.status && f.status !== state.status) return false;
    if (state.age) {
      const limit = Number(state.age.slice(1));
      if (f.age_days === null) return false;
      if (state.age[0] === ">" ? f.age_days <= limit : f.age_days >= limit) return false;
    }
    for (const term of state.terms) if (!f.hay.includes(term)) return false;
    return true;
  }

  function sorted(list) {
    if (!state.key) return list;
    const get = KEYS[state.key];
    const dir = state.dir;
    const keyed = list.map((f) => [get(f), f.i, f]);
    keyed.sort((a, b) => (a[0] < b[0] ? -dir : a[0] > b[0] ? dir : a[1] - b[1]));
    return keyed.map((k) => k[2]);
  }

  /* Counts per status over the findings every other filter keeps: how many of *these* are still new. */
  function apply() {
    const base = findings.filter((f) => matches(f, false));
    const counts = new Map();
    for (const f of base) counts.set(f.status, (counts.get(f.status) || 0) + 1);
    view = sorted(state.status ? base.filter((f) => f.status === state.status) : base);
    state.page = Math.min(state.page, Math.max(0, Math.ceil(view.length / state.size) - 1));
    renderCounts(counts);
    render();
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function badge(kind, value) {
    return el("span", value, kind + " " + kind + "-" + value.replace(/[^\w-]/g, "_"));
  }

  function findingRow(f) {
    const tr = document.createElement("tr");
    tr.className = "f";
    tr.dataset.i = f.i;
    const toggle = el("button", null, "toggle");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", String(expanded.has(f.i)));
    toggle.setAttribute("aria-label", "Details of " + f.rule_id + " in " + f.where);
    tr.insertCell().appendChild(toggle);
    tr.insertCell().appendChild(badge("sev", f.severity));
    cell(tr, f.provider);
    cell(tr, f.rule_id);
    cell(tr, f.repository);
    cell(tr, f.where, "path");
    tr.insertCell().appendChild(badge("status", f.status));
    const age = cell(tr, f.age_days === null ? "" : f.age_days + " d", "num");
    age.title = f.first_date || "";
    cell(tr, String(f.places), "num");
    tr.insertCell().appendChild(el("code", f.redacted));
    return tr;
  }

  function link(url, text) {
    const code = el("code", text);
    if (!url || !/^https?:\/\//i.test(url)) return code;
    const a = el("a");
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.appendChild(code);
    return a;
  }

  function locationItem(loc) {
    const li = el("li");
    li.append(loc.repository + ": ", link(loc.url, loc.path + ":" + loc.line));
    if (loc.commit) li.append(" \u00b7 commit ", el("code", loc.commit.slice(0, SHORT_COMMIT)));
    if (loc.date) li.append(" \u00b7 ", dated(loc.date));
    if (loc.in_head != null) li.append(" \u00b7 ", el("span", loc.in_head ? "in HEAD" : "not in HEAD", "tag"));
    if (loc.preview) li.append(el("code", loc.preview, "preview"));
    return li;
  }

  function detailRow(f) {
    const tr = el("tr", null, "d");
    const td = tr.insertCell();
    td.colSpan = columns.length + 1;
    const box = el("div", null, "detail");
    const dl = el("dl");
    const entry = (term, ...content) => {
      const dd = el("dd");
      dd.append(...content);
      dl.append(el("dt", term), dd);
    };
    entry("Secret", el("code", f.redacted));
    entry("Fingerprint", el("code", f.fingerprint));
    entry("First commit", ...(f.first_commit
      ? [link(f.first_commit_url, f.first_commit.slice(0, SHORT_COMMIT)), " ", f.first_date ? dated(f.first_date) : ""]
      : ["\u2014"]));
    const triage = [badge("status", f.status)];
    if (f.triaged_by) triage.push(" by " + f.triaged_by);
    if (f.triaged_at) triage.push(" on " + f.triaged_at);
    if (f.note) triage.push(el("p", f.note, "note"));
    entry("Triage", ...triage);
    const places = el("ol");
    places.append(...f.locations.map(locationItem));
    box.append(dl, el("h4", "Locations (" + f.locations.length + ")"), places, el("h4", "Remediation"),
      el("p", f.remediation || "\u2014", "remediation"));
    td.appendChild(box);
    return tr;
  }

  function render() {
    const start = state.page * state.size;
    const page = view.slice(start, start + state.size);
    const rows = document.createDocumentFragment();
    for (const f of page) {
      rows.appendChild(findingRow(f));
      if (expanded.has(f.i)) rows.appendChild(detailRow(f));
    }
    if (!page.length) {
      const tr = el("tr");
      cell(tr, findings.length ? "No finding matches these filters." : "No findings.", "empty").colSpan =
        columns.length + 1;
      rows.appendChild(tr);
    }
    tbody.replaceChildren(rows);
    $("shown").textContent = view.length + " of " + findings.length + " findings shown";
    const pages = Math.max(1, Math.ceil(view.length / state.size));
    $("page-info").textContent = "Page " + (state.page + 1) + " of " + pages;
    $("prev").disabled = state.page === 0;
    $("next").disabled = state.page >= pages - 1;
  }

  /* The statuses the report holds, in triage order (as the server's counts list them). */
  const present = new Set(findings.map((f) => f.status));
  const statusOrder = STATUSES.filter((s) => present.has(s))
    .concat([...present].filter((s) => !STATUSES.includes(s)).sort());

  function renderCounts(counts) {
    const items = statusOrder.map((status) => {
      const li = el("li");
      li.dataset.status = status;
      if (state.status === status) li.className = "active";
      const button = el("button");
      button.type = "button";
      button.title = "Show only " + status;
      button.append(el("b", String(counts.get(status) || 0)), " " + status);
      button.addEventListener("click", () => setFilter("status", state.status === status ? "" : status));
      li.appendChild(button);
      return li;
    });
    $("status-counts").replaceChildren(...items);
  }

  function setFilter(name, value) {
    state[name] = value;
    $("f-" + name).value = value;
    state.page = 0;
    apply();
  }

  function toggle(button) {
    const tr = button.closest("tr");
    const i = Number(tr.dataset.i);
    if (expanded.has(i)) {
      expanded.delete(i);
      if (tr.nextSibling && tr.nextSibling.className === "d") tr.nextSibling.remove();
    } else {
      expanded.add(i);
      tr.after(detailRow(findings[i]));
    }
    button.setAttribute("aria-expanded", String(expanded.has(i)));
  }

  function sortBy(key) {
    state.dir = state.key === key ? -state.dir : 1;
    state.key = key;
    for (const th of columns) {
      if (th.dataset.key === key) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    state.page = 0;
    apply();
  }

  for (const th of columns) {
    const button = el("button", th.textContent);
    button.type = "button";
    button.addEventListener("click", () => sortBy(th.dataset.key));
    th.replaceChildren(button);
  }
  for (const name of ["severity", "provider", "repository", "status", "age"]) {
    $("f-" + name).addEventListener("change", (event) => setFilter(name, event.target.value));
  }
  $("f-search").addEventListener("input", (event) => {
    state.terms = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    state.page = 0;
    apply();
  });
  $("f-reset").addEventListener("click", () => {
    for (const name of ["severity", "provider", "repository", "status", "age"]) {
      state[name] = "";
      $("f-" + name).value = "";
    }
    $("f-search").value = "";
    state.terms = [];
    state.page = 0;
    apply();
  });
  tbody.addEventListener("click", (event) => {
    const button = event.target.closest("button.toggle");
    if (button) toggle(button);
  });
  $("prev").addEventListener("click", () => { state.page -= 1; render(); });
  $("next").addEventListener("click", () => { state.page += 1; render(); });
  $("page-size").addEventListener("change", (event) => {
    state.size = Number(event.target.value);
    state.page = 0;
    apply();
  });

  $("findings").hidden = false;
  $("controls").hidden = false;
  $("pager").hidden = false;
  apply();
  document.body.dataset.ready = String(Math.round(performance.now() - t0));
})();
