import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter } from "react-router";
import { ApiError } from "./api";
import { I18nProvider } from "./i18n";
import { App } from "./App";
import { api } from "./api";
import { filtersFromParams, filtersToQuery } from "./filters";
import type { InvoicePage } from "./types";
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

// The invoice list is the screen people open most (and bookmark): start
// its chunk and its first page now, beside the sign-in check, instead of
// one after the other. A signed-out visitor's 401 is simply dropped.
if (window.location.pathname === "/invoices") {
  void import("./pages/Invoices");
  const query = filtersToQuery(filtersFromParams(new URLSearchParams(window.location.search)));
  void queryClient
    .prefetchQuery({ queryKey: ["invoices", query], queryFn: () => api<InvoicePage>("/api/invoices?" + query) })
    .catch(() => undefined);
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
