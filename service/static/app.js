// Triage console: plain JS, no build step. Every piece of user text goes through textContent (never innerHTML).
(function () {
  const S = {
    key: localStorage.getItem("fnk_key") || "",
    lang: localStorage.getItem("fnk_lang") || "zh",
    actor: localStorage.getItem("fnk_actor") || "",
    tax: null, view: "queue", current: null,
  };
  const $ = (sel) => document.querySelector(sel);
  const t = (k) => (window.I18N[S.lang] && window.I18N[S.lang][k]) || window.I18N.zh[k] || k;
  const LEVEL_COLOR = { red: "#d94841", yellow: "#e6a700", blue: "#3f88c5" };

  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === "class") n.className = attrs[k];
      else if (k === "on") for (const ev in attrs.on) n.addEventListener(ev, attrs.on[ev]);
      else if (k === "data") for (const d in attrs.data) n.dataset[d] = attrs.data[d];
      else n.setAttribute(k, attrs[k]);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) n.append(c instanceof Node ? c : String(c));
    return n;
  }

  async function api(method, path, body) {
    const headers = { Authorization: "Bearer " + S.key };
    if (S.actor) headers["X-Actor"] = encodeURIComponent(S.actor);
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      const err = new Error((data.error && data.error.message) || r.statusText);
      err.status = r.status; err.code = data.error && data.error.code;
      throw err;
    }
    return data;
  }

  function toast(msg, bad) {
    const n = $("#toast");
    n.textContent = msg;
    n.className = "toast" + (bad ? " bad" : "");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => n.classList.add("hidden"), 2500);
  }

  // ---------------------------------------------------------------- language
  function applyI18n() {
    document.documentElement.lang = S.lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((n) => (n.textContent = t(n.dataset.i18n)));
    document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => (n.placeholder = t(n.dataset.i18nPlaceholder)));
    $("#lang").textContent = t("lang_switch");
    document.title = t("title");
  }
  const label = (list, code) => {
    const row = S.tax && S.tax[list].find((x) => x.code === code);
    return row ? (S.lang === "zh" ? row.zh : row.en) : code;
  };
  const summary = (a) => (S.lang === "zh" ? a.summary_zh || a.summary_en : a.summary_en || a.summary_zh) || a.rule_id;
  const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(S.lang === "zh" ? "zh-CN" : "en-GB") : "-");

  function countdown(deadline) {
    if (!deadline) return { text: "-", overdue: false };
    let ms = new Date(deadline) - Date.now();
    const overdue = ms < 0;
    ms = Math.abs(ms);
    const d = Math.floor(ms / 86400000), h = Math.floor((ms % 86400000) / 3600000);
    const m = Math.floor((ms % 3600000) / 60000), s = Math.floor((ms % 60000) / 1000);
    const parts = (d ? [d + t("d")] : []).concat([h + t("h"), m + t("m"), s + t("s")]);
    const body = parts.slice(0, 3).join(" ");
    return { text: overdue ? `${t("overdue")} ${body}` : S.lang === "zh" ? `${t("left")} ${body}` : `${body} ${t("left")}`, overdue };
  }
  function tickCountdowns() {
    document.querySelectorAll("[data-deadline]").forEach((n) => {
      const c = countdown(n.dataset.deadline);
      n.textContent = c.text;
      n.classList.toggle("overdue", c.overdue);
    });
  }

  // ---------------------------------------------------------------- actions
  async function act(alert, action) {
    let body;
    if (action === "assign") {
      const who = window.prompt(t("assign_prompt"), alert.assignee || S.actor || "");
      if (!who) return;
      body = { assignee: who };
    } else if (action === "comment") {
      const text = window.prompt(t("comment_prompt"));
      if (!text) return;
      body = { comment: text };
    }
    try {
      await api("POST", `/v1/alerts/${alert.id}/${action}`, body);
      toast(t("done"));
    } catch (e) {
      toast(`${t("failed")}: ${e.message}`, true);
    }
    await refresh();
  }
  function actionButtons(a) {
    const b = (action, cls) => el("button", { class: "act " + (cls || ""), "data-action": action,
      on: { click: (ev) => { ev.stopPropagation(); act(a, action); } } }, t(action === "acknowledge" ? "ack" : action));
    if (a.status === "resolved") return [b("reopen"), b("comment")];
    return [a.status === "open" || a.status === "silenced" ? b("acknowledge", "primary") : null, b("assign"), b("resolve", "ok")];
  }
  const levelBadge = (level) => el("span", { class: `badge level-${level}` }, t("level_" + level));
  const statusChip = (st) => el("span", { class: `status st-${st}` }, t("status_" + st));

  // ---------------------------------------------------------------- queue
  async function loadQueue() {
    const q = new URLSearchParams({ order: "sla", limit: "200" });
    q.append("status", "open");
    if ($("#show-acked").checked) q.append("status", "acknowledged");
    const data = await api("GET", "/v1/alerts?" + q);
    const body = $("#queue-body");
    body.replaceChildren(...data.items.map((a) => el("tr", { class: `alert-row level-${a.level}`, data: { id: a.id },
        on: { click: () => openAlert(a.id) } },
      el("td", {}, levelBadge(a.level)),
      el("td", { class: "summary" }, el("div", {}, summary(a)), el("small", { class: "muted" }, `#${a.id} · ${a.rule_id}`)),
      el("td", {}, a.team || "-"),
      el("td", {}, statusChip(a.status)),
      el("td", { class: "assignee" }, a.assignee || "-"),
      el("td", { class: "countdown", data: { deadline: a.sla_deadline || "" } }),
      el("td", { class: "actions" }, actionButtons(a)))));
    $("#queue-empty").classList.toggle("hidden", data.items.length > 0);
    tickCountdowns();
  }

  // ---------------------------------------------------------------- feedback
  async function loadFeedbackList() {
    const data = await api("GET", "/v1/feedback?limit=50");
    $("#feedback-list").replaceChildren(...data.items.map((f) => el("li", { class: "fb-item", data: { id: f.id },
        on: { click: () => openFeedback(f.id) } },
      el("span", { class: `chip sent-${f.sentiment}` }, t({ negative: "neg", neutral: "neu", positive: "pos" }[f.sentiment] || "neu")),
      " ", f.text.length > 40 ? f.text.slice(0, 40) + "…" : f.text)));
  }

  function highlighted(text, keywords) {
    const out = el("p", { class: "original" });
    const kws = (keywords || []).filter((k) => k.end > k.start).sort((a, b) => a.start - b.start);
    let pos = 0;
    for (const k of kws) {
      if (k.start < pos) continue; // overlapping hit: keep the first
      out.append(text.slice(pos, k.start));
      out.append(el("mark", { class: `kw sev-${k.severity || 1}${k.negated ? " negated" : ""}`,
        title: `${label("causes", k.cause)} · ${k.term}` }, text.slice(k.start, k.end)));
      pos = k.end;
    }
    out.append(text.slice(pos));
    return out;
  }

  function scoreBars(cls) {
    const causeItems = Object.entries(cls.cause_scores || {}).sort((a, b) => b[1] - a[1]).slice(0, 6)
      .map(([code, v]) => ({ label: label("causes", code), value: v, text: (v * 100).toFixed(0) + "%",
        color: (cls.causes || []).some((c) => c.code === code) ? "#d94841" : "#9aa5b1" }));
    const sent = cls.sentiment || { scores: {} }, churn = cls.churn_intent || { scores: {} };
    const sentItems = ["negative", "neutral", "positive"].map((k, i) => ({ label: t(["neg", "neu", "pos"][i]),
      value: sent.scores[k] || 0, text: ((sent.scores[k] || 0) * 100).toFixed(0) + "%", color: ["#d94841", "#9aa5b1", "#5aa469"][i] }));
    const churnItems = ["none", "risk", "explicit"].map((k, i) => ({ label: t(k), value: churn.scores[k] || 0,
      text: ((churn.scores[k] || 0) * 100).toFixed(0) + "%", color: ["#5aa469", "#e6a700", "#d94841"][i] }));
    const box = (title, items, id) => { const d = el("div", { class: "bars", id }); Charts.hbars(d, items); return el("div", { class: "bar-box" }, el("h4", {}, title), d); };
    return el("div", { class: "bar-grid" }, box(t("causes"), causeItems, "bars-causes"), box(t("sentiment"), sentItems, "bars-sentiment"),
      box(t("churn"), churnItems, "bars-churn"));
  }

  function alertCard(a, events) {
    return el("div", { class: `alert-card level-${a.level}`, data: { id: a.id } },
      el("div", { class: "alert-head" }, levelBadge(a.level), " ", statusChip(a.status), " ", el("strong", {}, summary(a))),
      el("div", { class: "muted" }, `${t("rule")}: ${a.rule_id} · ${t("col_team")}: ${a.team || "-"} · ${t("col_assignee")}: ${a.assignee || "-"}`),
      el("div", {}, `${t("deadline")}: ${fmtTime(a.sla_deadline)} · `, el("span", { class: "countdown", data: { deadline: a.sla_deadline || "" } })),
      el("div", { class: "actions" }, actionButtons(a).concat([a.status !== "resolved" ? el("button", { class: "act", "data-action": "comment",
        on: { click: () => act(a, "comment") } }, t("comment")) : null])),
      events ? el("div", { class: "audit" }, el("h4", {}, t("audit")), el("ol", {}, events.map((e) => el("li", {},
        el("time", {}, fmtTime(e.at)), " ", el("b", {}, t("ev_" + e.action)), " · ", e.actor,
        e.detail && (e.detail.comment || e.detail.assignee) ? ` — ${e.detail.assignee ? "→ " + e.detail.assignee + " " : ""}${e.detail.comment || ""}` : "")))) : null);
  }

  function renderDetail(fb, alerts, events) {
    const cls = fb.classification || {};
    const d = $("#detail");
    d.replaceChildren(
      el("h3", {}, t("original_text")),
      el("div", { class: "muted" }, `${t("source")}: ${fb.source || "-"} · ${t("received")}: ${fmtTime(fb.received_at)} · #${fb.id}`),
      highlighted(fb.text, cls.keywords),
      el("div", { class: "kw-list" }, (cls.keywords || []).map((k) => el("span", { class: "chip" }, `${k.text} → ${label("causes", k.cause)}`))),
      scoreBars(cls),
      alerts.length ? el("h3", {}, t("alerts_of")) : null,
      ...alerts.map((a) => alertCard(a, events && events[a.id])));
    tickCountdowns();
  }

  async function openFeedback(id) {
    const fb = await api("GET", `/v1/feedback/${id}`);
    const events = {};
    for (const a of fb.alerts) events[a.id] = (await api("GET", `/v1/alerts/${a.id}`)).events;
    S.current = { type: "feedback", id };
    renderDetail(fb, fb.alerts, events);
  }

  async function openAlert(id) {
    const a = await api("GET", `/v1/alerts/${id}`);
    if (S.view !== "feedback") { show("feedback"); loadFeedbackList().catch(() => {}); }
    S.current = { type: "alert", id };
    if (a.feedback) renderDetail(a.feedback, [a], { [a.id]: a.events });
    else $("#detail").replaceChildren(alertCard(a, a.events));
  }

  // ---------------------------------------------------------------- dashboard
  async function loadDashboard() {
    const data = await api("GET", "/v1/dashboard?days=" + $("#days").value);
    const codes = data.causes_over_time.codes;
    const causeSeries = codes.map((c) => ({ values: Object.fromEntries(data.days.map((d) => [d, (data.causes_over_time.series[d] || {})[c] || 0])) }));
    Charts.stacked($("#chart-causes"), data.days, causeSeries, codes.map((c) => label("causes", c)), Charts.PALETTE);
    const sentKeys = ["negative", "neutral", "positive"];
    Charts.lines($("#chart-sentiment"), data.days,
      sentKeys.map((k) => ({ values: Object.fromEntries(data.days.map((d) => [d, data.sentiment_trend[d][k]])) })),
      [t("neg"), t("neu"), t("pos")], ["#d94841", "#9aa5b1", "#5aa469"]);
    if (data.top_keywords.length) Charts.hbars($("#chart-keywords"), data.top_keywords.map((k) => ({ label: k.term, value: k.count })), "#e8893b");
    else $("#chart-keywords").replaceChildren(el("p", { class: "muted" }, t("no_data")));
    const sla = data.sla;
    Charts.donut($("#chart-sla"), sla.compliance, sla.compliance === null ? "—" : (sla.compliance * 100).toFixed(0) + "%",
      el("p", { class: "muted" }, sla.compliance === null ? t("sla_none") : `${t("sla_met")} ${sla.met} · ${t("sla_breached")} ${sla.breached}`));
  }

  // ---------------------------------------------------------------- shell
  function show(view) {
    S.view = view;
    document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
    document.querySelectorAll(".view").forEach((v) => v.classList.toggle("hidden", v.id !== "view-" + view));
  }
  async function refresh() {
    try {
      if (S.view === "queue") await loadQueue();
      if (S.view === "feedback") {
        await loadFeedbackList();
        if (S.current) await (S.current.type === "alert" ? openAlert(S.current.id) : openFeedback(S.current.id));
      }
      if (S.view === "dashboard") await loadDashboard();
    } catch (e) {
      if (e.status === 401) return logout();
      toast(`${t("failed")}: ${e.message}`, true);
    }
  }
  async function enter() {
    try {
      S.tax = await api("GET", "/v1/taxonomy");
    } catch (e) {
      $("#login").classList.remove("hidden");
      $("#app").classList.add("hidden");
      $("#login-error").textContent = S.key ? t("login_bad") : "";
      return;
    }
    $("#login").classList.add("hidden");
    $("#app").classList.remove("hidden");
    await refresh();
  }
  function logout() {
    S.key = "";
    localStorage.removeItem("fnk_key");
    enter();
  }

  document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => { show(b.dataset.view); refresh(); }));
  $("#lang").addEventListener("click", () => { S.lang = S.lang === "zh" ? "en" : "zh"; localStorage.setItem("fnk_lang", S.lang); applyI18n(); refresh(); });
  $("#logout").addEventListener("click", logout);
  $("#refresh").addEventListener("click", refresh);
  $("#show-acked").addEventListener("change", refresh);
  $("#days").addEventListener("change", refresh);
  $("#actor").value = S.actor;
  $("#actor").addEventListener("change", (e) => { S.actor = e.target.value.trim(); localStorage.setItem("fnk_actor", S.actor); });
  $("#login-form").addEventListener("submit", (e) => { e.preventDefault(); S.key = $("#key").value.trim(); localStorage.setItem("fnk_key", S.key); enter(); });
  setInterval(tickCountdowns, 1000);
  setInterval(() => { if (S.view === "queue" && !document.hidden) refresh(); }, 30000);
  applyI18n();
  enter();
})();
