import { useRef, useState, type DragEvent } from "react";
import { Link } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, uploadFile, type UploadResult } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { useSession } from "../session";
import { formatBytes } from "../format";
import { Notice, PageHeader } from "../components/ui";

export const maxFiles = 10;
export const maxBytes = 20 * 1024 * 1024;
const concurrency = 3;

interface Item {
  key: string;
  file: File;
  progress: number;
  state: "waiting" | "uploading" | "done" | "refused";
  result?: UploadResult;
  problem?: string;
}

/// What the browser can tell before sending: too big or empty. The server
/// decides the type by the bytes.
export function precheck(file: File): "empty" | "too_big" | null {
  if (file.size === 0) return "empty";
  if (file.size > maxBytes) return "too_big";
  return null;
}

interface StatusAnswer {
  invoices: { id: string; status: string; paid: boolean }[];
}

export default function Upload() {
  const { t, locale } = useI18n();
  const { canWrite } = useSession();
  const qc = useQueryClient();
  const [items, setItems] = useState<Item[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const camera = useRef<HTMLInputElement>(null);
  const ids = items.flatMap((i) => (i.result?.id ? [i.result.id] : []));
  // Statuses come from the invoices' own streams; live updates mark this
  // query stale (its key starts with "invoices") as extraction moves on.
  const statuses = useQuery({
    queryKey: ["invoices", "status", ids],
    queryFn: () => api<StatusAnswer>("/api/invoices/status", { method: "POST", body: { ids } }),
    enabled: ids.length > 0,
    refetchInterval: (q) =>
      q.state.data?.invoices.some((i) => i.status === "received" || i.status === "extracting") ? 5000 : false,
  });
  const statusOf = (id: string) => statuses.data?.invoices.find((i) => i.id === id)?.status;

  const update = (key: string, change: Partial<Item>) =>
    setItems((list) => list.map((i) => (i.key === key ? { ...i, ...change } : i)));

  const add = (files: FileList | File[]) => {
    setMessage(null);
    let list = Array.from(files);
    if (list.length > maxFiles) {
      setMessage(t("upload.too_many", { n: maxFiles, given: list.length }));
      list = list.slice(0, maxFiles);
    }
    const fresh: Item[] = list.map((file, n) => {
      const problem = precheck(file);
      return {
        key: Date.now() + "-" + n + "-" + file.name,
        file,
        progress: 0,
        state: problem ? "refused" : "waiting",
        problem: problem ? t(("upload." + problem) as MessageKey, { name: file.name }) : undefined,
      };
    });
    setItems((old) => [...fresh, ...old]);
    void run(fresh.filter((i) => i.state === "waiting"));
  };

  const run = async (queue: Item[]) => {
    const work = [...queue];
    const worker = async () => {
      for (let item = work.shift(); item; item = work.shift()) {
        update(item.key, { state: "uploading" });
        try {
          const r = await uploadFile(item.file, (p) => update(item.key, { progress: p }));
          update(item.key, { state: r.error ? "refused" : "done", result: r, progress: 1, problem: r.error?.message });
        } catch (e) {
          update(item.key, { state: "refused", problem: e instanceof Error ? e.message : String(e) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, work.length) }, worker));
    qc.invalidateQueries({ queryKey: ["invoices"] });
    qc.invalidateQueries({ queryKey: ["overview"] });
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer.files.length) add(e.dataTransfer.files);
  };

  if (!canWrite)
    return (
      <>
        <PageHeader title={t("nav.upload")} />
        <Notice kind="info">{t("upload.read_only")}</Notice>
      </>
    );

  return (
    <>
      <PageHeader title={t("nav.upload")} />
      <div
        className={"dropzone" + (over ? " over" : "")}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p className="drop-title">{t("upload.drop")}</p>
        <p className="muted">{t("upload.kinds", { n: maxFiles, size: formatBytes(maxBytes, locale) })}</p>
        <div className="drop-actions">
          <button type="button" className="primary" onClick={() => picker.current?.click()}>
            {t("upload.choose")}
          </button>
          <button type="button" className="camera-button" onClick={() => camera.current?.click()}>
            {t("upload.camera")}
          </button>
        </div>
        <input
          ref={picker}
          id="upload-files"
          type="file"
          multiple
          accept=".pdf,.xml,.jpg,.jpeg,.png,.heic,application/pdf,application/xml,text/xml,image/*"
          className="visually-hidden"
          tabIndex={-1}
          aria-label={t("upload.choose")}
          onChange={(e) => {
            if (e.target.files?.length) add(e.target.files);
            e.target.value = "";
          }}
        />
        <input
          ref={camera}
          type="file"
          accept="image/*"
          capture="environment"
          className="visually-hidden"
          tabIndex={-1}
          aria-label={t("upload.camera")}
          onChange={(e) => {
            if (e.target.files?.length) add(e.target.files);
            e.target.value = "";
          }}
        />
      </div>
      {message && <Notice kind="error">{message}</Notice>}
      {items.length > 0 && (
        <ul className="uploads" aria-live="polite" data-testid="uploads">
          {items.map((i) => {
            const id = i.result?.id;
            const status = id ? statusOf(id) : undefined;
            return (
              <li key={i.key} className={"upload upload-" + i.state} data-file={i.file.name}>
                <div className="upload-name">
                  <strong>{i.file.name}</strong>
                  <span className="muted">{formatBytes(i.file.size, locale)}</span>
                </div>
                {i.state === "uploading" && (
                  <progress max={1} value={i.progress} aria-label={t("upload.progress", { name: i.file.name })} />
                )}
                {i.state === "waiting" && <span className="muted">{t("upload.waiting")}</span>}
                {i.state === "refused" && <span className="field-error">{i.problem}</span>}
                {i.state === "done" && id && (
                  <span>
                    {i.result?.duplicate ? t("upload.duplicate") : t("upload.received")}{" "}
                    <span className="upload-status" data-status={status ?? i.result?.status}>
                      {t(("lifecycle." + (status ?? i.result?.status ?? "received")) as MessageKey)}
                    </span>{" "}
                    <Link to={"/invoices/" + id}>{t("upload.open")}</Link>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
