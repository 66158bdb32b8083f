// Fact popups on the document page: click or press Enter on a highlighted span.
(function () {
  const data = document.getElementById("facts-data");
  const panel = document.getElementById("fact-panel");
  if (!data || !panel) return;
  const facts = JSON.parse(data.textContent);
  const labels = {benefit: "支持政策", condition: "条件", stacking: "叠加规则", target: "目标", task: "任务", deadline: "时限", penalty: "罚则"};
  const skip = new Set(["fact_kind", "doc_id", "file", "start", "end", "end_line", "quote", "id", "currency"]);
  function show(ids) {
    panel.replaceChildren();
    for (const id of ids) {
      const f = facts[id];
      if (!f) continue;
      const h = document.createElement("strong");
      h.textContent = (labels[f.fact_kind] || f.fact_kind) + " · " + f.file + ":" + f.line;
      const dl = document.createElement("dl");
      for (const [k, v] of Object.entries(f)) {
        if (skip.has(k) || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
        const dt = document.createElement("dt"); dt.textContent = k;
        const dd = document.createElement("dd"); dd.textContent = Array.isArray(v) ? v.join("、") : String(v);
        dl.append(dt, dd);
      }
      panel.append(h, dl);
    }
    panel.hidden = false;
  }
  document.addEventListener("click", (e) => {
    const span = e.target.closest(".fact");
    if (span) show(span.dataset.facts.split(" "));
    else if (!panel.contains(e.target)) panel.hidden = true;
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target.classList && e.target.classList.contains("fact")) show(e.target.dataset.facts.split(" "));
    if (e.key === "Escape") panel.hidden = true;
  });
  for (const span of document.querySelectorAll(".fact")) {
    span.title = span.dataset.facts.split(" ").map((id) => facts[id]).filter(Boolean)
      .map((f) => (labels[f.fact_kind] || f.fact_kind) + (f.amount_yuan != null ? " " + f.amount_yuan + "元" : "") + (f.rate != null ? " " + (f.rate * 100) + "%" : "")).join("；");
  }
})();

// Calculator: filter the qualification pick-list as the user types (name or label, any part).
(function () {
  const box = document.getElementById("qual-filter");
  if (!box) return;
  const items = Array.from(document.querySelectorAll("#qual-picklist .pick"));
  const count = document.getElementById("qual-count");
  function apply() {
    const q = box.value.trim();
    let shown = 0;
    for (const it of items) {
      const hit = !q || it.dataset.search.includes(q) || it.querySelector("input").checked;
      it.hidden = !hit;
      if (hit) shown += 1;
    }
    if (count) count.textContent = "显示 " + shown + " / " + items.length + " 项";
  }
  box.addEventListener("input", apply);
  apply();
})();
