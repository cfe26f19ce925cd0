// Dates as the interface language writes them.
export function formatDateTime(value: string | null | undefined, language: string): string {
  if (!value) return "";
  const locale = language === "en" ? "en-GB" : "vi-VN";
  return new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "short" }).format(new Date(value));
}
