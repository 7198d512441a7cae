// One history entry, as the wallet and the history screens show it.
import { h } from "../dom.js";
import { date, money, points, t } from "../i18n.js";

export const ENTRY = "id occurredAt kind status points availableAt description credit { amount currencyCode formatted(locale: $locale) }";

export function entry(node) {
  const sign = node.points > 0 ? "+" : "";
  const notes = [];
  if (node.status === "PENDING" && node.availableAt) notes.push(t("history.pending", { date: date(node.availableAt) }));
  if (node.status === "VOIDED") notes.push(t("history.voided"));
  return h("li", { class: `entry ${node.status.toLowerCase()}`, "data-id": node.id },
    h("div", { class: "what" },
      h("p", { class: "description" }, node.description),
      h("p", { class: "when" }, date(node.occurredAt), notes.length ? ` · ${notes.join(" · ")}` : "")),
    h("p", { class: "amount" },
      node.points ? h("span", { class: node.points < 0 ? "minus" : "plus" }, `${sign}${points(node.points)}`) : null,
      node.credit ? h("span", { class: "credit" }, money(node.credit)) : null));
}
