// The whole history, newest first, a page at a time as the list scrolls into view.
import { h } from "../dom.js";
import { gql } from "../api.js";
import { language, t } from "../i18n.js";
import { ENTRY, entry } from "./entries.js";
import { page } from "./common.js";

const QUERY = `query($after: String, $locale: String) { me { activity(first: 20, after: $after) {
  edges { node { ${ENTRY} } } pageInfo { hasNextPage endCursor } } } }`;

let list = null;
let observer = null;

async function fill(after, sentinel, status) {
  const data = await gql(QUERY, { after, locale: language() });
  const activity = data.me.activity;
  for (const edge of activity.edges) list.append(entry(edge.node));
  if (activity.pageInfo.hasNextPage) {
    sentinel.dataset.after = activity.pageInfo.endCursor;
  } else {
    delete sentinel.dataset.after;
    observer.disconnect();
    status.textContent = list.children.length ? t("history.end") : t("history.empty");
  }
}

export async function render() {
  list = h("ul", { class: "entries", id: "history" });
  const status = h("p", { class: "small", role: "status" });
  const sentinel = h("div", { class: "sentinel", "aria-hidden": "true" });
  let loading = false;
  if (observer) observer.disconnect();
  observer = new IntersectionObserver(async (seen) => {
    if (!seen.some((e) => e.isIntersecting) || loading || !sentinel.dataset.after) return;
    loading = true;
    status.textContent = t("history.more");
    try {
      await fill(sentinel.dataset.after, sentinel, status);
      if (sentinel.dataset.after) status.textContent = "";
    } finally {
      loading = false;
    }
  }, { rootMargin: "400px" });
  await fill(null, sentinel, status);
  if (sentinel.dataset.after) observer.observe(sentinel);
  return page(t("history.title"), list, sentinel, status);
}

export async function onWalletUpdated(update) {
  if (!list || !list.isConnected || !update || !update.entry) return;
  if (list.querySelector(`[data-id="${CSS.escape(update.entry.id)}"]`)) return;
  const data = await gql(`query($locale: String) { me { activity(first: 5) { edges { node { ${ENTRY} } } } } }`, { locale: language() });
  for (const edge of data.me.activity.edges.reverse()) {
    if (!list.querySelector(`[data-id="${CSS.escape(edge.node.id)}"]`)) list.prepend(entry(edge.node));
  }
}
