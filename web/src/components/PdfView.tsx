// A PDF drawn with pdf.js onto canvases. larder sends every response with
// `X-Frame-Options: DENY` and `object-src 'none'`, so the browser's own
// viewer cannot be embedded; pdf.js is loaded only on the review screen.

import { useEffect, useRef, useState } from "react";
import { useI18n } from "../i18n";

type PdfJs = typeof import("pdfjs-dist");
let loading: Promise<PdfJs> | null = null;

function loadPdfJs(): Promise<PdfJs> {
  loading ??= Promise.all([import("pdfjs-dist"), import("pdfjs-dist/build/pdf.worker.min.mjs?url")]).then(
    ([pdfjs, worker]) => {
      pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
      return pdfjs;
    },
  );
  return loading;
}

const maxPages = 20;

export default function PdfView({ url, zoom, title }: { url: string; zoom: number; title: string }) {
  const { t } = useI18n();
  const holder = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"loading" | "ready" | "error">("loading");
  const [pages, setPages] = useState(0);
  useEffect(() => {
    let cancelled = false;
    let destroy: (() => void) | undefined;
    setState("loading");
    (async () => {
      try {
        const pdfjs = await loadPdfJs();
        const task = pdfjs.getDocument({ url, isEvalSupported: false, withCredentials: true });
        destroy = () => void task.destroy();
        const doc = await task.promise;
        if (cancelled) return;
        const el = holder.current;
        if (!el) return;
        el.replaceChildren();
        const width = el.clientWidth || 600;
        const count = Math.min(doc.numPages, maxPages);
        setPages(doc.numPages);
        for (let n = 1; n <= count; n++) {
          const page = await doc.getPage(n);
          if (cancelled) return;
          const base = page.getViewport({ scale: 1 });
          const scale = (width / base.width) * zoom;
          const ratio = window.devicePixelRatio || 1;
          const viewport = page.getViewport({ scale: scale * ratio });
          const canvas = document.createElement("canvas");
          canvas.width = Math.floor(viewport.width);
          canvas.height = Math.floor(viewport.height);
          canvas.style.width = Math.floor(viewport.width / ratio) + "px";
          canvas.setAttribute("role", "img");
          canvas.setAttribute("aria-label", t("review.page_of", { page: n, pages: doc.numPages, title }));
          el.appendChild(canvas);
          await page.render({ canvas, viewport }).promise;
        }
        if (!cancelled) setState("ready");
      } catch {
        if (!cancelled) setState("error");
      }
    })();
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, [url, zoom, title, t]);
  return (
    <div className="pdf">
      {state === "loading" && (
        <div className="state" role="status">
          <span className="spinner" aria-hidden="true" /> {t("review.loading_document")}
        </div>
      )}
      {state === "error" && (
        <p className="state error" role="alert">
          {t("review.document_unreadable")}{" "}
          <a href={url} download>
            {t("review.download")}
          </a>
        </p>
      )}
      <div ref={holder} className="pdf-pages" />
      {pages > maxPages && <p className="muted">{t("review.more_pages", { n: pages - maxPages })}</p>}
    </div>
  );
}
