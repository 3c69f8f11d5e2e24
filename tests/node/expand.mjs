// Expands Adaptive Card templates with the official engine (adaptivecards-templating),
// so the Python expander can be compared against it. One process handles many cases
// because starting node and loading adaptive-expressions dominates the run time.
//
// Input on stdin: JSON lines, each {"template": ..., "data": ..., "host": ...}
// (or one JSON document holding a single case or an array of cases).
// Output: one JSON line per case, {"ok": true, "result": ...} or {"ok": false, "error": "..."}.
// An expansion that yields undefined is reported as {"ok": true, "undefined": true}.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const ACData = require("adaptivecards-templating");

function expandOne(c) {
  try {
    const template = new ACData.Template(c.template);
    const context = { $root: c.data };
    if (c.host !== undefined && c.host !== null) context.$host = c.host;
    const result = template.expand(context);
    if (result === undefined) return { ok: true, undefined: true };
    return { ok: true, result };
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e) };
  }
}

function readCases(text) {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  try {
    const whole = JSON.parse(trimmed);
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    return trimmed.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  }
}

const cases = readCases(readFileSync(0, "utf8"));
const out = cases.map((c) => JSON.stringify(expandOne(c))).join("\n");
process.stdout.write(out + (out ? "\n" : ""));
