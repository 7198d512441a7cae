// Elements are built with text nodes only: no markup from data ever reaches the HTML parser.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let unique = 0;
export function field(label, attrs) {
  const id = `f${++unique}`;
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, ...attrs }));
}

export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

export function announce(text) {
  const live = document.getElementById("live");
  if (live) live.textContent = text;
}

export function newKey() {
  return crypto.randomUUID();
}
