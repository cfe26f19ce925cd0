// Vietnamese by default, English selectable; the choice is kept in localStorage. Each screen has its
// own namespace file under locales/<lng>/<namespace>.json, so screens are translated side by side;
// src/i18n/i18n.test.ts checks that both languages have the same keys and no empty text.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";

export const LANGUAGES = ["vi", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export const NAMESPACES = ["common", "auth", "chat", "builder", "knowledge", "admin", "audit", "settings"] as const;

type Resources = Record<string, Record<string, unknown>>;

// Every JSON file under locales/, found at build time.
const files = import.meta.glob<Record<string, unknown>>("./locales/*/*.json", { eager: true, import: "default" });

export const resources: Record<string, Resources> = {};
for (const [path, content] of Object.entries(files)) {
  const [, lng, ns] = path.match(/\.\/locales\/([^/]+)\/([^/]+)\.json$/) ?? [];
  if (!lng || !ns) continue;
  resources[lng] ??= {};
  resources[lng][ns] = content;
}

const STORAGE_KEY = "bureau.language";

export function storedLanguage(): Language {
  const saved = typeof localStorage !== "undefined" ? localStorage.getItem(STORAGE_KEY) : null;
  return saved === "en" ? "en" : "vi";
}

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
  document.documentElement.lang = language;
}

void i18n.use(initReactI18next).init({
  resources,
  lng: storedLanguage(),
  fallbackLng: false, // a missing English text must show up as a key in tests, not as Vietnamese
  ns: [...NAMESPACES],
  defaultNS: "common",
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

if (typeof document !== "undefined") document.documentElement.lang = i18n.language;

export default i18n;
