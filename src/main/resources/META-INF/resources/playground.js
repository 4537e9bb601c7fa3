// rbon playground: samples a pool through the streaming OpenAI route, then scores and re-selects it through
// /v1/select as beta moves. Plain browser JavaScript, no libraries: the page works offline.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { model: null, input: null, candidates: [], scored: null, method: "rbon_kl" };

// slider position 0..60 -> beta: 0, then 1e-3 .. 1e3 on a log scale
const sliderToBeta = (pos) => (pos === 0 ? 0 : Number(Math.pow(10, pos / 10 - 3).toPrecision(3)));
const betaToSlider = (beta) => (beta <= 0 ? 0 : Math.max(1, Math.min(60, Math.round((Math.log10(beta) + 3) * 10))));

async function loadModel() {
  const models = await (await fetch("/v1/models")).json();
  state.model = models.data.length ? models.data[0].id : null;
  $("model").textContent = state.model ? "Policy: " + state.model + "." : "Models are still loading.";
}

function status(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

function numberField(id) {
  const v = $(id).value.trim();
  return v === "" ? undefined : Number(v);
}

/** The prompt or the conversation, as both the completion route and /v1/select take it. */
function currentInput() {
  if (document.querySelector("input[name=mode]:checked").value === "prompt") {
    return { prompt: $("prompt").value };
  }
  const messages = [];
  if ($("system").value.trim()) messages.push({ role: "system", content: $("system").value });
  messages.push({ role: "user", content: $("user").value });
  return { messages };
}

async function sample(event) {
  event.preventDefault();
  if (!state.model) await loadModel();
  state.input = currentInput();
  state.method = $("method").value;
  const beta = numberField("beta") || 0;
  const body = Object.assign({}, state.input, {
    model: state.model, stream: true, n: 1, best_of: numberField("best_of"), method: state.method, beta,
    max_tokens: numberField("max_tokens"), temperature: numberField("temperature"), top_p: numberField("top_p"),
    top_k: numberField("top_k"), epsilon: numberField("epsilon"), seed: numberField("seed"),
    return_candidates: true,
  });
  const route = state.input.prompt !== undefined ? "/v1/completions" : "/v1/chat/completions";
  $("submit").disabled = true;
  $("beta-slider").disabled = true;
  $("answer").textContent = "";
  status("waiting for a worker…");
  try {
    const pool = await stream(route, body);
    state.candidates = pool.candidates.map((c) => c.text);
    $("beta-slider").value = betaToSlider(beta);
    await reselect(beta);
    $("beta-slider").disabled = false;
  } catch (e) {
    status(e.message, true);
  } finally {
    $("submit").disabled = false;
  }
}

/** Reads the SSE stream: comments are progress, content deltas build the answer, the last chunk has the pool. */
async function stream(route, body) {
  const response = await fetch(route, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) {
    const error = await response.json();
    throw new Error(response.status + ": " + error.error.message);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let pool = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      pool = onEvent(event) || pool;
    }
  }
  if (!pool) throw new Error("the stream ended without the pool");
  return pool;
}

function onEvent(event) {
  if (event.startsWith(":")) {
    status(event.slice(1).trim() + "…");
    return null;
  }
  if (!event.startsWith("data: ")) return null;
  const data = event.slice(6);
  if (data === "[DONE]") return null;
  const chunk = JSON.parse(data);
  if (chunk.error) throw new Error(chunk.error.message);
  for (const choice of chunk.choices) {
    const text = choice.delta ? choice.delta.content : choice.text;
    if (text) $("answer").textContent += text;
  }
  return chunk.rbon || null;
}

/** Scores the pool at this beta (every score, so the plot has them all) and shows the method's pick. */
async function reselect(beta) {
  status("selecting…");
  const response = await fetch("/v1/select", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify(Object.assign({}, state.input, {
      candidates: state.candidates, method: state.method, beta, seed: numberField("seed"),
    })),
  });
  const result = await response.json();
  if (!response.ok) throw new Error(response.status + ": " + result.detail);
  state.scored = result;
  $("beta-value").textContent = String(beta);
  $("answer").textContent = result.text;
  const c = result.chosen;
  $("chosen-info").textContent = "candidate " + result.chosen_index + " of " + result.n + " · reward "
      + c.reward.toFixed(3) + " · log π_ref " + c.ref_logprob.toFixed(3) + " · objective " + c.objective.toFixed(3);
  $("plot").dataset.chosen = String(result.chosen_index);
  $("plot").dataset.beta = String(beta);
  plot(result);
  status("done: " + result.method + " at beta " + beta);
}

let pending = null;
function onSlide() {
  const beta = sliderToBeta(Number($("beta-slider").value));
  $("beta-value").textContent = String(beta);
  $("beta").value = beta;
  clearTimeout(pending);
  pending = setTimeout(() => reselect(beta).catch((e) => status(e.message, true)), 120);
}

const SVG = "http://www.w3.org/2000/svg";
function el(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  parent.appendChild(node);
  return node;
}

/** Reward (y) against log pi_ref (x), radius by mean similarity, the chosen candidate ringed. */
function plot(result) {
  const svg = $("plot");
  svg.replaceChildren();
  const W = 720, H = 420, left = 60, right = 20, top = 16, bottom = 44;
  const cs = result.candidates;
  const xs = cs.map((c) => c.ref_logprob), ys = cs.map((c) => c.reward);
  const ms = cs.map((c) => (c.mean_similarity == null ? 0.5 : c.mean_similarity));
  const range = (v) => {
    let lo = Math.min(...v), hi = Math.max(...v);
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    const pad = (hi - lo) * 0.08;
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = range(xs), [y0, y1] = range(ys);
  const [m0, m1] = [Math.min(...ms), Math.max(...ms)];
  const sx = (x) => left + ((x - x0) / (x1 - x0)) * (W - left - right);
  const sy = (y) => H - bottom - ((y - y0) / (y1 - y0)) * (H - top - bottom);
  for (let i = 0; i <= 4; i++) {
    const gx = x0 + ((x1 - x0) * i) / 4, gy = y0 + ((y1 - y0) * i) / 4;
    el("line", { x1: sx(gx), x2: sx(gx), y1: top, y2: H - bottom, class: "grid" }, svg);
    el("line", { x1: left, x2: W - right, y1: sy(gy), y2: sy(gy), class: "grid" }, svg);
    el("text", { x: sx(gx), y: H - bottom + 16, "text-anchor": "middle" }, svg).textContent = gx.toFixed(2);
    el("text", { x: left - 6, y: sy(gy) + 4, "text-anchor": "end" }, svg).textContent = gy.toFixed(2);
  }
  el("line", { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: "axis" }, svg);
  el("line", { x1: left, x2: left, y1: top, y2: H - bottom, class: "axis" }, svg);
  el("text", { x: (left + W - right) / 2, y: H - 8, "text-anchor": "middle" }, svg).textContent = "log π_ref(y|x)";
  el("text", { x: 14, y: (top + H - bottom) / 2, transform: `rotate(-90 14 ${(top + H - bottom) / 2})`,
    "text-anchor": "middle" }, svg).textContent = "reward";
  const order = cs.map((_, i) => i).sort((a, b) => (a === result.chosen_index) - (b === result.chosen_index));
  for (const i of order) {
    const c = cs[i];
    const r = 4 + 10 * (m1 - m0 < 1e-9 ? 0.5 : (ms[i] - m0) / (m1 - m0));
    const chosen = i === result.chosen_index;
    if (chosen) el("circle", { cx: sx(xs[i]), cy: sy(ys[i]), r: r + 5, class: "ring" }, svg);
    const dot = el("circle", { cx: sx(xs[i]), cy: sy(ys[i]), r, class: "point" + (chosen ? " chosen" : ""),
      "data-index": i, "data-reward": c.reward, "data-ref-logprob": c.ref_logprob }, svg);
    const tip = `#${i}${chosen ? " (chosen)" : ""}: ${JSON.stringify(c.text)}\nreward ${c.reward.toFixed(3)}, `
        + `log π_ref ${c.ref_logprob.toFixed(3)}, mean similarity ${c.mean_similarity == null ? "–"
        : c.mean_similarity.toFixed(3)}, objective ${c.objective.toFixed(3)}`;
    el("title", {}, dot).textContent = tip;
    dot.addEventListener("mouseenter", () => showTip(tip, dot));
    dot.addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
  }
}

function showTip(text, dot) {
  const tip = $("tooltip");
  const box = dot.getBoundingClientRect(), wrap = $("plot-wrap").getBoundingClientRect();
  tip.textContent = text;
  tip.style.left = box.right - wrap.left + 8 + "px";
  tip.style.top = box.top - wrap.top + "px";
  tip.hidden = false;
}

document.querySelectorAll("input[name=mode]").forEach((radio) => radio.addEventListener("change", () => {
  const chat = document.querySelector("input[name=mode]:checked").value === "chat";
  $("prompt-input").hidden = chat;
  $("chat-input").hidden = !chat;
}));
$("request").addEventListener("submit", sample);
$("beta-slider").addEventListener("input", onSlide);
loadModel().catch(() => { $("model").textContent = "Models are still loading."; });
