// The page's own words in every language of the notifications (en, nl, de, ro). The language is
// the member's locale, else the browser's, else the program's default; the switcher changes it.
import { TEXTS } from "./texts.js";
import * as format from "./format.js";

export const LANGUAGES = ["en", "nl", "de", "ro"];
let current = "en";

export function pick(...tags) {
  for (const t of tags.flat()) {
    const primary = String(t || "").replace("_", "-").split("-")[0].toLowerCase();
    if (LANGUAGES.includes(primary)) return primary;
  }
  return "en";
}

export function setLanguage(language) {
  current = pick(language);
  document.documentElement.lang = current;
}

export function language() {
  return current;
}

export function t(key, values = {}) {
  const text = (TEXTS[current] && TEXTS[current][key]) || TEXTS.en[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

export const points = (n) => format.number(n, current);
export const number = (n) => format.number(n, current);
export const date = (iso) => format.date(iso, current);
export const money = (m) => format.money(m, current);
export const amount = (decimal, currency) => format.amount(decimal, currency, current);
