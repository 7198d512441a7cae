// The member card: the member number as a QR code and a Code 128 barcode for the till.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { codeImage, page } from "./common.js";

export async function render(ctx) {
  const number = ctx.state.me.memberNumber;
  return page(t("card.title"),
    h("div", { class: "card" },
      h("p", { class: "card-name" }, ctx.state.me.displayName),
      codeImage("qr", number, t("card.qr")),
      codeImage("barcode", number, t("card.barcode")),
      h("p", { class: "label" }, t("card.number")),
      h("p", { class: "number", id: "member-number" }, number)),
    h("p", {}, t("card.show")));
}
