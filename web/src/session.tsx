// Who is signed in (GET /api/auth/me), in which business, with which role.
// The CSRF token for state-changing requests comes from the same answer.

import { createContext, useContext, useLayoutEffect, useRef, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, setCsrfToken } from "./api";
import type { Me, Role, Tenant } from "./types";
import { useI18n } from "./i18n";
import { Loading } from "./components/ui";

interface Session {
  me: Me;
  tenant: Tenant | null;
  role: Role | null;
  /// May change things (upload, approve…): admins and members.
  canWrite: boolean;
  isAdmin: boolean;
  /// May see exports and the event history: admins and auditors.
  canExport: boolean;
}

const Ctx = createContext<Session | null>(null);

/// Who is signed in: null when no one is.
export async function fetchMe(): Promise<Me | null> {
  try {
    const me = await api<Me>("/api/auth/me");
    setCsrfToken(me.csrf_token);
    return me;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export const meStaleTime = 60_000;

export function useMeQuery() {
  return useQuery({
    queryKey: ["me"],
    queryFn: fetchMe,
    staleTime: meStaleTime,
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
}

/// The business, asked for beside the sign-in check when the app starts
/// (fetchTenantEarly), and taken by the first tenant query if it is the
/// business the person is signed in to.
let earlyTenant: Promise<Tenant> | undefined;

export function fetchTenantEarly(): void {
  earlyTenant = api<Tenant>("/api/tenant");
  earlyTenant.catch(() => undefined);
}

export const tenantQuery = (id: string | undefined) => ({
  queryKey: ["tenant", id],
  queryFn: async () => {
    const early = earlyTenant;
    earlyTenant = undefined;
    if (early) {
      try {
        const t = await early;
        if (t.id === id) return t;
      } catch {
        // Signed out or no business then: ask again.
      }
    }
    return api<Tenant>("/api/tenant");
  },
  staleTime: 30_000,
});

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  const { setRegion, region: currentRegion } = useI18n();
  const tenantQ = useQuery({ ...tenantQuery(me.tenant?.id), enabled: !!me.tenant });
  const tenant = tenantQ.data ?? null;
  const shown = useRef(false);
  const region = tenant?.region ?? null;
  // The region decides how amounts and dates read: set it before the
  // screen first renders (no reformatting, no layout jump, one render).
  useLayoutEffect(() => {
    setRegion(region);
  }, [region, setRegion]);
  const role = me.role;
  const value: Session = {
    me,
    tenant,
    role,
    canWrite: role === "admin" || role === "member",
    isAdmin: role === "admin",
    canExport: role === "admin" || role === "auditor",
  };
  // The business comes with the sign-in check (main.tsx); until it is
  // here (unless it fails) and its region is set, the first screen waits
  // rather than render twice. Later changes re-render in place.
  if (!shown.current && ((me.tenant && tenantQ.isPending) || (tenant && currentRegion !== region))) return <Loading />;
  shown.current = true;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}

export function useSignOut() {
  const qc = useQueryClient();
  return async () => {
    try {
      await api("/api/auth/logout", { method: "POST" });
    } finally {
      qc.clear();
      qc.setQueryData(["me"], null);
      window.location.assign("/signin");
    }
  };
}
