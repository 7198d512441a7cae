// Passes (shown only when the API has Member.passes): a punch card's stamps drawn as a card,
// the visits left on a visit pack, the validity, a credit pass's balance.
import { h } from "../dom.js";
import { gql } from "../api.js";
import { date, language, money, number, t } from "../i18n.js";
import { page } from "./common.js";

const QUERY = `query($locale: String) { me { passes { id status visitsUsed visitsTotal validFrom validUntil
  creditBalance { formatted(locale: $locale) } product { name kind } } } }`;

function stamps(pass) {
  const total = pass.visitsTotal || 0;
  const label = t("passes.stamps", { used: number(pass.visitsUsed), total: number(total) });
  return h("div", { class: "stamps" },
    h("ol", { class: "stamp-card", "aria-label": label },
      Array.from({ length: total }, (_, i) => h("li", { class: i < pass.visitsUsed ? "stamp done" : "stamp", "aria-hidden": "true" }))),
    h("p", {}, label));
}

function pass(p) {
  const kind = p.product.kind;
  return h("li", { class: "reward pass" },
    h("h2", {}, p.product.name),
    h("p", { class: "state" }, t(`pstatus.${p.status}`)),
    kind === "PUNCH_CARD" ? stamps(p) : null,
    kind === "VISIT_PACK" && p.visitsTotal !== null
      ? h("p", {}, t("passes.visitsLeft", { count: number(Math.max(0, p.visitsTotal - p.visitsUsed)) })) : null,
    p.creditBalance ? h("p", {}, t("passes.credit", { amount: money(p.creditBalance) })) : null,
    p.validUntil ? h("p", { class: "small" }, t("passes.validUntil", { date: date(p.validUntil) })) : null);
}

export async function render() {
  const { me } = await gql(QUERY, { locale: language() });
  return page(t("passes.title"), me.passes.length ? h("ul", { class: "rewards" }, me.passes.map(pass)) : h("p", {}, t("passes.none")));
}
