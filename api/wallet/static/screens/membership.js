// The paid membership: the plans, subscribing, the membership's status, cancelling.
import { h, replace, newKey } from "../dom.js";
import { gql, mutate } from "../api.js";
import { date, language, money, number, t } from "../i18n.js";
import { ERRORS, errorBox, page, showError, busy } from "./common.js";

const QUERY = `query($locale: String) {
  program { plans { id name price { formatted(locale: $locale) } interval pointsMultiplier benefits } }
  me { membership { id status currentPeriodEnd cancelAtPeriodEnd plan { id name } } } }`;
const PAYLOAD = `membership { id status } ${ERRORS}`;

let root = null;

function act(label, work, box, primary = false) {
  const button = h("button", { type: "button", class: primary ? "primary" : null }, label);
  button.addEventListener("click", () => busy(button, async () => {
    try {
      await work();
      await redraw();
    } catch (error) {
      showError(box, error);
    }
  }));
  return button;
}

function status(m, box) {
  if (!m) return h("p", { id: "membership-status" }, t("membership.none"));
  const live = ["ACTIVE", "PAST_DUE", "PENDING_PAYMENT"].includes(m.status);
  return h("div", { class: "panel", id: "membership-status" },
    h("h2", {}, m.plan.name),
    h("p", {}, t("membership.status", { status: t(`mstatus.${m.status}`) })),
    m.status === "PENDING_PAYMENT" ? h("p", {}, t("membership.pay")) : null,
    m.currentPeriodEnd ? h("p", {}, (m.cancelAtPeriodEnd ? t("membership.endsAtEnd", { date: date(m.currentPeriodEnd) })
      : t("membership.periodEnd", { date: date(m.currentPeriodEnd) }))) : null,
    live ? h("div", { class: "actions" },
      m.cancelAtPeriodEnd || !m.currentPeriodEnd ? null : act(t("membership.cancelAtEnd"), () =>
        mutate(`mutation { cancelMembership(input: { atPeriodEnd: true }) { ${PAYLOAD} } }`), box),
      act(t("membership.cancelNow"), () => mutate(`mutation { cancelMembership(input: { atPeriodEnd: false }) { ${PAYLOAD} } }`), box))
      : null);
}

function draw(data) {
  const m = data.me.membership;
  const box = errorBox();
  const live = m && ["ACTIVE", "PAST_DUE", "PENDING_PAYMENT"].includes(m.status);
  return [status(m, box), box, h("h2", {}, t("membership.plans")),
    h("ul", { class: "rewards" }, data.program.plans.map((plan) => h("li", { class: "reward" },
      h("h3", {}, plan.name),
      h("p", { class: "cost" }, `${money(plan.price)} ${t(`interval.${plan.interval}`)}`),
      h("p", {}, t("membership.multiplier", { multiplier: number(plan.pointsMultiplier) })),
      plan.benefits.length ? h("ul", {}, plan.benefits.map((b) => h("li", {}, b))) : null,
      live ? null : act(t("membership.subscribe"), () => mutate(
        `mutation($input: SubscribeToPlanInput!) { subscribeToPlan(input: $input) { ${PAYLOAD} } }`,
        { input: { planId: plan.id, idempotencyKey: newKey() } }), box, true))))];
}

async function redraw() {
  if (root && root.isConnected) replace(root, draw(await gql(QUERY, { locale: language() })));
}

export async function render() {
  root = h("div", {}, draw(await gql(QUERY, { locale: language() })));
  return page(t("membership.title"), root);
}
