// The page of `regels serve`: edit a case, send it to the service, show the outcome,
// the explanation or the timeline, and each error at the line it concerns.
"use strict";

const NAAM = "casus.yaml";  // the name the service gives the case in its messages
const $ = (id) => document.getElementById(id);
const editor = $("casus");
const gutter = $("regelnummers");
let errorLines = new Set();

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

// --- the line numbers beside the text, errors marked ---------------------------------------

function drawGutter() {
  const count = editor.value.split("\n").length;
  gutter.replaceChildren();
  for (let line = 1; line <= count; line++) {
    const number = element("div", line);
    number.id = "regel-" + line;
    if (errorLines.has(line)) number.className = "fout";
    gutter.appendChild(number);
  }
  gutter.scrollTop = editor.scrollTop;
}

function jumpTo(line, column) {
  const lines = editor.value.split("\n");
  line = Math.max(1, Math.min(line, lines.length));
  let start = 0;
  for (let i = 0; i < line - 1; i++) start += lines[i].length + 1;
  const at = start + Math.max(0, Math.min((column || 1) - 1, lines[line - 1].length));
  editor.focus();
  editor.setSelectionRange(at, start + lines[line - 1].length);
  const height = parseFloat(getComputedStyle(editor).lineHeight) || 18;
  editor.scrollTop = Math.max(0, (line - 3) * height);
  gutter.scrollTop = editor.scrollTop;
}

editor.addEventListener("input", () => { errorLines = new Set(); drawGutter(); });
editor.addEventListener("scroll", () => { gutter.scrollTop = editor.scrollTop; });

// --- errors -----------------------------------------------------------------------------------

function showErrors(errors) {
  const list = $("foutenlijst");
  list.replaceChildren();
  errorLines = new Set();
  for (const e of errors) {
    const item = element("li");
    const place = e.regel ? `regel ${e.regel}, kolom ${e.kolom}` : (e.bestand || "de casus");
    item.appendChild(element("span", place, "plaats"));
    item.appendChild(document.createTextNode(": " + e.melding));
    if (e.hint) item.appendChild(element("span", "hint: " + e.hint, "hint"));
    if (e.regel && (!e.bestand || e.bestand === NAAM)) {
      errorLines.add(e.regel);
      item.dataset.regel = e.regel;
      item.title = "spring naar regel " + e.regel;
      item.addEventListener("click", () => jumpTo(e.regel, e.kolom));
    }
    list.appendChild(item);
  }
  $("fouten").hidden = errors.length === 0;
  drawGutter();
}

// --- talking to the service -------------------------------------------------------------------

async function send(path, params, render) {
  const buttons = document.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  $("status").textContent = "bezig…";
  try {
    const query = new URLSearchParams({ bestand: NAAM, ...params });
    const response = await fetch(`${path}?${query}`, {
      method: "POST", headers: { "Content-Type": "application/yaml" }, body: editor.value,
    });
    if (!response.ok) {
      let errors = [{ melding: `de dienst antwoordt ${response.status}` }];
      try { errors = (await response.json()).fouten || errors; } catch (_) { /* no JSON body */ }
      showErrors(errors);
      $("resultaat").replaceChildren();
      $("status").textContent = errors.length === 1 ? "De casus heeft een fout." :
        `De casus heeft ${errors.length} fouten.`;
      return;
    }
    showErrors([]);
    $("status").textContent = "";
    $("resultaat").replaceChildren(...(await render(response)));
  } catch (error) {
    $("status").textContent = "De dienst is niet bereikbaar: " + error;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

function table(headings, rows) {
  const node = element("table");
  const head = element("tr");
  headings.forEach((h) => head.appendChild(element("th", h)));
  node.appendChild(head);
  for (const row of rows) {
    const tr = element("tr");
    row.forEach((cell, i) => tr.appendChild(element("td", cell, i > 0 && /^-?[\d.]+$/.test(cell) ? "getal" : "")));
    node.appendChild(tr);
  }
  return node;
}

function shown(value) {
  if (value === true) return "ja";
  if (value === false) return "nee";
  if (value === null || value === undefined) return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

async function outcome(response) {
  const data = await response.json();
  const parts = [element("h2", `${data.casus.titel} — berekeningsjaar ${data.berekeningsjaar}`)];
  parts.push(element("p", `regelset ${data.regelset.naam} ${data.regelset.release}`, "klein"));
  const yearly = Object.entries(data.uitkomsten).map(([name, value]) => [name, shown(value)]);
  if (yearly.length) parts.push(table(["uitkomst", "waarde"], yearly));
  for (const [name, months] of Object.entries(data.per_maand)) {
    parts.push(element("h2", `${name} per maand`));
    parts.push(table(["maand", "waarde"], Object.entries(months).map(([m, value]) => [m, shown(value)])));
  }
  for (const [key, label] of [["onbevestigd", "rust op waarden die niet in een bron zijn nagegaan"],
                              ["doorgetrokken", "rust op een waarde uit een eerder jaar"],
                              ["standaardwaarden", "rust op een standaardwaarde uit de regelset"]]) {
    if (data[key]) parts.push(element("p", "Let op: " + Object.keys(data[key]).join(", ") + " " + label + ".", "klein"));
  }
  return parts;
}

async function explanation(response) {
  const frame = element("iframe");
  frame.setAttribute("sandbox", "");  // the explanation is shown, never run
  frame.title = "uitleg";
  frame.srcdoc = await response.text();
  return [frame];
}

async function timeline(response) {
  const data = await response.json();
  const parts = [element("h2", `${data.casus} — berekeningsjaar ${data.berekeningsjaar}`)];
  parts.push(table(["datum", "stap", "waarde", "bron"],
    data.tijdlijn.map((m) => [m.datum, m.wat, shown(m.waarde), m.bron || ""])));
  const law = Object.entries(data.volgens_de_wet).map(([name, value]) => [name, shown(value)]);
  if (law.length) {
    parts.push(element("h2", "Volgens de wet verschuldigd (de werkelijke feiten)"));
    parts.push(table(["uitkomst", "waarde"], law));
  }
  if (data.niet_op_de_tijdlijn.length) {
    parts.push(element("p", "Stappen die in deze casus niet voorkomen (de casus geeft er geen datum voor): " +
      data.niet_op_de_tijdlijn.map((s) => `${s.regel} (${s.ontbreekt})`).join("; "), "klein"));
  }
  return parts;
}

$("bereken").addEventListener("click", () => send("/bereken", { zonder_trace: "true" }, outcome));
$("uitleg-nl").addEventListener("click", () => send("/uitleg", { taal: "nl", formaat: "html" }, explanation));
$("uitleg-en").addEventListener("click", () => send("/uitleg", { taal: "en", formaat: "html" }, explanation));
$("tijdlijn").addEventListener("click", () => send("/tijdlijn", { taal: "nl" }, timeline));

// --- the examples and the rule set ------------------------------------------------------------

$("voorbeeld").addEventListener("change", async (event) => {
  const name = event.target.value;
  if (!name) return;
  const response = await fetch(`/voorbeelden/${encodeURIComponent(name)}`);
  editor.value = await response.text();
  showErrors([]);
  $("resultaat").replaceChildren();
  $("status").textContent = "Voorbeeld geladen; klik op Bereken.";
});

async function start() {
  const examples = await (await fetch("/voorbeelden")).json();
  for (const example of examples) {
    const option = element("option", example.titel);
    option.value = example.naam;
    $("voorbeeld").appendChild(option);
  }
  const version = await (await fetch("/versie")).json();
  $("regelset").textContent = `regels ${version.regels} · regelset ${version.regelset.naam} ` +
    `${version.regelset.release}`;
  drawGutter();
}

start();
