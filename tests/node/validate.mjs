// Parses expanded Adaptive Cards with the official parser (adaptivecards 3.x) under
// jsdom and reports what it complained about. The parser is lenient -- it coerces or
// drops bad values and only logs an event -- so every logged event counts.
//
// Input on stdin: JSON lines (or one JSON array), each {"card": {...}} optionally with
// "render": true to also render the card (markdown through markdown-it, as the
// Adaptive Cards designer does) and return the text and tags of each TextBlock.
// Output: one JSON line per card:
//   {"events": [{"phase", "event", "message", "source"}], "textBlocks": [{"text", "html", "tags"}]}
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const require = createRequire(import.meta.url);
const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>", { pretendToBeVisual: true });
// The renderer reads browser globals (document, HTMLInputElement, ...) directly.
globalThis.window = dom.window;
for (const name of Object.getOwnPropertyNames(dom.window)) {
  if (name in globalThis || name === "localStorage" || name === "sessionStorage") continue;
  globalThis[name] = dom.window[name];
}
dom.window.markdownit = require("markdown-it");
const AC = require("adaptivecards/dist/adaptivecards.js");

const PHASES = ["Parse", "ToJSON", "Validation"];
const EVENTS = Object.keys(AC.ValidationEvent).filter((k) => Number.isNaN(Number(k)));

function describe(source) {
  if (!source) return undefined;
  const type = typeof source.getJsonTypeName === "function" ? source.getJsonTypeName() : undefined;
  return source.id ? `${type} id=${source.id}` : type;
}

function eventToJson(e) {
  return { phase: PHASES[e.phase] ?? String(e.phase), event: EVENTS[e.event] ?? String(e.event), message: e.message, source: describe(e.source) };
}

function checkCard(entry) {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(entry.card, context);
  const events = [];
  for (let i = 0; i < context.eventCount; i++) events.push(eventToJson(context.getEventAt(i)));
  for (const e of card.validateProperties().validationEvents) events.push(eventToJson(e));
  const result = { events };
  if (entry.render) {
    const element = card.render();
    result.textBlocks = [...element.querySelectorAll(".ac-textBlock")].map((tb) => ({
      text: tb.textContent,
      html: tb.innerHTML,
      tags: [...tb.querySelectorAll("*")].map((n) => n.tagName.toLowerCase()),
    }));
  }
  return result;
}

function readEntries(text) {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  try {
    const whole = JSON.parse(trimmed);
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    return trimmed.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  }
}

// The renderer warns on the console about optional features; keep stdout for results.
console.warn = () => {};
const lines = readEntries(readFileSync(0, "utf8")).map((entry) => {
  try {
    return JSON.stringify(checkCard(entry));
  } catch (e) {
    return JSON.stringify({ events: [{ phase: "Crash", event: "Exception", message: String(e && e.stack ? e.stack : e) }] });
  }
});
process.stdout.write(lines.join("\n") + (lines.length ? "\n" : ""));
