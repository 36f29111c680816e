// Who is signed in (GET /api/auth/me), in which business, with which role.
// The CSRF token for state-changing requests comes from the same answer.

import { createContext, useContext, useEffect, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, setCsrfToken } from "./api";
import type { Me, Role, Tenant } from "./types";
import { useI18n } from "./i18n";

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

export const tenantQuery = (id: string | undefined) => ({
  queryKey: ["tenant", id],
  queryFn: () => api<Tenant>("/api/tenant"),
  staleTime: 30_000,
});

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  const { setRegion } = useI18n();
  const tenantQ = useQuery({ ...tenantQuery(me.tenant?.id), enabled: !!me.tenant });
  const tenant = tenantQ.data ?? null;
  useEffect(() => {
    setRegion(tenant?.region ?? null);
  }, [tenant?.region, setRegion]);
  const role = me.role;
  const value: Session = {
    me,
    tenant,
    role,
    canWrite: role === "admin" || role === "member",
    isAdmin: role === "admin",
    canExport: role === "admin" || role === "auditor",
  };
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
