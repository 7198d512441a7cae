// Tier progress: the current tier, the bar to the next, what is left to keep it and until when.
import { h } from "../dom.js";
import { gql } from "../api.js";
import { amount, date, number, t } from "../i18n.js";
import { page } from "./common.js";

const QUERY = `{ program { currencyCode } me { tier {
  current { name rank metric threshold benefits } next { name threshold }
  qualifyingAmount remainingToNext remainingToKeep validUntil qualificationPeriodEnd } } }`;

export async function render() {
  const data = await gql(QUERY);
  const tier = data.me.tier;
  const value = (decimal) => (tier.current.metric === "SPEND" ? amount(decimal, data.program.currencyCode) : number(decimal));
  const parts = [h("p", { class: "big", id: "tier-name" }, tier.current.name),
    h("p", {}, t("tier.qualifying", { amount: value(tier.qualifyingAmount) }))];
  if (tier.next) {
    const max = Number(tier.next.threshold);
    parts.push(h("label", { for: "tier-bar", class: "label" }, t("tier.progress", { tier: tier.next.name })),
      h("progress", { id: "tier-bar", max, value: Math.min(max, Number(tier.qualifyingAmount)) }),
      h("p", {}, t("tier.toNext", { amount: value(tier.remainingToNext), tier: tier.next.name })));
  } else {
    parts.push(h("p", {}, t("tier.top")));
  }
  if (tier.current.rank > 0 && tier.validUntil) {
    parts.push(h("p", {}, Number(tier.remainingToKeep) > 0
      ? t("tier.keep", { amount: value(tier.remainingToKeep), date: date(tier.qualificationPeriodEnd), tier: tier.current.name })
      : t("tier.kept", { tier: tier.current.name, date: date(tier.validUntil) })));
  }
  if (tier.current.benefits.length) {
    parts.push(h("h2", {}, t("tier.benefits")), h("ul", {}, tier.current.benefits.map((b) => h("li", {}, b))));
  }
  return page(t("tier.title"), h("div", { class: "panel" }, parts));
}
