// Routes. Each screen is its own chunk, loaded when first visited, so the
// first screen carries only the shell.

import { lazy, Suspense } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { SessionProvider, useMeQuery, useSession } from "./session";
import { Layout } from "./components/Layout";
import { ErrorBox, Loading } from "./components/ui";
import { SignIn } from "./pages/SignIn";
import { NotFound } from "./pages/NotFound";

const Onboarding = lazy(() => import("./pages/Onboarding"));
const Dashboard = lazy(() => import("./pages/Dashboard"));
const Invoices = lazy(() => import("./pages/Invoices"));
const InvoiceReview = lazy(() => import("./pages/InvoiceReview"));
const Upload = lazy(() => import("./pages/Upload"));
const Suppliers = lazy(() => import("./pages/Suppliers"));
const SupplierPage = lazy(() => import("./pages/SupplierPage"));
const PriceAlerts = lazy(() => import("./pages/PriceAlerts"));
const Exports = lazy(() => import("./pages/Exports"));
const Settings = lazy(() => import("./pages/Settings"));
const Admin = lazy(() => import("./pages/Admin"));

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
