// The catalog (what each reward costs, and why one is not available now), redeeming with a
// confirmation, and the member's coupons: active ones with their code as text and QR code,
// then the used, expired and canceled ones.
import { h, replace, announce, newKey } from "../dom.js";
import { gql, mutate } from "../api.js";
import { date, language, points, t } from "../i18n.js";
import { ERRORS, codeImage, errorBox, page, showError, busy } from "./common.js";

const QUERY = `query($locale: String) {
  rewards(first: 100) { edges { node { id name description kind costPoints percentOff
    value { formatted(locale: $locale) } minimumTier { name rank } limit validDays remainingStock available unavailableReason } } }
  me { wallet { points }
    issuedRewards(first: 100) { edges { node { id code status issuedAt expiresAt usedAt reward { name } } } } } }`;
const REDEEM = `mutation($input: RedeemRewardInput!) { redeemReward(input: $input) {
  issuedReward { id code } wallet { points } ${ERRORS} } }`;

let root = null;

// The reason is the API's (the catalog's rule); the page only words it.
function reason(reward, me) {
  switch (reward.unavailableReason) {
    case null: case undefined: return null;
    case "MEMBER_BLOCKED": return t("rewards.blocked");
    case "TIER_REQUIRED": return t("rewards.needTier", { tier: reward.minimumTier ? reward.minimumTier.name : "" });
    case "OUT_OF_STOCK": return t("rewards.outOfStock");
    case "INSUFFICIENT_POINTS": return t("rewards.needPoints", { points: points(Math.max(0, reward.costPoints - me.wallet.points)) });
    case "LIMIT_REACHED": return t("rewards.limit", { limit: reward.limit || "" });
    default: return t("rewards.unavailable");
  }
}

function confirmDialog(reward, onYes) {
  const box = errorBox();
  const yes = h("button", { type: "button", class: "primary" }, t("rewards.yes"));
  const no = h("button", { type: "button" }, t("cancel"));
  const title = h("h2", { id: "confirm-title" }, t("rewards.confirm", { name: reward.name, points: points(reward.costPoints) }));
  const dialog = h("dialog", { "aria-labelledby": "confirm-title" }, title, box, h("div", { class: "actions" }, yes, no));
  no.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  yes.addEventListener("click", () => busy(yes, async () => {
    try {
      await onYes();
      dialog.close();
    } catch (error) {
      showError(box, error);
    }
  }));
  document.body.append(dialog);
  dialog.showModal();
}

function card(reward, me) {
  const why = reason(reward, me);
  const button = h("button", { type: "button", class: "primary", disabled: !reward.available, "aria-describedby": why ? `why-${reward.id}` : null },
    t("rewards.redeem"));
  button.addEventListener("click", () => confirmDialog(reward, async () => {
    await mutate(REDEEM, { input: { rewardId: reward.id, idempotencyKey: newKey() } });
    announce(t("rewards.redeemed", { name: reward.name }));
    await redraw();
  }));
  return h("li", { class: "reward" },
    h("h3", {}, reward.name),
    h("p", {}, reward.description),
    h("p", { class: "cost" }, t("rewards.cost", { points: points(reward.costPoints) }),
      reward.remainingStock ? ` · ${t("rewards.stock", { count: points(reward.remainingStock) })}` : ""),
    why ? h("p", { class: "why", id: `why-${reward.id}` }, why) : null,
    button);
}

function coupon(node) {
  const active = node.status === "ACTIVE";
  return h("li", { class: `coupon ${node.status.toLowerCase()}`, "data-code": node.code },
    h("h3", {}, node.reward.name),
    h("p", { class: "state" }, t(`status.${node.status}`)),
    active ? codeImage("qr", node.code, t("rewards.qr", { code: node.code })) : null,
    h("p", {}, t("rewards.code"), ": ", h("code", { class: "coupon-code" }, node.code)),
    node.usedAt ? h("p", { class: "small" }, t("rewards.usedOn", { date: date(node.usedAt) })) : null,
    active && node.expiresAt ? h("p", { class: "small" }, t("rewards.expires", { date: date(node.expiresAt) })) : null);
}

function draw(data) {
  const me = data.me;
  const coupons = me.issuedRewards.edges.map((e) => e.node);
  const active = coupons.filter((c) => c.status === "ACTIVE");
  const done = coupons.filter((c) => c.status !== "ACTIVE");
  return [
    h("p", { class: "small" }, `${t("wallet.points")}: `, h("strong", { id: "points" }, points(me.wallet.points))),
    h("h2", {}, t("rewards.coupons")),
    coupons.length ? h("ul", { class: "coupons", id: "coupons" }, active.map(coupon), done.map(coupon)) : h("p", {}, t("rewards.noCoupons")),
    h("h2", {}, t("rewards.catalog")),
    h("ul", { class: "rewards" }, data.rewards.edges.map((e) => card(e.node, me))),
  ];
}

async function redraw() {
  if (root && root.isConnected) replace(root, draw(await gql(QUERY, { locale: language() })));
}

export async function render() {
  root = h("div", {}, draw(await gql(QUERY, { locale: language() })));
  return page(t("rewards.title"), root);
}

export const onWalletUpdated = redraw;
