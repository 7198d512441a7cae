// Charity: choose one and the share of every award given automatically, donate points, and
// the totals (all members' per charity, the member's own donations).
import { h, replace, newKey, formValues } from "../dom.js";
import { gql, mutate } from "../api.js";
import { date, language, money, points, t } from "../i18n.js";
import { ERRORS, errorBox, page, showError, busy } from "./common.js";

const QUERY = `query($locale: String) { charities { id name description totalDonated { formatted(locale: $locale) } }
  me { charity { id } autoDonatePercent wallet { points }
    donations(first: 20) { edges { node { id points value { formatted(locale: $locale) } donatedAt charity { name } } } } } }`;

let root = null;

function chooser(data) {
  const chosen = data.me.charity ? data.me.charity.id : "";
  const box = errorBox();
  const done = h("p", { role: "status", class: "small" });
  const options = [{ id: "", name: t("charity.none"), description: "" }, ...data.charities].map((c) =>
    h("div", { class: "choice" },
      h("input", { type: "radio", name: "charityId", id: `charity-${c.id || "none"}`, value: c.id, checked: c.id === chosen }),
      h("label", { for: `charity-${c.id || "none"}` }, h("strong", {}, c.name),
        c.description ? h("span", { class: "small block" }, c.description) : null,
        c.totalDonated ? h("span", { class: "small block" }, t("charity.total", { amount: money(c.totalDonated) })) : null)));
  const button = h("button", { type: "submit", class: "primary" }, t("save"));
  const form = h("form", { id: "choose-charity" },
    h("fieldset", {}, h("legend", {}, t("charity.choose")), options),
    h("div", { class: "field" }, h("label", { for: "auto-percent" }, t("charity.auto")),
      h("input", { id: "auto-percent", name: "autoDonatePercent", type: "number", min: 0, max: 100, step: 1, value: data.me.autoDonatePercent })),
    box, button, done);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.hidden = true;
    const values = formValues(form);
    busy(button, async () => {
      try {
        await mutate(`mutation($input: ChooseCharityInput!) { chooseCharity(input: $input) { member { id } ${ERRORS} } }`,
          { input: { charityId: values.charityId || null, autoDonatePercent: Number(values.autoDonatePercent || 0) } });
        done.textContent = t("saved");
      } catch (error) {
        showError(box, error);
      }
    });
  });
  return form;
}

function donor(data) {
  const box = errorBox();
  const done = h("p", { role: "status", class: "small" });
  const button = h("button", { type: "submit", class: "primary" }, t("charity.give"));
  const form = h("form", { id: "donate" }, h("h2", {}, t("charity.donate")),
    h("p", { class: "small" }, `${t("wallet.points")}: `, h("strong", { id: "points" }, points(data.me.wallet.points))),
    h("div", { class: "field" }, h("label", { for: "donate-points" }, t("charity.points")),
      h("input", { id: "donate-points", name: "points", type: "number", min: 1, step: 1, required: true })),
    box, button, done);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.hidden = true;
    const amount = Number(formValues(form).points);
    busy(button, async () => {
      try {
        await mutate(`mutation($input: DonatePointsInput!) { donatePoints(input: $input) { donation { id } ${ERRORS} } }`,
          { input: { points: amount, idempotencyKey: newKey() } });
        await redraw();
        root.querySelector("#donate p[role=status]").textContent = t("charity.donated", { points: points(amount) });
      } catch (error) {
        showError(box, error);
      }
    });
  });
  return form;
}

function draw(data) {
  const donations = data.me.donations.edges.map((e) => e.node);
  return [chooser(data), donor(data), h("h2", {}, t("charity.yours")),
    donations.length
      ? h("ul", { class: "entries", id: "donations" }, donations.map((d) => h("li", { class: "entry" },
        h("div", { class: "what" }, h("p", {}, d.charity.name), h("p", { class: "when" }, date(d.donatedAt))),
        h("p", { class: "amount" }, `${points(d.points)} · ${money(d.value)}`))))
      : h("p", {}, t("charity.noDonations"))];
}

async function redraw() {
  if (root && root.isConnected) replace(root, draw(await gql(QUERY, { locale: language() })));
}

export async function render() {
  root = h("div", {}, draw(await gql(QUERY, { locale: language() })));
  return page(t("charity.title"), root);
}
