import { Link } from "react-router";
import { useI18n } from "../i18n";
import { PageHeader } from "../components/ui";

export function NotFound() {
  const { t } = useI18n();
  return (
    <section className="state">
      <PageHeader title={t("error.not_found")} />
      <p>{t("error.not_found_text")}</p>
      <p className="actions">
        <Link to="/invoices">{t("nav.invoices")}</Link>
        <Link to="/">{t("nav.dashboard")}</Link>
      </p>
    </section>
  );
}
