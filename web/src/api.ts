// The one door to larder's API: same-origin fetch with the session cookie,
// the CSRF header on state-changing requests, errors as ApiError, and
// read-your-writes (a command's `position` is passed to later queries as
// `?after=`, so a list read right after an approval already shows it).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let csrfToken = "";
let lastPosition = 0;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/// Remembers the newest position a command answered with.
export function notePosition(position: unknown): void {
  if (typeof position === "number" && position > lastPosition) lastPosition = position;
}

export function currentPosition(): number {
  return lastPosition;
}

/// Read models that honour `?after=`: the invoices, the dashboard and the
/// suppliers/price models. Other endpoints answer from the entity itself.
const readYourWrites = [
  "/api/invoices",
  "/api/stats/",
  "/api/suppliers",
  "/api/items/",
  "/api/price-alerts",
];

export function withAfter(path: string): string {
  if (lastPosition <= 0) return path;
  const [p] = path.split("?");
  if (!readYourWrites.some((prefix) => p!.startsWith(prefix))) return path;
  if (/\/(history|document|state)$/.test(p!)) return path;
  return path + (path.includes("?") ? "&" : "?") + "after=" + lastPosition;
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
}

async function readError(res: Response): Promise<ApiError> {
  let code = "http_" + res.status;
  let message = res.statusText || "The request failed";
  try {
    const data = (await res.json()) as { error?: { code?: string; message?: string } };
    if (data.error?.code) code = data.error.code;
    if (data.error?.message) message = data.error.message;
  } catch {
    // Not JSON (a proxy's page, say): keep the status text.
  }
  return new ApiError(res.status, code, message);
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken;
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(method === "GET" ? withAfter(path) : path, {
      method,
      headers,
      body,
      credentials: "same-origin",
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "larder cannot be reached. Check the connection and try again.");
  }
  if (!res.ok) throw await readError(res);
  if (res.status === 204) return undefined as T;
  const data = (await res.json()) as T;
  if (data && typeof data === "object" && "position" in data) notePosition((data as { position: unknown }).position);
  return data;
}

export interface UploadResult {
  file_name: string;
  id?: string;
  status?: string;
  duplicate?: boolean;
  position?: number;
  error?: { code: string; message: string };
}

/// Uploads one file with progress (fetch cannot report upload progress).
export function uploadFile(
  file: File,
  onProgress: (fraction: number) => void,
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/upload");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () =>
      reject(new ApiError(0, "network", "The upload was interrupted. Check the connection and try again."));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        const r = data as UploadResult;
        notePosition(r.position);
        resolve(r);
        return;
      }
      const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
      resolve({
        file_name: file.name,
        error: {
          code: err?.code ?? "http_" + xhr.status,
          message: err?.message ?? "The upload failed (" + xhr.status + ").",
        },
      });
    };
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}
