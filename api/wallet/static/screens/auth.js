// Joining, signing in, confirming the email address, and the forgotten password.
import { h, field, formValues } from "../dom.js";
import { mutate, startSession, signedIn } from "../api.js";
import { language, t } from "../i18n.js";
import { ERRORS, errorBox, page, showError, busy } from "./common.js";

const SESSION = `accessToken accessTokenExpiresAt refreshToken ${ERRORS}`;

function form(fields, submitLabel, onSubmit) {
  const box = errorBox();
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  const el = h("form", { novalidate: true }, ...fields, box, button);
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    box.hidden = true;
    busy(button, () => onSubmit(formValues(el)).catch((error) => showError(box, error)));
  });
  return el;
}

function signUp(ctx) {
  const referral = ctx.params.get("ref") || ctx.params.get("referral");
  return page(t("auth.signUp"),
    form([
      field(t("auth.displayName"), { name: "displayName", autocomplete: "name", required: true, maxlength: 100 }),
      field(t("auth.email"), { name: "email", type: "email", autocomplete: "email", required: true }),
      field(t("auth.password"), { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 8 }),
    ], t("auth.signUp"), async (values) => {
      const input = { ...values, locale: language(), idempotencyKey: crypto.randomUUID() };
      if (referral) input.referralCode = referral;
      const payload = await mutate(`mutation($input: SignUpInput!) { signUp(input: $input) { ${SESSION} } }`, { input });
      await startSession(payload);
      await ctx.signedInNow("/wallet");
    }),
    h("p", {}, h("a", { href: "/wallet/sign-in", "data-link": "" }, t("auth.haveAccount"))));
}

function signIn(ctx) {
  return page(t("auth.signIn"),
    form([
      field(t("auth.email"), { name: "email", type: "email", autocomplete: "username", required: true }),
      field(t("auth.password"), { name: "password", type: "password", autocomplete: "current-password", required: true }),
    ], t("auth.signIn"), async (values) => {
      const payload = await mutate(`mutation($input: LogInInput!) { logIn(input: $input) { ${SESSION} } }`, { input: values });
      await startSession(payload);
      const next = ctx.params.get("next");
      await ctx.signedInNow(next && next.startsWith("/wallet") && !next.startsWith("//") ? next : "/wallet");
    }),
    h("p", {}, h("a", { href: "/wallet/forgot-password", "data-link": "" }, t("auth.forgot"))),
    h("p", {}, h("a", { href: "/wallet/sign-up", "data-link": "" }, t("auth.noAccount"))));
}

async function verify(ctx) {
  const token = ctx.params.get("token") || "";
  const message = h("p", { role: "status" }, t("auth.verifying"));
  const screen = page(t("auth.verifyTitle"), message);
  try {
    await mutate(`mutation($input: VerifyEmailInput!) { verifyEmail(input: $input) { ok ${ERRORS} } }`, { input: { token } });
    message.textContent = t("auth.verified");
    if (ctx.state.me) ctx.state.me.emailVerified = true;
  } catch (error) {
    message.textContent = t("auth.verifyFailed");
    message.setAttribute("role", "alert");
  }
  history.replaceState({}, "", "/wallet/verify-email");  // the token leaves the address bar
  screen.append(h("p", {}, h("a", { href: signedIn() ? "/wallet" : "/wallet/sign-in", "data-link": "" },
    signedIn() ? t("auth.toWallet") : t("auth.signIn"))));
  return screen;
}

function forgot() {
  const done = h("p", { role: "status", hidden: true }, t("auth.linkSent"));
  return page(t("auth.forgotTitle"),
    form([field(t("auth.email"), { name: "email", type: "email", autocomplete: "email", required: true })],
      t("auth.sendLink"), async (values) => {
        await mutate(`mutation($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) { ok ${ERRORS} } }`,
          { input: values });
        done.hidden = false;
      }),
    done,
    h("p", {}, h("a", { href: "/wallet/sign-in", "data-link": "" }, t("auth.signIn"))));
}

function reset(ctx) {
  const token = ctx.params.get("token") || "";
  const done = h("p", { role: "status", hidden: true }, t("auth.resetDone"));
  return page(t("auth.resetTitle"),
    form([field(t("auth.newPassword"), { name: "newPassword", type: "password", autocomplete: "new-password", required: true, minlength: 8 })],
      t("save"), async (values) => {
        await mutate(`mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { ok ${ERRORS} } }`,
          { input: { token, newPassword: values.newPassword } });
        done.hidden = false;
      }),
    done,
    h("p", {}, h("a", { href: "/wallet/sign-in", "data-link": "" }, t("auth.signIn"))));
}

export async function render(ctx) {
  if ((ctx.name === "sign-in" || ctx.name === "sign-up") && signedIn()) {
    ctx.navigate("/wallet", { replace: true });
    return h("p", {}, t("loading"));
  }
  const screens = { "sign-up": signUp, "sign-in": signIn, "verify-email": verify, "forgot-password": forgot, "reset-password": reset };
  return screens[ctx.name](ctx);
}

