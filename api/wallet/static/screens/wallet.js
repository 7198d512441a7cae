// The wallet: points, pending points and when they become spendable, points about to expire,
// store credit, anything owed, and the latest activity; updated live.
import { h, replace, announce } from "../dom.js";
import { gql, mutate } from "../api.js";
import { date, language, money, points, t } from "../i18n.js";
import { ENTRY, entry } from "./entries.js";
import { ERRORS, page } from "./common.js";

const M = "amount currencyCode formatted(locale: $locale)";
const QUERY = `query($locale: String) { me { displayName emailVerified wallet {
  points pendingPoints lifetimePointsTotal pointsOwed expiringPoints { points expiresAt }
  credit { ${M} } pendingCredit { ${M} } creditOwed { ${M} } }
  activity(first: 5) { edges { node { ${ENTRY} } } } } }`;

let root = null;

function nonzero(m) {
  return m && Number(m.amount) !== 0;
}

function draw(me) {
  const w = me.wallet;
  const pending = me.activity.edges.map((e) => e.node).filter((n) => n.status === "PENDING" && n.availableAt);
  const next = pending.length ? pending.reduce((a, b) => (a.availableAt < b.availableAt ? a : b)) : null;
  const lines = [];
  if (w.pendingPoints) {
    lines.push(next ? t("wallet.pendingUntil", { points: points(w.pendingPoints), date: date(next.availableAt) })
      : t("wallet.pending", { points: points(w.pendingPoints) }));
  }
  for (const e of w.expiringPoints.slice(0, 2)) lines.push(t("wallet.expiring", { points: points(e.points), date: date(e.expiresAt) }));
  if (nonzero(w.pendingCredit)) lines.push(t("wallet.pendingCredit", { amount: money(w.pendingCredit) }));
  if (w.pointsOwed) lines.push(t("wallet.owed", { points: points(w.pointsOwed) }));
  if (nonzero(w.creditOwed)) lines.push(t("wallet.creditOwed", { amount: money(w.creditOwed) }));
  return [
    h("p", { class: "hello" }, t("wallet.hello", { name: me.displayName })),
    h("div", { class: "balances" },
      h("div", { class: "balance" }, h("p", { class: "label" }, t("wallet.points")),
        h("p", { class: "big", id: "points", "aria-live": "polite" }, points(w.points))),
      h("div", { class: "balance" }, h("p", { class: "label" }, t("wallet.credit")),
        h("p", { class: "big", id: "credit" }, money(w.credit)))),
    lines.length ? h("ul", { class: "notes" }, lines.map((line) => h("li", {}, line))) : null,
    h("p", { class: "small" }, t("wallet.lifetime", { points: points(w.lifetimePointsTotal) })),
    h("h2", {}, t("wallet.latest")),
    me.activity.edges.length
      ? h("ul", { class: "entries", id: "latest" }, me.activity.edges.map((e) => entry(e.node)))
      : h("p", {}, t("history.empty")),
    h("p", {}, h("a", { href: "/wallet/history", "data-link": "" }, t("wallet.allHistory"))),
  ];
}

function verifyBanner(me) {
  if (me.emailVerified) return null;
  const button = h("button", { type: "button", class: "link" }, t("auth.resend"));
  const banner = h("div", { class: "banner", role: "note" }, h("p", {}, t("auth.unverified")), button);
  button.addEventListener("click", async () => {
    await mutate(`mutation { resendVerificationEmail { ok ${ERRORS} } }`).catch(() => {});
    replace(banner, h("p", { role: "status" }, t("auth.resent")));
  });
  return banner;
}

async function load() {
  return (await gql(QUERY, { locale: language() })).me;
}

export async function render() {
  const me = await load();
  root = h("div", { id: "wallet" }, draw(me));
  return page(t("wallet.title"), verifyBanner(me), root);
}

export async function onWalletUpdated() {
  if (!root || !root.isConnected) return;
  const me = await load();
  replace(root, draw(me));
  announce(`${t("wallet.points")}: ${points(me.wallet.points)}`);
}
