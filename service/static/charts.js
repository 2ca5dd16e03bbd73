// Tiny hand-written SVG charts (no library, nothing loaded from the network).
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#d94841", "#e8893b", "#e6c229", "#5aa469", "#3f88c5", "#7d5ba6", "#c05299", "#8c6d46",
                   "#4cb5ae", "#9aa5b1", "#b5443a", "#2f6690", "#6b7280"];

  function svg(tag, attrs, text) {
    const n = document.createElementNS(NS, tag);
    for (const k in attrs || {}) n.setAttribute(k, attrs[k]);
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function frame(w, h, label, fixed) {
    // fixed: draw at its natural size (small charts), otherwise stretch to the card width
    const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: fixed ? w : "100%", role: "img", "aria-label": label || "" });
    if (fixed) root.style.maxWidth = "100%";
    return root;
  }
  const niceMax = (v) => Math.max(4, Math.ceil(v / 4) * 4);

  // Stacked columns: days on x, one colour per series.
  function stacked(container, days, series, names, colors) {
    const W = 640, H = 240, L = 36, B = 40, T = 10;
    const root = frame(W, H, "stacked");
    const totals = days.map((d) => series.reduce((a, s) => a + ((s.values[d]) || 0), 0));
    const max = niceMax(Math.max(...totals, 0));
    const bw = (W - L - 10) / days.length;
    root.appendChild(svg("line", { x1: L, y1: H - B, x2: W - 5, y2: H - B, class: "axis" }));
    for (let i = 0; i <= 4; i++) {
      const v = Math.round((max * i) / 4), y = H - B - ((H - B - T) * i) / 4;
      root.appendChild(svg("text", { x: L - 4, y: y + 4, class: "tick", "text-anchor": "end" }, String(v)));
      root.appendChild(svg("line", { x1: L, y1: y, x2: W - 5, y2: y, class: "grid" }));
    }
    days.forEach((d, i) => {
      let y = H - B;
      series.forEach((s, j) => {
        const v = s.values[d] || 0;
        if (!v) return;
        const h = ((H - B - T) * v) / max;
        y -= h;
        const r = svg("rect", { x: L + i * bw + 2, y, width: Math.max(1, bw - 4), height: h, fill: colors[j % colors.length], class: "bar" });
        r.appendChild(svg("title", {}, `${d} ${names[j]}: ${v}`));
        root.appendChild(r);
      });
      if (days.length <= 16 || i % 2 === 0)
        root.appendChild(svg("text", { x: L + i * bw + bw / 2, y: H - B + 14, class: "tick", "text-anchor": "middle" }, d.slice(5)));
    });
    container.replaceChildren(root, legend(names, colors, series.map((s) => days.some((d) => s.values[d]))));
  }

  function lines(container, days, series, names, colors) {
    const W = 640, H = 220, L = 36, B = 30, T = 10;
    const root = frame(W, H, "lines");
    const max = niceMax(Math.max(0, ...series.flatMap((s) => days.map((d) => s.values[d] || 0))));
    const x = (i) => L + (days.length === 1 ? (W - L) / 2 : (i * (W - L - 15)) / (days.length - 1));
    const y = (v) => H - B - ((H - B - T) * v) / max;
    root.appendChild(svg("line", { x1: L, y1: H - B, x2: W - 5, y2: H - B, class: "axis" }));
    for (let i = 0; i <= 4; i++) {
      const v = Math.round((max * i) / 4);
      root.appendChild(svg("text", { x: L - 4, y: y(v) + 4, class: "tick", "text-anchor": "end" }, String(v)));
    }
    series.forEach((s, j) => {
      const pts = days.map((d, i) => `${x(i).toFixed(1)},${y(s.values[d] || 0).toFixed(1)}`).join(" ");
      root.appendChild(svg("polyline", { points: pts, fill: "none", stroke: colors[j], "stroke-width": 2.5, class: "line" }));
      days.forEach((d, i) => {
        const c = svg("circle", { cx: x(i), cy: y(s.values[d] || 0), r: 3, fill: colors[j] });
        c.appendChild(svg("title", {}, `${d} ${names[j]}: ${s.values[d] || 0}`));
        root.appendChild(c);
      });
    });
    days.forEach((d, i) => {
      if (days.length <= 16 || i % 2 === 0)
        root.appendChild(svg("text", { x: x(i), y: H - B + 14, class: "tick", "text-anchor": "middle" }, d.slice(5)));
    });
    container.replaceChildren(root, legend(names, colors));
  }

  function hbars(container, items, color) {
    const W = 320, row = 22, H = Math.max(row, items.length * row) + 4, L = 110;
    const root = frame(W, H, "bars", true);
    const max = Math.max(1, ...items.map((it) => it.value));
    items.forEach((it, i) => {
      const y = i * row + 2;
      root.appendChild(svg("text", { x: L - 6, y: y + 14, class: "label", "text-anchor": "end" }, it.label));
      const w = ((W - L - 40) * it.value) / max;
      const r = svg("rect", { x: L, y: y + 3, width: Math.max(1, w), height: row - 8, fill: it.color || color, class: "bar" });
      root.appendChild(r);
      root.appendChild(svg("text", { x: L + w + 4, y: y + 14, class: "value" }, it.text || String(it.value)));
    });
    container.replaceChildren(root);
  }

  function donut(container, share, centre, parts) {
    const W = 200, H = 200, R = 70, C = 2 * Math.PI * R;
    const root = frame(W, H, "donut", true);
    root.appendChild(svg("circle", { cx: 100, cy: 100, r: R, fill: "none", stroke: "#e5e7eb", "stroke-width": 22 }));
    if (share !== null) {
      root.appendChild(svg("circle", { cx: 100, cy: 100, r: R, fill: "none", stroke: share >= 0.9 ? "#5aa469" : share >= 0.7 ? "#e6c229" : "#d94841",
        "stroke-width": 22, "stroke-dasharray": `${(C * share).toFixed(1)} ${C.toFixed(1)}`, transform: "rotate(-90 100 100)", class: "arc" }));
    }
    root.appendChild(svg("text", { x: 100, y: 108, "text-anchor": "middle", class: "big" }, centre));
    container.replaceChildren(root);
    if (parts) container.appendChild(parts);
  }

  function legend(names, colors, shown) {
    const div = document.createElement("div");
    div.className = "legend";
    names.forEach((n, i) => {
      if (shown && !shown[i]) return;
      const s = document.createElement("span");
      const sw = document.createElement("i");
      sw.style.background = colors[i % colors.length];
      s.append(sw, document.createTextNode(n));
      div.appendChild(s);
    });
    return div;
  }

  window.Charts = { stacked, lines, hbars, donut, PALETTE };
})();
