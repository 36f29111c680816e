// English and French UI text. The language is the person's choice (kept in
// localStorage), first guessed from the browser; amounts and dates follow
// the tenant's region in that language (format.ts localeFor).

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { en, type MessageKey } from "./en";
import { fr } from "./fr";
import { localeFor, type Lang } from "../format";

export type { MessageKey };

const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, fr };

export type Vars = Record<string, string | number>;

/// Fills {name} placeholders.
export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  let text = dictionaries[lang][key] ?? en[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) text = text.split("{" + k + "}").join(String(v));
  return text;
}

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem("larder.lang");
    if (saved === "en" || saved === "fr") return saved;
  } catch {
    // Storage may be off; the browser's language decides.
  }
  return navigator.language?.toLowerCase().startsWith("fr") ? "fr" : "en";
}

interface I18n {
  lang: Lang;
  setLang: (l: Lang) => void;
  /// The tenant's region decides number and date conventions.
  region: string | null;
  setRegion: (r: string | null) => void;
  locale: string;
  t: (key: MessageKey, vars?: Vars) => string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [region, setRegion] = useState<string | null>(null);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem("larder.lang", l);
    } catch {
      // Not remembered; fine.
    }
  }, []);
  const value = useMemo<I18n>(() => {
    document.documentElement.lang = lang;
    return {
      lang,
      setLang,
      region,
      setRegion,
      locale: localeFor(lang, region),
      t: (key, vars) => translate(lang, key, vars),
    };
  }, [lang, region, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error("useI18n outside I18nProvider");
  return v;
}
