// The profile, the notification settings and this browser's Web Push opt-in.
import { h, formValues } from "../dom.js";
import { gql, mutate } from "../api.js";
import { LANGUAGES, pick, setLanguage, t } from "../i18n.js";
import { ERRORS, errorBox, page, showError, busy } from "./common.js";
import { pushState, enablePush } from "../push.js";

const QUERY = `{ me { email memberNumber displayName birthday locale marketingConsent
  notificationSettings { email push marketing } } }`;
const NAMES = { en: "English", nl: "Nederlands", de: "Deutsch", ro: "Română" };

function saving(form, button, box, done, work) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.hidden = true;
    done.textContent = "";
    busy(button, async () => {
      try {
        await work(formValues(form));
        done.textContent = t("saved");
      } catch (error) {
        showError(box, error);
      }
    });
  });
}

function checkbox(name, label, checked) {
  return h("div", { class: "choice" }, h("input", { type: "checkbox", id: `cb-${name}`, name, checked }),
    h("label", { for: `cb-${name}` }, label));
}

function profileForm(me, ctx) {
  const box = errorBox();
  const done = h("p", { role: "status", class: "small" });
  const button = h("button", { type: "submit", class: "primary" }, t("save"));
  const form = h("form", { id: "profile" },
    h("div", { class: "field" }, h("label", { for: "display-name" }, t("auth.displayName")),
      h("input", { id: "display-name", name: "displayName", value: me.displayName, required: true, maxlength: 100, autocomplete: "name" })),
    h("div", { class: "field" }, h("label", { for: "birthday" }, t("profile.birthday")),
      h("input", { id: "birthday", name: "birthday", type: "date", value: me.birthday || "" })),
    h("div", { class: "field" }, h("label", { for: "locale" }, t("language")),
      h("select", { id: "locale", name: "locale" }, LANGUAGES.map((code) =>
        h("option", { value: code, selected: code === pick(me.locale) }, NAMES[code])))),
    checkbox("marketingConsent", t("profile.marketing"), me.marketingConsent),
    box, button, done);
  saving(form, button, box, done, async (values) => {
    const input = { displayName: values.displayName, locale: values.locale, marketingConsent: values.marketingConsent === "on" };
    if (values.birthday) input.birthday = values.birthday;
    const payload = await mutate(`mutation($input: UpdateProfileInput!) { updateProfile(input: $input) {
      member { displayName locale } ${ERRORS} } }`, { input });
    Object.assign(ctx.state.me, payload.member);
    if (pick(payload.member.locale) !== document.documentElement.lang) {
      setLanguage(payload.member.locale);
      ctx.navigate(location.pathname, { replace: true });
    }
  });
  return form;
}

function settingsForm(me) {
  const s = me.notificationSettings;
  const box = errorBox();
  const done = h("p", { role: "status", class: "small" });
  const button = h("button", { type: "submit", class: "primary" }, t("save"));
  const form = h("form", { id: "notifications" },
    h("fieldset", {}, h("legend", {}, t("notify.title")),
      checkbox("email", t("notify.email"), s.email), checkbox("push", t("notify.push"), s.push),
      checkbox("marketing", t("notify.marketing"), s.marketing)),
    box, button, done);
  saving(form, button, box, done, (values) => mutate(
    `mutation($input: UpdateNotificationSettingsInput!) { updateNotificationSettings(input: $input) { member { id } ${ERRORS} } }`,
    { input: { email: values.email === "on", push: values.push === "on", marketing: values.marketing === "on" } }));
  return form;
}

function pushPanel() {
  const text = h("p", { role: "status" });
  const box = errorBox();
  const button = h("button", { type: "button", class: "primary", hidden: true }, t("push.enable"));
  const show = (state) => {
    text.textContent = t(`push.${state}`);
    button.hidden = state !== "off";
    text.hidden = state === "off";
  };
  button.addEventListener("click", () => busy(button, () => enablePush().then(show, (error) => showError(box, error))));
  pushState().then(show);
  return h("section", { id: "push", "aria-labelledby": "push-title" }, h("h2", { id: "push-title" }, t("push.title")), text, box, button);
}

export async function render(ctx) {
  const { me } = await gql(QUERY);
  return page(t("profile.title"),
    h("p", { class: "small" }, t("profile.email", { email: me.email })),
    h("p", { class: "small" }, t("profile.number", { number: me.memberNumber })),
    profileForm(me, ctx), settingsForm(me), pushPanel());
}
