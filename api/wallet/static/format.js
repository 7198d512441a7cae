// Numbers and dates written the way loyalty/i18n.py writes them (CLDR through Babel): grouped
// numbers; English spells the month out ("31 January 2027"), the others write it in numbers
// ("31-1-2027", "31.1.2027", "31.01.2027"); money as the ISO code with the currency's decimals
// ("EUR 1,234.50", nl "EUR 1.234,50", de and ro "1.234,50 EUR"), plain spaces. Money the API
// formats (`Money.formatted`) is shown as the API wrote it.
const LOCALE = { en: "en", nl: "nl-NL", de: "de-DE", ro: "ro-RO" };

function tag(language) {
  return LOCALE[language] || LOCALE.en;
}

function plain(text) {
  return text.replace(/[\u00a0\u202f]/g, " ");
}

export function number(value, language) {
  return plain(new Intl.NumberFormat(tag(language), { maximumFractionDigits: 20 }).format(Number(value)));
}

export function date(iso, language) {
  if (!iso) return "";
  const day = typeof iso === "string" && iso.length === 10 ? new Date(`${iso}T12:00:00`) : new Date(iso);
  const options = language === "en"
    ? { day: "numeric", month: "long", year: "numeric" }
    : { day: "numeric", month: "numeric", year: "numeric" };
  return plain(new Intl.DateTimeFormat(language === "en" ? "en-GB" : tag(language), options).format(day));
}

export function money(value, language) {
  if (!value) return "";
  if (value.formatted) return value.formatted;
  return amount(value.amount, value.currencyCode, language);
}

export function amount(decimal, currency, language) {
  const text = new Intl.NumberFormat(tag(language), { style: "currency", currency, currencyDisplay: "code" })
    .format(Number(decimal));
  return plain(text).replace(new RegExp(`(\\d)(${currency})`), "$1 $2").replace(new RegExp(`(${currency})(\\d)`), "$1 $2");
}
