// Routes. Each screen is its own chunk, loaded when first visited, so the
// first screen carries only the shell.

import { lazy, Suspense, type ComponentType } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { SessionProvider, useMeQuery, useSession } from "./session";
import { Layout } from "./components/Layout";
import { ErrorBox, Loading } from "./components/ui";
import { SignIn } from "./pages/SignIn";
import { NotFound } from "./pages/NotFound";

type Module = { default: ComponentType };

/// A screen in its own chunk. `preload` starts loading it; once loaded,
/// the screen renders at once instead of suspending for a turn (React.lazy
/// resolves synchronously when the thenable it gets calls back at once),
/// so a screen whose chunk came in beside the sign-in check shows no
/// fallback and costs no extra render.
function screen(load: () => Promise<Module>) {
  let loaded: Module | undefined;
  let loading: Promise<Module> | undefined;
  const preload = () =>
    (loading ??= load().then((m) => (loaded = m)).catch((e: unknown) => {
      loading = undefined;
      throw e;
    }));
  const Screen = lazy(() =>
    loaded ? ({ then: (ok: (m: Module) => void) => ok(loaded!) } as unknown as Promise<Module>) : preload(),
  );
  return Object.assign(Screen, { preload });
}

const Onboarding = screen(() => import("./pages/Onboarding"));
const Dashboard = screen(() => import("./pages/Dashboard"));
const Invoices = screen(() => import("./pages/Invoices"));
const InvoiceReview = screen(() => import("./pages/InvoiceReview"));
const Upload = screen(() => import("./pages/Upload"));
const Suppliers = screen(() => import("./pages/Suppliers"));
const SupplierPage = screen(() => import("./pages/SupplierPage"));
const PriceAlerts = screen(() => import("./pages/PriceAlerts"));
const Exports = screen(() => import("./pages/Exports"));
const Settings = screen(() => import("./pages/Settings"));
const Admin = screen(() => import("./pages/Admin"));

/// Starts loading the chunk of the screen at `pathname`, if it has one.
export function preloadScreen(pathname: string): void {
  const first = pathname.split("/")[1] ?? "";
  const byFirst: Record<string, { preload: () => Promise<Module> }> = {
    "": Dashboard,
    welcome: Onboarding,
    invoices: pathname.split("/").length > 2 ? InvoiceReview : Invoices,
    upload: Upload,
    suppliers: pathname.split("/").length > 2 ? SupplierPage : Suppliers,
    alerts: PriceAlerts,
    exports: Exports,
    settings: Settings,
    admin: Admin,
  };
  byFirst[first]?.preload().catch(() => undefined);
}

export function App() {
  const me = useMeQuery();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  if (me.isError)
    return (
      <main className="signed-out">
        <ErrorBox error={me.error} retry={() => me.refetch()} />
      </main>
    );
  if (!me.data) {
    if (location.pathname === "/signin") return <SignIn />;
    const next = location.pathname + location.search;
    return <Navigate to={"/signin" + (next !== "/" ? "?next=" + encodeURIComponent(next) : "")} replace />;
  }
  return (
    <SessionProvider me={me.data}>
      <SignedIn />
    </SessionProvider>
  );
}

function SignedIn() {
  const { me } = useSession();
  const location = useLocation();
  if (location.pathname === "/signin") {
    const next = new URLSearchParams(location.search).get("next");
    return <Navigate to={next && next.startsWith("/") && !next.startsWith("//") ? next : "/"} replace />;
  }
  if (!me.tenant) {
    // No business yet: create one (a platform admin may also administer).
    return (
      <Layout bare>
        <Suspense fallback={<Loading />}>
          <Routes>
            {me.user.global_admin && <Route path="/admin/*" element={<Admin />} />}
            <Route path="*" element={<Onboarding />} />
          </Routes>
        </Suspense>
      </Layout>
    );
  }
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<Dashboard />} />
          <Route path="/welcome" element={<Onboarding />} />
          <Route path="/invoices" element={<Invoices />} />
          <Route path="/invoices/:id" element={<InvoiceReview />} />
          <Route path="/upload" element={<Upload />} />
          <Route path="/suppliers" element={<Suppliers />} />
          <Route path="/suppliers/:id" element={<SupplierPage />} />
          <Route path="/alerts" element={<PriceAlerts />} />
          <Route path="/exports" element={<Exports />} />
          <Route path="/settings" element={<Settings />} />
          <Route path="/admin/*" element={me.user.global_admin ? <Admin /> : <NotFound />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
