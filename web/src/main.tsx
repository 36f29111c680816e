import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter } from "react-router";
import { ApiError } from "./api";
import { I18nProvider } from "./i18n";
import { App, preloadScreen } from "./App";
import { fetchMe, fetchTenantEarly, meStaleTime } from "./session";
import { filtersFromParams, filtersToQuery, invoiceListQuery } from "./filters";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: true,
      // A 4xx will not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});

// Start what the first screen needs at once, side by side, instead of
// one after the other as components mount: who is signed in (then the
// business, whose region sets the locale), the screen's chunk and, for the
// invoice list (the screen people open most, and bookmark), its first
// page. A signed-out visitor's 401s are simply dropped.
void queryClient.fetchQuery({ queryKey: ["me"], queryFn: fetchMe, staleTime: meStaleTime }).catch(() => undefined);
fetchTenantEarly();
preloadScreen(window.location.pathname);
if (window.location.pathname === "/invoices") {
  const query = filtersToQuery(filtersFromParams(new URLSearchParams(window.location.search)));
  void queryClient.prefetchQuery(invoiceListQuery(query)).catch(() => undefined);
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </I18nProvider>
    </QueryClientProvider>
  </StrictMode>,
);
