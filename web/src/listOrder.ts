// The order of the invoice list last shown, so the review screen's
// next/previous keys walk the same list the person came from.

const key = "larder.list-order";

export function rememberListOrder(ids: string[], query: string): void {
  try {
    sessionStorage.setItem(key, JSON.stringify({ ids, query }));
  } catch {
    // Not kept; next/previous then do nothing.
  }
}

export function neighbours(id: string): { prev: string | null; next: string | null; query: string } {
  try {
    const saved = JSON.parse(sessionStorage.getItem(key) ?? "null") as { ids: string[]; query: string } | null;
    if (!saved) return { prev: null, next: null, query: "" };
    const i = saved.ids.indexOf(id);
    if (i < 0) return { prev: null, next: null, query: saved.query };
    return { prev: saved.ids[i - 1] ?? null, next: saved.ids[i + 1] ?? null, query: saved.query };
  } catch {
    return { prev: null, next: null, query: "" };
  }
}
