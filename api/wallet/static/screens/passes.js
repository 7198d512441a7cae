// Passes (shown only when the API has Member.passes): a punch card's stamps drawn as a card,
// the visits left on a visit pack, the validity, a credit pass's balance; and the program's
// passes to buy (buyPass). A paid pass waits for its payment, which the shop's payment system
// records; the screen shows it active as soon as it is (walletUpdated).
import { h, replace, announce, newKey } from "../dom.js";
import { gql, mutate } from "../api.js";
import { date, language, money, number, t } from "../i18n.js";
import { ERRORS, busy, errorBox, page, showError } from "./common.js";

const QUERY = `query($locale: String) {
  me { passes { id status visitsUsed visitsTotal validFrom validUntil
    creditBalance { formatted(locale: $locale) } product { name kind } } }
  program { passProducts { id name kind description price { formatted(locale: $locale) } } } }`;
const BUY = `mutation($input: BuyPassInput!) { buyPass(input: $input) { pass { id status } ${ERRORS} } }`;

let root = null;

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
  return h("li", { class: `reward pass ${p.status.toLowerCase()}`, "data-id": p.id },
    h("h2", {}, p.product.name),
    h("p", { class: "state" }, t(`pstatus.${p.status}`)),
    p.status === "PENDING_PAYMENT" ? h("p", {}, t("passes.pay")) : null,
    kind === "PUNCH_CARD" ? stamps(p) : null,
    kind === "VISIT_PACK" && p.visitsTotal !== null
      ? h("p", { class: "visits" }, t("passes.visitsLeft", { count: number(Math.max(0, p.visitsTotal - p.visitsUsed)) })) : null,
    p.creditBalance ? h("p", {}, t("passes.credit", { amount: money(p.creditBalance) })) : null,
    p.validUntil ? h("p", { class: "small" }, t("passes.validUntil", { date: date(p.validUntil) })) : null);
}

function product(item, box) {
  const button = h("button", { type: "button", class: "primary" },
    item.price ? t("passes.buy", { price: money(item.price) }) : t("passes.free"));
  button.addEventListener("click", () => busy(button, async () => {
    try {
      await mutate(BUY, { input: { passProductId: item.id, idempotencyKey: newKey() } });
      announce(t("passes.bought", { name: item.name }));
      await redraw();
    } catch (error) {
      showError(box, error);
    }
  }));
  return h("li", { class: "reward product" }, h("h3", {}, item.name), h("p", {}, item.description), button);
}

function draw(data) {
  const box = errorBox();
  const held = data.me.passes;
  const products = (data.program && data.program.passProducts) || [];
  return [
    held.length ? h("ul", { class: "rewards", id: "passes" }, held.map(pass)) : h("p", {}, t("passes.none")),
    products.length ? h("h2", {}, t("passes.shop")) : null,
    box,
    products.length ? h("ul", { class: "rewards", id: "pass-products" }, products.map((item) => product(item, box))) : null,
  ];
}

async function redraw() {
  if (root && root.isConnected) replace(root, draw(await gql(QUERY, { locale: language() })));
}

export async function render() {
  root = h("div", {}, draw(await gql(QUERY, { locale: language() })));
  return page(t("passes.title"), root);
}

export const onWalletUpdated = redraw;
