// Live updates: GET /api/events/stream (Server-Sent Events, `event:
// invoice`, data {id, type, position}). Each event marks the queries it
// touches stale; bursts (a batch upload being extracted) are gathered so
// the list refetches at most a few times a second.

import { useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { notePosition } from "./api";

export type LiveState = "connecting" | "live" | "offline";

interface InvoiceEvent {
  id: string;
  type: string;
  position: number;
}

export function useLiveUpdates(enabled: boolean): LiveState {
  const qc = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");
  useEffect(() => {
    if (!enabled || typeof EventSource === "undefined") return;
    const source = new EventSource("/api/events/stream");
    const touched = new Set<string>();
    let timer: number | undefined;
    const flush = () => {
      timer = undefined;
      for (const id of touched) qc.invalidateQueries({ queryKey: ["invoice", id] });
      touched.clear();
      qc.invalidateQueries({ queryKey: ["invoices"] });
      qc.invalidateQueries({ queryKey: ["overview"] });
      qc.invalidateQueries({ queryKey: ["suppliers"] });
      qc.invalidateQueries({ queryKey: ["alerts"] });
    };
    source.onopen = () => setState("live");
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "offline" : "connecting");
    source.addEventListener("invoice", (e) => {
      try {
        const data = JSON.parse((e as MessageEvent<string>).data) as InvoiceEvent;
        // The projection has applied this event once queries wait for it.
        notePosition(data.position);
        touched.add(data.id);
      } catch {
        return;
      }
      if (timer === undefined) timer = window.setTimeout(flush, 250);
    });
    return () => {
      source.close();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [enabled, qc]);
  return state;
}
