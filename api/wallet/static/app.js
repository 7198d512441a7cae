// The page: boots the session, routes each address under /wallet/ to its screen (loaded on
// demand), draws the header and the navigation, and keeps the screen live.
import { h, replace, announce } from "./dom.js";
import { gql, loadConfig, getConfig, resume, signOut, signedIn, onSession } from "./api.js";
import { LANGUAGES, language, pick, setLanguage, t } from "./i18n.js";
import { startLive, stopLive } from "./live.js";

const PUBLIC = {
  "sign-up": "auth", "sign-in": "auth", "verify-email": "auth", "forgot-password": "auth", "reset-password": "auth",
};
const PRIVATE = {
  "": "wallet", card: "card", tier: "tier", history: "history", rewards: "rewards", referrals: "referrals",
  charity: "charity", membership: "membership", passes: "passes", profile: "profile",
};
const NAV = ["", "card", "tier", "history", "rewards", "referrals", "charity", "membership", "passes", "profile"];
const ME = "{ me { id displayName locale emailVerified memberNumber } }";

export const state = { me: null, hasPasses: false, current: null };
const main = () => document.getElementById("main");

function screenOf(path) {
  const rest = path.replace(/^\/wallet\/?/, "").replace(/\/$/, "");
  const first = rest.split("/")[0];
  return { name: first, rest };
}

export function navigate(path, { replace: swap = false } = {}) {
  if (swap) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
  route();
}

async function loadMe() {
  const data = await gql(ME);
  state.me = data.me;
  return state.me;
}

async function probePasses() {
  // The passes screen shows only when the API's schema has Member.passes.
  try {
    await gql("{ me { passes { id } } }");
    state.hasPasses = true;
  } catch (error) {
    state.hasPasses = false;
  }
}

function header() {
  const config = getConfig();
  const select = h("select", { id: "language", "aria-label": t("language"), onchange: (e) => switchLanguage(e.target.value) },
    LANGUAGES.map((code) => h("option", { value: code, selected: code === language() }, code.toUpperCase())));
  const brand = h("a", { href: "/wallet", class: "brand", "data-link": "" },
    config.logoUrl ? h("img", { src: config.logoUrl, alt: "", width: 32, height: 32 }) : null,
    h("span", {}, config.name));
  const right = h("div", { class: "tools" }, select,
    signedIn() ? h("button", { type: "button", class: "link", id: "sign-out", onclick: doSignOut }, t("nav.signOut")) : null);
  replace(document.getElementById("top"), brand, right);
}

function nav(active) {
  const el = document.getElementById("nav");
  if (!signedIn()) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  el.setAttribute("aria-label", t("nav.main"));
  const items = NAV.filter((name) => name !== "passes" || state.hasPasses).map((name) => {
    const key = name === "" ? "wallet" : name;
    return h("li", {}, h("a", {
      href: `/wallet${name ? "/" + name : ""}`, "data-link": "", "aria-current": active === name ? "page" : null,
    }, t(`nav.${key}`)));
  });
  replace(el, h("ul", {}, items));
}

async function switchLanguage(code) {
  setLanguage(code);
  if (signedIn() && state.me && pick(state.me.locale) !== code) {
    const { updateProfile } = await gql(
      "mutation($l: String!) { updateProfile(input: { locale: $l }) { member { locale } errors { message } } }", { l: code });
    if (updateProfile.member) state.me.locale = updateProfile.member.locale;
  }
  route();
}

async function doSignOut() {
  stopLive();
  await signOut();
  state.me = null;
  navigate("/wallet/sign-in", { replace: true });
}

let generation = 0;

export async function route() {
  const run = ++generation;
  const { name, rest } = screenOf(location.pathname);
  const isPublic = name in PUBLIC;
  let module = isPublic ? PUBLIC[name] : PRIVATE[name];
  if (!isPublic && !signedIn()) {
    navigate(`/wallet/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    return;
  }
  if (module === "passes" && !state.hasPasses) module = undefined;
  if (module === undefined) {
    navigate("/wallet", { replace: true });
    return;
  }
  header();
  nav(isPublic ? null : name);
  const target = main();
  target.setAttribute("aria-busy", "true");
  try {
    const screen = await import(`./screens/${module}.js`);
    const view = await screen.render({ name, rest, params: new URLSearchParams(location.search), state, navigate, signedInNow });
    if (run !== generation) return;
    state.current = screen;
    replace(target, view);
    document.title = `${target.querySelector("h1") ? target.querySelector("h1").textContent + " · " : ""}${getConfig().name}`;
  } catch (error) {
    if (run !== generation) return;
    replace(target, h("p", { class: "error", role: "alert" }, t("error")));
  } finally {
    target.removeAttribute("aria-busy");
  }
}

// After signing in or up: the member, the language, live updates, then the next screen.
async function signedInNow(next) {
  await loadMe();
  await probePasses();
  setLanguage(pick(state.me.locale));
  live();
  navigate(next || "/wallet", { replace: true });
}

function live() {
  startLive((update) => {
    if (state.current && state.current.onWalletUpdated) state.current.onWalletUpdated(update);
  }, (up) => {
    const banner = document.getElementById("status");
    banner.hidden = up;
    if (!up) banner.textContent = t("offline");
  });
}

async function boot() {
  await loadConfig();
  setLanguage(pick(navigator.languages || [], getConfig().defaultLocale));
  if (await resume()) {
    try {
      await loadMe();
      await probePasses();
      setLanguage(pick(state.me.locale));
      live();
    } catch (error) {
      state.me = null;
    }
  }
  onSession((event) => {
    if (event === "signedOut" && !(screenOf(location.pathname).name in PUBLIC)) {
      stopLive();
      navigate("/wallet/sign-in", { replace: true });
    }
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-link]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  });
  window.addEventListener("popstate", route);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.open) navigate(new URL(event.data.open, location.href).pathname);
    });
  }
  await route();
  announce("");
}

boot();
