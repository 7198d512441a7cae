// The referral link: copy it, share it through the browser's share sheet, or show it as a QR code.
import { h } from "../dom.js";
import { gql } from "../api.js";
import { getConfig } from "../api.js";
import { points, t } from "../i18n.js";
import { codeImage, page } from "./common.js";

export async function render() {
  const { me } = await gql("{ me { referral { code link invited completed pointsEarned } } }");
  const r = me.referral;
  const status = h("p", { role: "status", class: "small" });
  const copy = h("button", { type: "button", class: "primary", id: "copy-link" }, t("referrals.copy"));
  copy.addEventListener("click", async () => {
    await navigator.clipboard.writeText(r.link);
    status.textContent = t("referrals.copied");
  });
  const share = navigator.share
    ? h("button", { type: "button", id: "share-link", onclick: () => navigator.share({
      title: getConfig().name, text: t("referrals.shareText", { program: getConfig().name }), url: r.link,
    }).catch(() => {}) }, t("referrals.share"))
    : null;
  return page(t("referrals.title"),
    h("p", {}, t("referrals.intro")),
    h("div", { class: "panel" },
      h("p", { class: "label" }, t("referrals.code")), h("p", { class: "number" }, r.code),
      h("label", { for: "referral-link", class: "label" }, t("referrals.link")),
      h("input", { id: "referral-link", readonly: true, value: r.link }),
      h("div", { class: "actions" }, copy, share), status,
      codeImage("qr", r.link, t("referrals.qr"))),
    h("p", {}, t("referrals.stats", { invited: points(r.invited), completed: points(r.completed), points: points(r.pointsEarned) })));
}
