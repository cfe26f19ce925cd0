// Small pure helpers of the knowledge screens: highlighting a query's words in a snippet, pages,
// sizes and dates.

export interface Segment {
  text: string;
  match: boolean;
}

/** Vietnamese without its marks, lower-case, for matching "quyen" to "quyền" (đ becomes d). */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .toLowerCase();
}

/** Splits `text` into runs that match one of the query's words (two letters or more, compared
 * without diacritics) and runs that do not, so the snippet can mark the matches. */
export function highlight(text: string, query: string): Segment[] {
  const words = Array.from(new Set(fold(query).split(/[^\p{L}\p{N}]+/u).filter((word) => word.length >= 2)));
  if (words.length === 0 || !text) return text ? [{ text, match: false }] : [];
  // Folding keeps one character per character for precomposed Vietnamese (NFC), so offsets in the
  // folded text are offsets in the original.
  const original = text.normalize("NFC");
  const folded = Array.from(original)
    .map((char) => fold(char).slice(0, 1) || char)
    .join("");
  const marks = new Array<boolean>(original.length).fill(false);
  for (const word of words) {
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "gu");
    for (const found of folded.matchAll(pattern)) {
      for (let i = found.index; i < found.index + word.length; i++) marks[i] = true;
    }
  }
  const segments: Segment[] = [];
  for (let i = 0; i < original.length; i++) {
    const last = segments[segments.length - 1];
    if (last && last.match === marks[i]) last.text += original[i];
    else segments.push({ text: original[i], match: marks[i] });
  }
  return segments;
}

/** Pages of a document, as "3" or "3–5"; empty when unknown. */
export function pageRange(start: number | null | undefined, end: number | null | undefined): string {
  if (start == null) return "";
  if (end == null || end === start) return String(start);
  return `${start}–${end}`;
}

/** A size in bytes for people: KB / MB with the language's number format. */
export function formatBytes(bytes: number, language: string): string {
  const format = (value: number, unit: string) =>
    `${new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(value)} ${unit}`;
  if (bytes < 1024) return format(bytes, "B");
  if (bytes < 1024 * 1024) return format(bytes / 1024, "KB");
  return format(bytes / (1024 * 1024), "MB");
}

/** A date (and time, when asked) in the language's own format. */
export function formatDate(value: string | null | undefined, language: string, withTime = false): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(language, {
    dateStyle: "short",
    ...(withTime ? { timeStyle: "short" } : {}),
  }).format(date);
}
