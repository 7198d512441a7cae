// Pieces several screens share.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { codeSvg } from "../api.js";

export const ERRORS = "errors { code field message }";

export function errorBox() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

export function showError(box, error) {
  box.hidden = false;
  box.textContent = (error && error.userErrors && error.userErrors[0].message) || (error && error.message) || t("error");
}

export function page(title, ...children) {
  return h("section", { class: "screen" }, h("h1", {}, title), ...children);
}

// The image is drawn once the API answers; its address never carries the text.
export function codeImage(kind, text, label) {
  const img = h("img", { class: `code ${kind}`, alt: label });
  codeSvg(kind, text).then((src) => { img.src = src; }, () => { img.alt = `${label}: ${text}`; });
  return img;
}

export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}
